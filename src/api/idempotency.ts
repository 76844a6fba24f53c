import { createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import { TillError } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import {
  claimIdempotency, completeIdempotency, findIdempotency, releaseIdempotency,
} from '../db/idempotency.js';
import { apiKeyOf } from './auth.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * Optional `Idempotency-Key` on POST, with Stripe's semantics: the same key with the
 * same request replays the first response (marked `Idempotent-Replayed: true`); the
 * same key with another request is a 422; a key whose first request is still running is
 * a 409. Keys belong to the API key that sent them. A 5xx is not stored, so a retry
 * after a server fault runs again.
 */
export function idempotency(db: Database, now: () => number) {
  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'POST') return next();
    const key = ctx.get('Idempotency-Key');
    if (key === '') return next();
    if (!KEY.test(key)) {
      throw new TillError('validation_failed', 'Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const apiKey = apiKeyOf(ctx);
    const raw = (ctx.state.rawBody as Buffer | undefined) ?? Buffer.alloc(0);
    const requestHash = createHash('sha256').update(`${ctx.method} ${ctx.path}\n`).update(raw).digest('hex');

    const claimed = await db.tx(async (trx) => {
      if (await claimIdempotency(trx, { apiKeyId: apiKey.id, key, requestHash, now: now() })) return null;
      return findIdempotency(trx, apiKey.id, key);
    });
    if (claimed) {
      if (claimed.requestHash !== requestHash) {
        throw new TillError('idempotency_conflict', 'This Idempotency-Key was used with a different request');
      }
      if (claimed.responseStatus === null) {
        throw new TillError('idempotency_in_progress', 'A request with this Idempotency-Key is still in progress');
      }
      ctx.status = claimed.responseStatus;
      ctx.body = JSON.parse(claimed.responseBody ?? 'null') as unknown;
      ctx.set('Idempotent-Replayed', 'true');
      return;
    }

    try {
      await next();
    } catch (err) {
      // Errors become responses in the error middleware above; store what it will send.
      await db.tx((trx) => releaseIdempotency(trx, apiKey.id, key));
      throw err;
    }
    if (ctx.status >= 500) {
      await db.tx((trx) => releaseIdempotency(trx, apiKey.id, key));
      return;
    }
    await db.tx((trx) =>
      completeIdempotency(trx, { apiKeyId: apiKey.id, key, status: ctx.status, body: JSON.stringify(ctx.body ?? null) }),
    );
  };
}
