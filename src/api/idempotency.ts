import { createHash } from 'node:crypto';
import { isTillError, TillError, type ErrorCode } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import {
  claimIdempotency, completeIdempotency, findIdempotency, pruneIdempotency, releaseIdempotency,
} from '../db/idempotency.js';
import { apiKeyOf } from './auth.js';
import { apiErrorOf, errorBodyFor } from './errors.js';
import type { TillContext, TillMiddleware } from './state.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Whether an error means the operation ran (its answer is kept and replayed) or the
 * request was refused before it ran (the key stays free, so a corrected request may
 * reuse it). A Record so that a new error code cannot be added without deciding. A
 * 5xx is never kept whatever this says: the retry must run again.
 */
const RAN: Record<ErrorCode, boolean> = {
  validation_failed: false,
  malformed_json: false,
  body_too_large: false,
  unsupported_media_type: false,
  unsupported_currency: false,
  unauthorized: false,
  forbidden: false,
  not_found: false,
  method_not_allowed: false,
  rate_limited: false,
  idempotency_conflict: false,
  idempotency_in_progress: false,
  invalid_state: true,
  no_wallet: true,
  wallet_invalid: true,
  wallet_network_mismatch: true,
  invoice_not_found: true,
  payment_link_not_found: true,
  webhook_not_found: true,
  slug_taken: true,
  internal: false,
  config_invalid: false,
  rate_unavailable: false,
  address_pool_exhausted: false,
  node_unavailable: false,
  database_unavailable: false,
};

/** The answer to keep for a request that threw, or null to free its key. */
export function answerToKeep(err: unknown, ctx: TillContext): { status: number; body: unknown } | null {
  if (!isTillError(err) || !RAN[err.code]) return null;
  const e = apiErrorOf(err);
  if (e.status >= 500) return null;
  return { status: e.status, body: errorBodyFor(ctx, e) };
}

/**
 * Optional `Idempotency-Key` on POST, with Stripe's semantics: the same key with the
 * same request replays the first answer (marked `Idempotent-Replayed: true`), be it a
 * 2xx or a 4xx from an operation that ran (no_wallet, invalid_state, slug_taken…); the
 * same key with another request is a 422; a key whose first request is still running is
 * a 409. A request refused before it ran (validation, auth, no such route) and any 5xx
 * keep nothing, so the retry runs. Keys belong to the API key that sent them.
 */
export function idempotency(db: Database, now: () => number): TillMiddleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST') return next();
    const key = ctx.get('Idempotency-Key');
    if (key === '') return next();
    if (!KEY.test(key)) {
      throw new TillError('validation_failed', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const apiKey = apiKeyOf(ctx);
    const raw = ctx.state.rawBody ?? Buffer.alloc(0);
    const requestHash = createHash('sha256').update(`${ctx.method} ${ctx.path}\n`).update(raw).digest('hex');

    const claimed = await db.tx(async (trx) => {
      for (;;) {
        if (await claimIdempotency(trx, { apiKeyId: apiKey.id, key, requestHash, now: now() })) return null;
        const held = await findIdempotency(trx, apiKey.id, key);
        if (held) return held;
        // Released between the two statements by a request of another process (PostgreSQL
        // runs each statement on what is committed then): the key is free again, claim it.
      }
    });
    if (claimed) {
      if (claimed.requestHash !== requestHash) {
        throw new TillError('idempotency_conflict', 'This Idempotency-Key was used with a different request');
      }
      if (claimed.responseStatus === null) {
        throw new TillError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress');
      }
      ctx.status = claimed.responseStatus;
      const stored = JSON.parse(claimed.responseBody ?? 'null') as unknown;
      // A dialect that writes its own JSON text (checkout's exact JSON numbers) kept that
      // text: it is replayed byte for byte, and as JSON (a bare string would go as text/plain).
      if (typeof stored === 'string') ctx.type = 'application/json';
      ctx.body = stored;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }

    const keep = (status: number, body: unknown) =>
      db.tx((trx) => completeIdempotency(trx, { apiKeyId: apiKey.id, key, status, body: JSON.stringify(body ?? null) }));
    const release = () => db.tx((trx) => releaseIdempotency(trx, apiKey.id, key));
    try {
      await next();
    } catch (err) {
      // The error middleware above turns this into the response; keep exactly that.
      const answer = answerToKeep(err, ctx);
      await (answer ? keep(answer.status, answer.body) : release());
      throw err;
    }
    await (ctx.status >= 500 ? release() : keep(ctx.status, ctx.body));
  };
}

/** Stripe's rule: a key and its answer are kept 24 hours, then the key may be used afresh. */
export const IDEMPOTENCY_KEEP_MS = 24 * 3600_000;
/** A claim with no answer this old belongs to a request that died with its process. */
export const IDEMPOTENCY_ABANDONED_MS = 5 * 60_000;

/** Forgets expired keys and abandoned claims; run on a timer. */
export async function pruneIdempotencyKeys(db: Database, now: number): Promise<number> {
  return db.tx((trx) => pruneIdempotency(trx, now - IDEMPOTENCY_KEEP_MS, now - IDEMPOTENCY_ABANDONED_MS));
}
