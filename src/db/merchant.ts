import type { Knex } from 'knex';
import { parseJson, toNum, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;

/** A merchant UI session, as stored (the cookie's token is kept only as its hash). */
export interface UiSession {
  id: number;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
  userAgent: string | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | null;
  actor: string;
  ip: string | null;
}

export async function findPasswordHash(q: Q): Promise<string | null> {
  const r = (await q('ui_credentials').where({ id: 1 }).first()) as Row | undefined;
  return r ? String(r.password_hash) : null;
}

/** The first password: false when one is set already (another first-run post won the race). */
export async function insertFirstPasswordHash(trx: Knex.Transaction, hash: string, now: number): Promise<boolean> {
  // One statement, decided by the primary key: with many writers (PostgreSQL) a read first
  // could find no row in two processes at once, and the second insert would fail.
  const rows = await trx('ui_credentials').insert({ id: 1, password_hash: hash, updated_at: now }).onConflict('id').ignore().returning('id');
  return rows.length === 1;
}

export async function savePasswordHash(trx: Knex.Transaction, hash: string, now: number): Promise<void> {
  await trx('ui_credentials').insert({ id: 1, password_hash: hash, updated_at: now }).onConflict('id').merge();
}

function mapSession(r: Row): UiSession {
  return {
    id: toNum(r.id),
    csrf: String(r.csrf),
    createdAt: toNum(r.created_at),
    lastSeenAt: toNum(r.last_seen_at),
    expiresAt: toNum(r.expires_at),
    ip: (r.ip as string | null) ?? null,
    userAgent: (r.user_agent as string | null) ?? null,
  };
}

export async function insertSession(
  trx: Knex.Transaction,
  s: { tokenHash: string; csrf: string; now: number; expiresAt: number; ip: string | null; userAgent: string | null },
): Promise<UiSession> {
  const [row] = (await trx('ui_sessions')
    .insert({
      token_hash: s.tokenHash, csrf: s.csrf, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt,
      ip: s.ip, user_agent: s.userAgent,
    })
    .returning('id')) as [{ id: number }];
  return { id: toNum(row.id), csrf: s.csrf, createdAt: s.now, lastSeenAt: s.now, expiresAt: s.expiresAt, ip: s.ip, userAgent: s.userAgent };
}

export async function findSession(q: Q, tokenHash: string): Promise<UiSession | null> {
  const r = (await q('ui_sessions').where({ token_hash: tokenHash }).first()) as Row | undefined;
  return r ? mapSession(r) : null;
}

export async function touchSession(trx: Knex.Transaction, id: number, now: number, expiresAt: number): Promise<void> {
  await trx('ui_sessions').where({ id }).update({ last_seen_at: now, expires_at: expiresAt });
}

export async function deleteSession(trx: Knex.Transaction, tokenHash: string): Promise<void> {
  await trx('ui_sessions').where({ token_hash: tokenHash }).delete();
}

/** Every session ends (a new password logs everyone out). */
export async function deleteAllSessions(trx: Knex.Transaction): Promise<number> {
  return trx('ui_sessions').delete();
}

export async function deleteExpiredSessions(trx: Knex.Transaction, now: number): Promise<number> {
  return trx('ui_sessions').where('expires_at', '<=', now).delete();
}

export async function insertAudit(
  trx: Knex.Transaction,
  e: { at: number; action: string; subject: string | null; detail: Record<string, unknown> | null; actor: string; ip: string | null },
): Promise<void> {
  await trx('audit_log').insert({
    at: e.at, action: e.action, subject: e.subject, detail: e.detail === null ? null : JSON.stringify(e.detail), actor: e.actor, ip: e.ip,
  });
}

export async function listAudit(q: Q, o: { limit: number; offset: number }): Promise<{ entries: AuditEntry[]; total: number }> {
  const rows: Row[] = await q('audit_log').orderBy('id', 'desc').limit(o.limit).offset(o.offset);
  const c = (await q('audit_log').count({ n: '*' }).first()) as Row | undefined;
  return {
    entries: rows.map((r) => ({
      id: toNum(r.id),
      at: toNum(r.at),
      action: String(r.action),
      subject: (r.subject as string | null) ?? null,
      detail: parseJson<Record<string, unknown>>(r.detail),
      actor: String(r.actor),
      ip: (r.ip as string | null) ?? null,
    })),
    total: toNum(c?.n ?? 0),
  };
}

export interface StoredSetting {
  key: string;
  value: string;
  updatedAt: number;
}

export async function listStoredSettings(q: Q): Promise<StoredSetting[]> {
  const rows: Row[] = await q('settings').orderBy('key');
  return rows.map((r) => ({ key: String(r.key), value: String(r.value), updatedAt: toNum(r.updated_at) }));
}

export async function putStoredSetting(trx: Knex.Transaction, key: string, value: string, now: number): Promise<void> {
  await trx('settings').insert({ key, value, updated_at: now }).onConflict('key').merge();
}

export async function deleteStoredSetting(trx: Knex.Transaction, key: string): Promise<boolean> {
  return (await trx('settings').where({ key }).delete()) > 0;
}

