/**
 * The one error type of Till. Every expected failure carries a stable snake_case code;
 * the HTTP layer maps codes to statuses in one place and each dialect shapes the body.
 */
export type ErrorCode =
  | 'validation_failed'
  | 'malformed_json'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'invoice_not_found'
  | 'payment_link_not_found'
  | 'webhook_not_found'
  | 'invalid_state'
  | 'no_wallet'
  | 'wallet_invalid'
  | 'wallet_network_mismatch'
  | 'slug_taken'
  | 'rate_unavailable'
  | 'unsupported_currency'
  | 'rate_limited'
  | 'idempotency_conflict'
  | 'idempotency_in_progress'
  | 'address_pool_exhausted'
  | 'config_invalid'
  | 'node_unavailable'
  | 'database_unavailable'
  | 'internal';

export class TillError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'TillError';
    this.code = code;
    this.details = details;
  }
}

export function isTillError(e: unknown): e is TillError {
  return e instanceof TillError;
}
