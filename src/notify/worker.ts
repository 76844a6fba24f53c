import { randomUUID } from 'node:crypto';
import type { Database } from '../db/connection.js';
import {
  anyDue, claimDue, insertDelivery, outboxAfter, readCursor, recordAttempt, saveCursor, type Delivery, type DeliveryStatus,
} from '../db/deliveries.js';
import { disableWebhook } from '../db/webhooks.js';
import { findEvent } from '../db/outbox.js';
import type { StoredEvent } from '../domain/events.js';
import type { Logger } from '../log.js';
import { startLoop, type Loop } from '../loop.js';
import type { Adapters, AttemptResult, Subscriber } from './ports.js';

/** The seed's schedule: retries after 60 s, 5 min, 15 min, 1 h and 2 h, then failed. */
export const SEED_RETRY_SCHEDULE_MS = [60_000, 300_000, 900_000, 3_600_000, 7_200_000];

const CURSOR = 'notify.fanout';

export interface NotifyOptions {
  db: Database;
  log: Logger;
  now: () => number;
  adapters: Adapters;
  /** Who gets which event, one per kind of receiver (webhooks, email, IPN). */
  subscribers: Subscriber[];
  /** Delay before retry n (n = 1 … length); past the last the delivery has failed. */
  scheduleMs?: number[];
  /** How long a claimed delivery is held; longer than a request can take. */
  leaseMs?: number;
  /** Deliveries in flight at once. */
  concurrency?: number;
  pollMs?: number;
  /**
   * A wake that comes while a round is fanning out (events arriving one on another's
   * heels, faster than the fan-out commits) starts the next round no sooner than this after
   * the running one began. Each fan-out that finds new events is a write, and the chain
   * writer's next payment queues behind it: in a burst the fan-out then commits once per gap
   * rather than once per payment (at 500 payments a second that halved detection's p99).
   * An event at any other time still goes out at once.
   */
  wakeGapMs?: number;
}

/**
 * Delivers the outbox, at least once. Each event fans out into one delivery per
 * matching receiver (in the transaction that moves the fan-out cursor, so a crash
 * neither loses nor doubles one); deliveries are leased, sent, and their next attempt
 * written back to the database, so a restart (even a SIGKILL mid-request) resumes the
 * schedule and re-sends with the same delivery id.
 */
export class NotifyWorker {
  private loop: Loop | null = null;
  private inFlight = new Set<Promise<void>>();
  private ticking: Promise<void> | null = null;
  private again = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  /** performance.now() when the running (or the last) round began. */
  private roundAt = -Infinity;
  /** The running round is turning events into deliveries (a write), not sending them. */
  private fanningOut = false;
  private readonly o: Required<NotifyOptions>;

  constructor(opts: NotifyOptions) {
    this.o = {
      scheduleMs: SEED_RETRY_SCHEDULE_MS, leaseMs: 60_000, concurrency: 16, pollMs: 250, wakeGapMs: 50, ...opts,
    };
  }

  start(): void {
    this.loop = startLoop({ name: 'notify', everyMs: this.o.pollMs, log: this.o.log, runAtOnce: true, run: () => this.tick() });
  }

