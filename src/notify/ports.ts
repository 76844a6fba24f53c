import type { Knex } from 'knex';
import type { StoredEvent } from '../domain/events.js';
import type { Delivery, TargetKind } from '../domain/notification.js';

/**
 * What notify needs from the rest of Till, filled in main.ts: how a dialect writes an
 * event for its kind of receiver, and who receives which event. notify itself knows no
 * dialect: v1 renders webhooks, the BitPay dialect will render IPNs, each registered here.
 */

/** An event written for one kind of receiver: the body, and the headers that describe it. */
export interface Rendered {
  body: string;
  headers: Record<string, string>;
}

export type EventRenderer = (event: StoredEvent) => Rendered;

/** One receiver of one event: its row id for its kind, and where it is reached. */
export interface Receiver {
  targetId: number;
  target: string;
}

/**
 * An outbox row as fan-out sees it, with what it carries: the invoice as it was when the
 * event happened (its dialect data included), so a dialect's subscriber finds its own
 * receivers (BitPay's notificationURL) without reading the database.
 */
export interface FanOutEvent {
  id: number;
  type: string;
  invoiceId: number | null;
  payload: StoredEvent['payload'];
}

/**
 * Who gets which event, for one kind of receiver. `forBatch` runs once per fan-out batch,
 * inside its transaction (so a receiver added meanwhile is either in the whole batch or
 * in none of it), sees the batch's events (to read what it needs of them at once), and
 * returns the matcher for each event of the batch.
 */
export interface Subscriber {
  kind: TargetKind;
  forBatch(trx: Knex.Transaction, events: readonly FanOutEvent[]): Promise<(event: FanOutEvent) => Receiver[]>;
}

/** What one attempt came to. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
  /** Do not try again (a 5xx SMTP reply, a receiver gone for good). */
  permanent?: boolean;
  /** The receiver answered 410 Gone: disable it. */
  gone?: boolean;
  /** Nothing to do (no SMTP configured, receiver deleted): recorded as not sent. */
  skipped?: boolean;
}

/** How a kind of receiver is reached; the worker does the rest. */
export interface TargetAdapter {
  /** `at`: when this attempt started (ms, the worker's clock). */
  send(d: Delivery, event: StoredEvent | null, at: number): Promise<AttemptResult>;
}

export type Adapters = Partial<Record<TargetKind, TargetAdapter>>;
