import type { TillContext, TillMiddleware } from './state.js';
import { TillError } from '../domain/errors.js';
import { apiKeyOf } from './auth.js';
import type { Database } from '../db/connection.js';
import { giveBackSharedWindow, takeSharedWindow } from '../db/rate-limits.js';
import type { Logger } from '../log.js';

/** The API's window: a minute. */
export const WINDOW_MS = 60_000;
const MIN_SLOTS = 8;

/**
 * The times of one key's admitted requests still inside the window, oldest first, in a
 * ring that doubles when full (never past the limit) and halves when mostly empty: a
 * key holds memory for the requests it made, not for the limit, which tests and
 * benchmarks set to a million.
 */
class Log {
  private times = new Float64Array(MIN_SLOTS);
  private head = 0;
  count = 0;

  get slots(): number {
    return this.times.length;
  }

  oldest(): number {
    return this.times[this.head]!;
  }

  newest(): number {
    return this.times[(this.head + this.count - 1) % this.times.length]!;
  }

  /** Drops every time at or before `cutoff`. */
  dropUntil(cutoff: number): void {
    while (this.count > 0 && this.oldest() <= cutoff) {
      this.head = (this.head + 1) % this.times.length;
      this.count--;
    }
    if (this.count === 0) this.head = 0;
    if (this.times.length > MIN_SLOTS && this.count * 4 <= this.times.length) this.resize(this.times.length / 2);
  }

  push(t: number, limit: number): void {
    if (this.count === this.times.length) this.resize(Math.min(limit, this.times.length * 2));
    this.times[(this.head + this.count) % this.times.length] = t;
    this.count++;
  }

  /** Forgets the newest admission: the operation it admitted did not happen. */
  dropNewest(): void {
    if (this.count > 0) this.count--;
  }

  private resize(slots: number): void {
    const next = new Float64Array(Math.max(MIN_SLOTS, slots));
    for (let i = 0; i < this.count; i++) next[i] = this.times[(this.head + i) % this.times.length]!;
    this.times = next;
    this.head = 0;
  }
}

export interface Admission {
  allowed: boolean;
  remaining: number;
  /** Seconds until the oldest admitted request leaves the window (when refused). */
  retryAfterS: number;
  /** Seconds until every admitted request has left the window: the full quota is back. */
  resetS: number;
}

/** "minute", "hour", or the window in seconds: how a refusal names the window. */
function windowName(ms: number): string {
  if (ms === 60_000) return 'minute';
  if (ms === 3_600_000) return 'hour';
  return `${ms / 1000} seconds`;
}

/**
 * An exact sliding window per API key: a request is admitted when fewer than `limit`
 * requests were admitted in the window before it (60 seconds unless told otherwise), so
 * no window ever holds more than the limit (a bucket refilled per minute let about twice
 * through at a minute's edge), and a client keeping to the limit is never refused. Every
 * response says where the caller stands (IETF RateLimit fields); a 429 says when to come
 * back in Retry-After.
 */
export class RateLimiter implements ApiLimiter, KeyWindow {
  private readonly logs = new Map<number, Log>();
  private nextSweep = 0;

  /**
   * The API's per-key limiter for this database: in memory with SQLite (one process, and
   * the benchmarks' hot path stays synchronous), in PostgreSQL when several processes may
   * share the database (SharedRateLimiter).
   */
  static forApi(db: Database, limit: number, now: () => number, log?: Logger): ApiLimiter {
    return db.engine === 'postgres' ? new SharedRateLimiter(db, limit, now, log) : new RateLimiter(limit, now);
  }