  /**
   * Waits for the round in progress and the deliveries in flight. A stopped worker starts
   * no round, woken or polled, until start() (a process that lost its election and won it
   * again starts it anew).
   */
  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = null;
    this.cancelWake();
    await loop?.stop();
    // A wake() from here on finds no loop and makes no timer.
    await this.ticking;
    await Promise.all(this.inFlight);
  }

  /** Something was committed to the outbox: deliver now rather than at the next poll. */
  wake(): void {
    if (this.wakeTimer || !this.loop) return;
    const wait = this.fanningOut ? Math.max(0, this.roundAt + this.o.wakeGapMs - performance.now()) : 0;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      if (!this.loop) return;
      this.tick().catch((err: unknown) => this.o.log.error({ err }, 'notify: delivery round failed'));
    }, wait);
    // The poll loop's timer keeps no process alive either.
    this.wakeTimer.unref();
  }

  private cancelWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  /**
   * One round: fan out new events, then send what is due. Rounds never overlap; a call
   * during a round runs another right after it (a wake during its fan-out, once its gap is up),
   * so an event committed mid-round does not wait for the next poll.
   */
  tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return this.ticking;
    }
    this.ticking = (async () => {
      try {
        do {
          this.again = false;
          this.roundAt = performance.now();
          this.fanningOut = true;
          try {
            while ((await this.fanOut()) > 0);
          } finally {
            this.fanningOut = false;
          }
          await this.sendDue();
        } while (this.again);
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** Turns outbox events after the cursor into deliveries; returns how many events it read. */
  async fanOut(limit = 500): Promise<number> {
    const { db, now } = this.o;
    // Looked at first on a reader: a round with nothing new costs the writer nothing (a
    // payment's commit waits behind every unit of work the writer runs).
    if ((await outboxAfter(db.read, await readCursor(db.read, CURSOR), 1)).length === 0) return 0;
    return db.tx(async (trx) => {
      const cursor = await readCursor(trx, CURSOR);
      const events = await outboxAfter(trx, cursor, limit);
      if (events.length === 0) return 0;
      const batch = events.map((e) => ({
        id: Number(e.id),
        type: String(e.type),
        invoiceId: e.invoice_id === null ? null : Number(e.invoice_id),
        payload: JSON.parse(String(e.payload)) as StoredEvent['payload'],
      }));
      const matchers = [];
      for (const s of this.o.subscribers) matchers.push({ kind: s.kind, match: await s.forBatch(trx, batch) });
      const at = now();
      for (const event of batch) {
        for (const { kind, match } of matchers) {
          for (const r of match(event)) {
            await insertDelivery(trx, {
              deliveryId: randomUUID(), outboxId: event.id, eventType: event.type, targetKind: kind, targetId: r.targetId, target: r.target,
              payload: null, now: at,
            });
          }
        }
      }
      await saveCursor(trx, CURSOR, Number(events[events.length - 1]!.id));
      return events.length;
    });
  }

  private async sendDue(): Promise<void> {
    const { db, now, leaseMs, concurrency } = this.o;
    for (;;) {
      const room = concurrency - this.inFlight.size;
      if (room <= 0) {
        await Promise.race(this.inFlight);
        continue;
      }
      if (!(await anyDue(db.read, now()))) return;
      const claimed = await db.tx((trx) => claimDue(trx, now(), leaseMs, room));
      if (claimed.length === 0) return;
      for (const d of claimed) {
        const p = this.deliver(d).catch((err: unknown) => this.o.log.error({ err, delivery: d.deliveryId }, 'notify: delivery failed unexpectedly'));
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
    }
  }

  private async event(d: Delivery): Promise<StoredEvent | null> {
    if (d.outboxId === null) return null;
    const e = await findEvent(this.o.db.read, d.outboxId);
    return e ? { type: e.type, invoiceId: e.invoiceId, payload: e.payload as StoredEvent['payload'], createdAt: e.createdAt } : null;
  }

  private async deliver(d: Delivery): Promise<void> {
    const { now, log } = this.o;
    const adapter = this.o.adapters[d.targetKind];
    const startedAt = now();
    let r: AttemptResult;
    if (!adapter) {
      r = { ok: false, skipped: true, statusCode: null, error: `no sender for ${d.targetKind}`, responseExcerpt: null, durationMs: 0 };
    } else {
      try {
        r = await adapter.send(d, await this.event(d), startedAt);
      } catch (err) {
        r = { ok: false, statusCode: null, error: (err as Error).message, responseExcerpt: null, durationMs: now() - startedAt };
      }
    }
    const attempt = d.attempts + 1;
    const retries = this.o.scheduleMs;
    let status: DeliveryStatus;
    let nextAttemptAt = d.nextAttemptAt;
    if (r.ok) status = 'delivered';
    else if (r.skipped) status = 'skipped';
    else if (r.permanent || r.gone || attempt > retries.length) status = 'failed';
    else {
      status = 'pending';
      // From when this attempt started: a slow receiver does not stretch the schedule.
      nextAttemptAt = startedAt + retries[attempt - 1]!;
    }
    await this.o.db.tx(async (trx) => {
      await recordAttempt(
        trx,
        d.id,
        { attempt, startedAt, durationMs: r.durationMs, statusCode: r.statusCode, error: r.error, responseExcerpt: r.responseExcerpt },
        { status, nextAttemptAt, deliveredAt: r.ok ? now() : null, now: now() },
      );
      if (r.gone && d.targetKind === 'webhook') await disableWebhook(trx, d.targetId);
    });
    const fields = { delivery: d.deliveryId, event: d.eventType, kind: d.targetKind, attempt, status, code: r.statusCode };
    if (status === 'failed') log.warn({ ...fields, error: r.error }, 'notification failed for good');
    else if (r.gone) log.warn(fields, 'receiver answered 410 Gone: webhook disabled');
    else if (!r.ok && !r.skipped) log.info({ ...fields, error: r.error, retryAt: new Date(nextAttemptAt).toISOString() }, 'notification not delivered; will retry');
  }
}
