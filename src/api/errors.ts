import { isDatabaseUnavailable } from '../db/postgres.js';
import { isTillError, type ErrorCode, type TillError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { ApiError, ErrorFormatter, TillContext, TillMiddleware } from './state.js';

export type { ApiError, ErrorFormatter };

/** The one place where error codes become HTTP statuses. */
const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  malformed_json: 400,
  invalid_state: 400,
  no_wallet: 400,
  wallet_invalid: 400,
  wallet_network_mismatch: 400,
  unsupported_currency: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invoice_not_found: 404,
  payment_link_not_found: 404,
  webhook_not_found: 404,
  method_not_allowed: 405,
  slug_taken: 409,
  idempotency_in_progress: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  idempotency_conflict: 422,
  rate_limited: 429,
  internal: 500,
  config_invalid: 500,
  rate_unavailable: 503,
  address_pool_exhausted: 503,
  node_unavailable: 503,
  database_unavailable: 503,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code];
}

/** Till's own error body, for what no dialect answers (an unknown path, /health): `{error, code}`. */
export const tillErrorBody: ErrorFormatter = (e) => ({ error: e.message, code: e.code });

/** What an expected error becomes on the wire: its code's status, its message shown. */
export function apiErrorOf(err: TillError): ApiError {
  return { status: statusFor(err.code), code: err.code, message: err.message };
}

/** The body of an error in the shape of the dialect that handled the request. */
export function errorBodyFor(ctx: TillContext, e: ApiError): unknown {
  return (ctx.state.errorFormat ?? tillErrorBody)(e);
}

/**
 * Turns anything thrown below into a JSON error in the dialect's shape. Expected errors
 * keep their message; anything else is a 500 whose message is logged, never shown.
 */
export function errorMiddleware(log: Logger): TillMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      let e: ApiError;
      if (isTillError(err)) {
        e = apiErrorOf(err);
      } else {
        const status = (err as { status?: unknown }).status;
        const expose = (err as { expose?: unknown }).expose === true;
        if (isDatabaseUnavailable(err)) {
          // An outage, not a bug: the client may try again, and /health says the same.
          (ctx.state.log ?? log).warn({ err: (err as Error).message }, 'the database is unavailable');
          e = { status: 503, code: 'database_unavailable', message: 'The database is unavailable; try again shortly' };
          ctx.set('Retry-After', '5');
        } else if (typeof status === 'number' && status >= 400 && status < 500 && expose) {
          // Koa's own http-errors (e.g. ctx.throw in a library): keep their 4xx.
          e = { status, code: status === 404 ? 'not_found' : 'validation_failed', message: (err as Error).message };
        } else {
          // The request context runs first, but an error may escape it: fall back to the app's logger.
          (ctx.state.log ?? log).error({ err }, 'unhandled error');
          e = { status: 500, code: 'internal', message: `Internal error (request ${ctx.state.requestId ?? ''})` };
        }
      }
      ctx.status = e.status;
      ctx.body = errorBodyFor(ctx, e);
    }
  };
}
