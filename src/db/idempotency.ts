import type { Knex } from 'knex';
import { toNum, toNumOrNull, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;

export interface IdempotencyRecord {
  id: number;
  requestHash: string;
  responseStatus: number | null;
  responseBody: string | null;
  createdAt: number;
}

export async function findIdempotency(q: Q, apiKeyId: number, key: string): Promise<IdempotencyRecord | null> {
  const r: Row | undefined = await q('idempotency_keys').where({ api_key_id: apiKeyId, key }).first();
  if (!r) return null;
  return {
    id: toNum(r.id),
    requestHash: String(r.request_hash),
    responseStatus: toNumOrNull(r.response_status),
    responseBody: (r.response_body as string | null) ?? null,
    createdAt: toNum(r.created_at),
  };
}

/** Claims a key; false if another request holds it already (the unique index decides). */
export async function claimIdempotency(
  trx: Knex.Transaction,
  r: { apiKeyId: number; key: string; requestHash: string; now: number },
): Promise<boolean> {
  const rows = await trx('idempotency_keys')
    .insert({ api_key_id: r.apiKeyId, key: r.key, request_hash: r.requestHash, created_at: r.now })
    .onConflict(['api_key_id', 'key'])
    .ignore()
    .returning('id');
  return rows.length === 1;
}

/** Keeps the answer of a request that ran (2xx or 4xx) for replays. */
export async function completeIdempotency(
  trx: Knex.Transaction,
  r: { apiKeyId: number; key: string; status: number; body: string },
): Promise<void> {
  await trx('idempotency_keys')
    .where({ api_key_id: r.apiKeyId, key: r.key })
    .update({ response_status: r.status, response_body: r.body });
}

/** A request refused before it ran, or answered with a 5xx, frees its key for a retry. */
export async function releaseIdempotency(trx: Knex.Transaction, apiKeyId: number, key: string): Promise<void> {
  await trx('idempotency_keys').where({ api_key_id: apiKeyId, key }).whereNull('response_status').delete();
}

/**
 * Forgets answers kept since before `answeredBefore`, and claims still unanswered since
 * before `abandonedBefore`: a process killed mid-request never answers its claim, and the
 * key must not stay "in progress" for ever.
 */
export async function pruneIdempotency(trx: Knex.Transaction, answeredBefore: number, abandonedBefore: number): Promise<number> {
  return trx('idempotency_keys')
    .where((w) =>
      w.where('created_at', '<', answeredBefore).orWhere((a) => a.whereNull('response_status').where('created_at', '<', abandonedBefore)),
    )
    .delete();
}