  /**
   * Another limit of this database's processes, apart from the API's per-key one: the
   * merchant UI's login tries, the payment link pages' invoices, BitPay's invoices per
   * hour. In memory and synchronous with SQLite (one process); in PostgreSQL, under keys
   * `<namespace>:<id>`, when several processes would otherwise each allow the limit.
   */
  static forWindow(db: Database, namespace: string, limit: number, now: () => number, windowMs: number, log?: Logger): RateLimiter | SharedRateLimiter {
    return db.engine === 'postgres' ? new SharedRateLimiter(db, limit, now, log, { windowMs, namespace }) : new RateLimiter(limit, now, windowMs);
  }

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
    /** The window, in ms: the API's minute, or BitPay's hour of invoices. */
    private readonly windowMs: number = WINDOW_MS,
  ) {}

  take(id: number): Admission {
    const t = this.now();
    this.sweep(t);
    let log = this.logs.get(id);
    if (!log) {
      log = new Log();
      this.logs.set(id, log);
    }
    const w = this.windowMs;
    log.dropUntil(t - w);
    if (log.count >= this.limit) {
      return { allowed: false, remaining: 0, retryAfterS: secondsUntil(log.oldest() + w, t), resetS: secondsUntil(log.newest() + w, t) };
    }
    // A clock stepped back must not put a time before a later one: the log stays sorted.
    log.push(log.count > 0 ? Math.max(t, log.newest()) : t, this.limit);
    return { allowed: true, remaining: this.limit - log.count, retryAfterS: 0, resetS: secondsUntil(log.newest() + w, t) };
  }

  /** Time slots held across every key (tests: memory follows use). */
  slotsHeld(): number {
    let n = 0;
    for (const log of this.logs.values()) n += log.slots;
    return n;
  }

  /** Once a window, forgets keys that made no request in the last one. */
  private sweep(t: number): void {
    if (t < this.nextSweep) return;
    this.nextSweep = t + this.windowMs;
    for (const [id, log] of this.logs) {
      if (log.count === 0 || log.newest() <= t - this.windowMs) this.logs.delete(id);
    }
  }

  /**
   * Gives back the last admission of a key whose operation was refused after it was
   * admitted (no wallet, no rate): a limit on things made counts only things made.
   */
  giveBack(id: number): void {
    this.logs.get(id)?.dropNewest();
  }

  /**
   * Takes one request of the caller's key, or refuses it: a 429 with Retry-After. With
   * `headers`, every answer also says where the caller stands (the API's limit does; a
   * second limit on one route, BitPay's invoices per hour, leaves those to the first).
   */
  admit(ctx: TillContext, opts: AdmitOptions = API_ADMIT): void {
    answer(ctx, this.limit, this.windowMs, this.take(apiKeyOf(ctx).id), opts);
  }

  middleware(): TillMiddleware {
    return async (ctx, next) => {
      this.admit(ctx);
      return next();
    };
  }
}

export interface AdmitOptions {
  headers: boolean;
  what: string;
}

const API_ADMIT: AdmitOptions = { headers: true, what: 'requests' };

/**
 * Says where the caller stands, or refuses: the same headers and the same 429 whichever
 * store decided.
 */
function answer(ctx: TillContext, limit: number, windowMs: number, r: Admission, opts: AdmitOptions): void {
  if (opts.headers) {
    ctx.set('RateLimit-Limit', String(limit));
    ctx.set('RateLimit-Remaining', String(r.remaining));
    ctx.set('RateLimit-Reset', String(r.resetS));
    ctx.set('RateLimit-Policy', `${limit};w=${windowMs / 1000}`);
  }
  if (!r.allowed) {
    ctx.set('Retry-After', String(r.retryAfterS));
    throw new TillError(
      'rate_limited',
      `Rate limited: ${limit} ${opts.what} per ${windowName(windowMs)} per API key; retry in ${r.retryAfterS} s`,
    );
  }
}

/** What the API's routers take: a middleware that admits or refuses each request. */
export interface ApiLimiter {
  middleware(): TillMiddleware;
}

/**
 * A limit a dialect takes inside a route (BitPay's invoices per hour per key): admit
 * refuses with a 429, giveBack returns the slot of an operation that did not happen.
 * Synchronous in memory (RateLimiter), a promise when shared (SharedRateLimiter).
 */
