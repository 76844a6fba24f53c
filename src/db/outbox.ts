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

/** Rows per INSERT (5 parameters each; SQLite takes 32,766 in a statement, PostgreSQL 65,535). */
const EVENTS_PER_INSERT = 100;

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
  // Rows of one INSERT take their ids in the order of its VALUES on both engines, and the
  // statements of one transaction in the order they run. A block may pay one invoice
  // thousands of times: a statement per EVENTS_PER_INSERT stays far below either engine's
  // limit on parameters.
  for (let i = 0; i < events.length; i += EVENTS_PER_INSERT) {
    const some = events.slice(i, i + EVENTS_PER_INSERT);
    await execute(
      trx,
      `INSERT INTO outbox (event_id, type, invoice_id, payload, created_at) VALUES ${some.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      some.flatMap((e) => [e.eventId, e.type, e.invoiceId, JSON.stringify(e.payload, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)), e.createdAt]),
    );
  }
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
