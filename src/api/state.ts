import type { RouterContext } from '@koa/router';
import type { Next, ParameterizedContext } from 'koa';
import type { ErrorCode } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { ApiKey } from './keys.js';

/** An error as it goes on the wire, before a dialect shapes its body. */
export interface ApiError {
  status: number;
  code: ErrorCode;
  message: string;
}

/** Each dialect shapes its own error body; v1 and checkout use `{"error": "message"}`. */
export type ErrorFormatter = (e: ApiError) => unknown;

/**
 * What the shared middleware leaves on `ctx.state` for everything after it: typed once
 * here, so no handler casts it.
 */
export interface TillState {
  /** From requestContext: the caller's sane X-Request-Id or a new UUID. */
  requestId: string;
  /** A logger carrying the request id. */
  log: Logger;
  /** The raw request body (jsonBody), for idempotency's request hash. */
  rawBody?: Buffer;
  /** From authenticate; read it with apiKeyOf, which refuses a request without one. */
  apiKey?: ApiKey;
  /** Under a page's mount: why its form body could not be read (the page answers in HTML). */
  bodyError?: { code: string; message: string };
  /** The direct peer is a proxy of TILL_TRUST_PROXY (forwarded.ts). */
  viaTrustedProxy?: boolean;
  /** Set by each dialect's router: how its errors look. */
  errorFormat?: ErrorFormatter;
}

export type TillContext = ParameterizedContext<TillState>;
export type TillMiddleware = (ctx: TillContext, next: Next) => Promise<void>;
/** A route's context: the shared state and the path's parameters. */
export type RouteContext = RouterContext<TillState>;