export interface KeyWindow {
  admit(ctx: TillContext, opts: AdmitOptions): void | Promise<void>;
  giveBack(id: number): void | Promise<void>;
}

export interface SharedOptions {
  /** The window, in ms (the API's minute unless told). */
  windowMs?: number;
  /** The key's prefix in rate_limits, one per limit: `api` unless told. */
  namespace?: string;
}

/**
 * The same sliding window as RateLimiter, kept in PostgreSQL so that every `till serve`
 * on one database counts a key's requests together (src/db/rate-limits.ts: one upsert a
 * request). rate-limiter-flexible's RateLimiterPostgres was the first choice, but it
 * keeps a fixed window per key (points and an expiry), which lets about twice the limit
 * through at a window's edge and gives a different Retry-After — the thing RateLimiter's
 * sliding log was written to stop — and it reads its own clock, not Till's `now`.
 *
 * When the database fails, the request is judged by a limiter in this process's memory
 * instead, with a warning: a limiter must not turn a database hiccup into 500s on every
 * call (the request's own work reports a real outage), and falling back per process still
 * bounds a key, at the limit per process, rather than not at all.
 */
export class SharedRateLimiter implements ApiLimiter, KeyWindow {
  private readonly local: RateLimiter;
  private readonly windowMs: number;
  private readonly namespace: string;
  private warnAfter = 0;

  constructor(
    private readonly db: Database,
    private readonly limit: number,
    private readonly now: () => number,
    private readonly log?: Logger,
    opts: SharedOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? WINDOW_MS;
    this.namespace = opts.namespace ?? 'api';
    this.local = new RateLimiter(limit, now, this.windowMs);
  }

  async take(id: number): Promise<Admission> {
    const t = this.now();
    let w;
    try {
      w = await takeSharedWindow(this.db.write, `${this.namespace}:${id}`, t, this.windowMs, this.limit);
    } catch (err) {
      this.warn(t, err);
      return this.local.take(id);
    }
    const wms = this.windowMs;
    if (!w.admitted) {
      return { allowed: false, remaining: 0, retryAfterS: secondsUntil(w.oldest + wms, t), resetS: secondsUntil(w.newest + wms, t) };
    }
    return { allowed: true, remaining: this.limit - w.count, retryAfterS: 0, resetS: secondsUntil(w.newest + wms, t) };
  }

  /**
   * RateLimiter.giveBack in the shared store. When the store fails the slot is given back
   * in this process, where a take during the outage went; a take admitted by the store
   * just before it failed keeps its slot there, against the client, by one.
   */
  async giveBack(id: number): Promise<void> {
    try {
      await giveBackSharedWindow(this.db.write, `${this.namespace}:${id}`);
    } catch (err) {
      this.warn(this.now(), err);
      this.local.giveBack(id);
    }
  }

  async admit(ctx: TillContext, opts: AdmitOptions): Promise<void> {
    answer(ctx, this.limit, this.windowMs, await this.take(apiKeyOf(ctx).id), opts);
  }

  middleware(): TillMiddleware {
    return async (ctx, next) => {
      await this.admit(ctx, API_ADMIT);
      return next();
    };
  }

  /** Once a window, not once a request: a database that is down would flood the log. */
  private warn(t: number, err: unknown): void {
    if (t < this.warnAfter) return;
    this.warnAfter = t + this.windowMs;
    const which = this.namespace === 'api' ? 'API' : this.namespace;
    this.log?.warn({ err }, `the shared ${which} rate limit could not be read: limiting each process on its own until it can`);
  }
}

/** Whole seconds from `t` to `at`, rounded up (a client that waits them is in time), at least 1. */
function secondsUntil(at: number, t: number): number {
  return Math.max(1, Math.ceil((at - t) / 1000));
}
