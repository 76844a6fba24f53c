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

type NewEvent = { type: EventType; invoiceId: number | null; payload: unknown; createdAt: number };

/** Written in the same transaction as the change it announces, never after. */
export async function appendEvent(trx: Knex.Transaction, e: NewEvent): Promise<OutboxEvent> {
  return (await appendEvents(trx, [e]))[0]!;
}

/**
 * Several events in their order, by one statement: a payment's events (the money, then
 * what it did to the invoice) cost one round trip to the driver, not one each.
 */
export async function appendEvents(trx: Knex.Transaction, list: readonly NewEvent[]): Promise<OutboxEvent[]> {
  if (list.length === 0) return [];
  const events = list.map((e) => ({ eventId: randomUUID(), ...e }));
  // The notification worker reads the outbox by a cursor on id. With many writers a
  // sequence value drawn earlier can commit later, after the cursor passed a larger id,
  // and its event would never be sent. Held until this transaction ends, the lock makes
  // outbox ids commit in the order they are drawn. SQLite has one writer: ids are in order.
  if (isPostgres(trx)) await trx.raw('SELECT pg_advisory_xact_lock(?)', [LOCKS.outbox]);
  // Rows of one INSERT take their ids in the order of its VALUES on both engines.
  await execute(
    trx,
    `INSERT INTO outbox (event_id, type, invoice_id, payload, created_at) VALUES ${events.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
    events.flatMap((e) => [e.eventId, e.type, e.invoiceId, JSON.stringify(e.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), e.createdAt]),
  );
  return events;
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
