import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventType } from '../domain/events.js';
import { execute, isPostgres } from './fast.js';
import { LOCKS } from './postgres.js';

export interface OutboxEvent {
  eventId: string;
  type: EventType;
  invoiceId: number | null;
  payload: unknown;
  createdAt: number;
}

/** Written in the same transaction as the change it announces, never after. */
export async function appendEvent(
  trx: Knex.Transaction,
  e: { type: EventType; invoiceId: number | null; payload: unknown; createdAt: number },
): Promise<OutboxEvent> {
  const event = { eventId: randomUUID(), ...e };
  // The notification worker reads the outbox by a cursor on id. With many writers a
  // sequence value drawn earlier can commit later, after the cursor passed a larger id,
  // and its event would never be sent. Held until this transaction ends, the lock makes
  // outbox ids commit in the order they are drawn. SQLite has one writer: ids are in order.
  if (isPostgres(trx)) await trx.raw('SELECT pg_advisory_xact_lock(?)', [LOCKS.outbox]);
  await execute(
    trx,
    'INSERT INTO outbox (event_id, type, invoice_id, payload, created_at) VALUES (?, ?, ?, ?, ?)',
    [event.eventId, event.type, event.invoiceId, JSON.stringify(event.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), event.createdAt],
  );
  return event;
}

export async function listEvents(
  q: Knex | Knex.Transaction,
  opts: { invoiceId?: number; afterId?: number; limit: number },
): Promise<(OutboxEvent & { id: number })[]> {
  const query = q('outbox').orderBy('id').limit(opts.limit);
  if (opts.invoiceId !== undefined) query.where('invoice_id', opts.invoiceId);
  if (opts.afterId !== undefined) query.where('id', '>', opts.afterId);
  const rows: Record<string, unknown>[] = await query;
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: String(r.event_id),
    type: r.type as EventType,
    invoiceId: r.invoice_id === null ? null : Number(r.invoice_id),
    payload: JSON.parse(String(r.payload)) as unknown,
    createdAt: Number(r.created_at),
  }));
}

export async function findEvent(q: Knex | Knex.Transaction, id: number): Promise<OutboxEvent | null> {
  const r = (await q('outbox').where({ id }).first()) as Record<string, unknown> | undefined;
  if (!r) return null;
  return {
    eventId: String(r.event_id),
    type: r.type as EventType,
    invoiceId: r.invoice_id === null ? null : Number(r.invoice_id),
    payload: JSON.parse(String(r.payload)) as unknown,
    createdAt: Number(r.created_at),
  };
}
