import type { Knex } from 'knex';
import { storableText } from './errors.js';
import { execute, isPostgres, rowsOf } from './fast.js';
import { toNum, toNumOrNull, type Row } from './rows.js';
import type { Delivery, DeliveryAttempt, DeliveryStatus, TargetKind } from '../domain/notification.js';

type Q = Knex | Knex.Transaction;

export type { Delivery, DeliveryAttempt, DeliveryStatus, TargetKind };


function map(r: Row): Delivery {
  return {
    id: toNum(r.id),
    deliveryId: String(r.delivery_id),
    outboxId: toNumOrNull(r.outbox_id),
    eventType: String(r.event_type),
    targetKind: r.target_kind as TargetKind,
    targetId: toNum(r.target_id),
    target: String(r.target),
    payload: (r.payload as string | null) ?? null,
    status: r.status as DeliveryStatus,
    attempts: toNum(r.attempts),
    nextAttemptAt: toNum(r.next_attempt_at),
    leaseUntil: toNumOrNull(r.lease_until),
    lastAttemptAt: toNumOrNull(r.last_attempt_at),
    lastStatusCode: toNumOrNull(r.last_status_code),
    lastError: (r.last_error as string | null) ?? null,
    responseExcerpt: (r.response_excerpt as string | null) ?? null,
    deliveredAt: toNumOrNull(r.delivered_at),
    createdAt: toNum(r.created_at),
  };
}

export async function readCursor(q: Q, name: string): Promise<number> {
  const [r] = await rowsOf(q, 'SELECT position FROM cursors WHERE name = ?', [name]);
  return r ? toNum(r.position) : 0;
}

export async function saveCursor(trx: Knex.Transaction, name: string, position: number): Promise<void> {
  await trx('cursors').insert({ name, position }).onConflict('name').merge();
}

/** One row per event and receiver; a second fan-out of the same event adds nothing. */
export async function insertDelivery(
  trx: Knex.Transaction,
  d: Pick<Delivery, 'deliveryId' | 'outboxId' | 'eventType' | 'targetKind' | 'targetId' | 'target' | 'payload'> & { now: number; status?: DeliveryStatus },
): Promise<void> {
  await execute(
    trx,
    `INSERT INTO deliveries (delivery_id, outbox_id, event_type, target_kind, target_id, target, payload, status, attempts,
       next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
     ON CONFLICT (outbox_id, target_kind, target_id) DO NOTHING`,
    [d.deliveryId, d.outboxId, d.eventType, d.targetKind, d.targetId, d.target, d.payload, d.status ?? 'pending', d.now, d.now, d.now],
  );
}

/**
 * Leases up to `limit` due deliveries in one statement: a delivery under lease is never
 * sent by a second worker at the same time; one whose worker died is taken again once
 * its lease runs out.
 */
/** Whether any delivery is due and free now (a read: the claim itself is a write). */
export async function anyDue(q: Q, now: number): Promise<boolean> {
  const [r] = await rowsOf(
    q,
    'SELECT 1 AS due FROM deliveries WHERE status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?) LIMIT 1',
    ['pending', now, now],
  );
  return r !== undefined;
}

export async function claimDue(trx: Knex.Transaction, now: number, leaseMs: number, limit: number): Promise<Delivery[]> {
  // Many writers (PostgreSQL, READ COMMITTED): a second worker's subquery may pick rows
  // the first is leasing, and once the first commits the outer WHERE (id only) would let
  // it lease them again. SKIP LOCKED passes over rows another transaction holds; the
  // conditions repeated outside make a row leased meanwhile match nothing.
  const skipLocked = isPostgres(trx) ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await rowsOf(
    trx,
    `UPDATE deliveries SET lease_until = ?
     WHERE id IN (SELECT id FROM deliveries WHERE status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
                  ORDER BY next_attempt_at, id LIMIT ?${skipLocked})
       AND status = ? AND (lease_until IS NULL OR lease_until <= ?)
     RETURNING *`,
    [now + leaseMs, 'pending', now, now, limit, 'pending', now],
  );
  return rows.map(map).sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
}

export async function recordAttempt(
  trx: Knex.Transaction,
  id: number,
  a: DeliveryAttempt,
  next: { status: DeliveryStatus; nextAttemptAt: number; deliveredAt: number | null; now: number },
): Promise<void> {
  await execute(
    trx,
    `UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, lease_until = NULL, last_attempt_at = ?,
       last_status_code = ?, last_error = ?, response_excerpt = ?, delivered_at = ?, updated_at = ? WHERE id = ?`,
    [next.status, a.attempt, next.nextAttemptAt, a.startedAt, a.statusCode, a.error, a.responseExcerpt, next.deliveredAt, next.now, id],
  );
  await execute(
    trx,
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [id, a.attempt, a.startedAt, a.durationMs, a.statusCode, a.error, a.responseExcerpt],
  );
}

export async function listDeliveries(
  q: Q,
  kind: TargetKind,
  targetId: number,
  opts: { limit: number; offset: number },
): Promise<{ deliveries: Delivery[]; total: number }> {
  const base = q('deliveries').where({ target_kind: kind, target_id: targetId });
  const [c] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows: Row[] = await base.clone().orderBy('id', 'desc').limit(opts.limit).offset(opts.offset);
  return { deliveries: rows.map(map), total: toNum(c.n) };
}

export async function findDelivery(q: Q, deliveryId: string): Promise<Delivery | null> {
  // PostgreSQL refuses NUL in text: such an id names no delivery (see errors.ts).
  if (!storableText(deliveryId)) return null;
  const r: Row | undefined = await q('deliveries').where({ delivery_id: deliveryId }).first();
  return r ? map(r) : null;
}

export async function attemptsOf(q: Q, id: number): Promise<DeliveryAttempt[]> {
  const rows: Row[] = await q('delivery_attempts').where({ delivery_id: id }).orderBy('attempt');
  return rows.map((r) => ({
    attempt: toNum(r.attempt),
    startedAt: toNum(r.started_at),
    durationMs: toNum(r.duration_ms),
    statusCode: toNumOrNull(r.status_code),
    error: (r.error as string | null) ?? null,
    responseExcerpt: (r.response_excerpt as string | null) ?? null,
  }));
}

/** Sends a delivery again now (the merchant's redeliver), keeping its id. */
export async function rescheduleNow(trx: Knex.Transaction, id: number, now: number): Promise<void> {
  await trx('deliveries').where({ id }).update({ status: 'pending', next_attempt_at: now, lease_until: null, updated_at: now });
}

export async function outboxAfter(q: Q, afterId: number, limit: number): Promise<Row[]> {
  return q('outbox').where('id', '>', afterId).orderBy('id').limit(limit);
}
