import type { Knex } from 'knex';
import { parseJson, toNum, toNumOrNull, type Row } from './rows.js';

export const SCOPES = ['invoices:read', 'invoices:write', 'links:write', 'webhooks:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

type Q = Knex | Knex.Transaction;

function map(r: Row): ApiKey {
  return {
    id: toNum(r.id),
    name: String(r.name),
    prefix: String(r.prefix),
    scopes: parseJson<Scope[]>(r.scopes) ?? [],
    createdAt: toNum(r.created_at),
    lastUsedAt: toNumOrNull(r.last_used_at),
    revokedAt: toNumOrNull(r.revoked_at),
  };
}

export async function insertApiKey(
  trx: Knex.Transaction,
  k: { name: string; prefix: string; keyHash: string; scopes: Scope[]; createdAt: number },
): Promise<ApiKey> {
  const [row] = (await trx('api_keys')
    .insert({ name: k.name, prefix: k.prefix, key_hash: k.keyHash, scopes: JSON.stringify(k.scopes), created_at: k.createdAt })
    .returning('id')) as [{ id: number }];
  return { id: toNum(row.id), name: k.name, prefix: k.prefix, scopes: k.scopes, createdAt: k.createdAt, lastUsedAt: null, revokedAt: null };
}

/** Looks a key up by the hash of the presented secret; the secret itself is never stored. */
export async function findApiKeyByHash(q: Q, keyHash: string): Promise<ApiKey | null> {
  const r: Row | undefined = await q('api_keys').where({ key_hash: keyHash }).first();
  return r ? map(r) : null;
}

export async function listApiKeys(q: Q): Promise<ApiKey[]> {
  const rows: Row[] = await q('api_keys').orderBy('id');
  return rows.map(map);
}

/** Revokes by numeric id or by prefix; returns how many keys it revoked. */
export async function revokeApiKey(trx: Knex.Transaction, idOrPrefix: string, now: number): Promise<number> {
  const q = trx('api_keys').whereNull('revoked_at');
  if (/^\d+$/.test(idOrPrefix)) q.where({ id: Number(idOrPrefix) });
  else q.where({ prefix: idOrPrefix });
  return q.update({ revoked_at: now });
}

export async function touchApiKey(trx: Knex.Transaction, id: number, now: number): Promise<void> {
  await trx('api_keys').where({ id }).update({ last_used_at: now });
}
