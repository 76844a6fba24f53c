import { formatDecimal } from '../domain/decimal.js';
import { TillError } from '../domain/errors.js';
import type { Quote } from './aggregate.js';
import { aggregateQuotes } from './aggregate.js';
import { askSource, type Answer } from './ask-source.js';
import { parseRateDecimal } from './rate-decimal.js';
import type { Rate, RateLogger, RateProvider, RateStore } from './types.js';
import { silentLogger } from './types.js';

export interface RateServiceOptions {
  providers: readonly RateProvider[];
  /** ISO 4217 codes the shop prices in; BTC needs no entry. */
  currencies: readonly string[];
  /** A rate younger than this is served from memory with no network. */
  refreshMs: number;
  /** When no source answers, the last good rate is served up to this age. */
  maxAgeMs: number;
  /** Each source gets this long per refresh; a slower one is skipped. */
  timeoutMs: number;
  now: () => Date;
  log?: RateLogger;
  store?: RateStore;
  /**
   * After a refresh that left some currency without a fresh rate, the next attempt waits
   * this long, so an outage costs one timeout per period instead of one per invoice.
   * Default: the smaller of refreshMs and 10 s.
   */
  retryMs?: number;
  /** A source this far (percent) from the median is ignored when 3 or more answered. Default 20. */
  maxDeviationPercent?: number;
}

interface Entry {
  readonly rate: Rate;
  readonly at: number;
}

/**
 * Live BTC prices for invoicing. One source down, slow or answering garbage never stops
 * invoicing: every refresh asks all sources in parallel, each bounded by `timeoutMs`, and
 * takes the median of those that answered; when none answers, the last good rate is used
 * while it is younger than `maxAgeMs`.
 *
 * `getRate` is the hot path (every finalize): a fresh cached rate is returned with no
 * network and no work beyond a map lookup. A stale one triggers a refresh that all
 * concurrent callers share. With `start()` a background loop keeps the cache warm and
 * callers holding a usable (not too old) rate never wait on the network.
 */
export class RateService {
  private readonly providers: readonly RateProvider[];
  private readonly currencies: readonly string[];
  private readonly tracked: ReadonlySet<string>;
  private readonly refreshMs: number;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly maxDeviationPercent: number;
  private readonly now: () => Date;
  private readonly log: RateLogger;
  private readonly store: RateStore | undefined;

  private readonly entries = new Map<string, Entry>();
  /** Currencies that every source answered for without offering them. */
  private readonly notOffered = new Set<string>();
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private saving: Promise<void> = Promise.resolve();
  private lifecycle = new AbortController();
  private running = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: RateServiceOptions) {
    const currencies = [...new Set(options.currencies)].filter((c) => c !== 'BTC');
    for (const c of currencies) {
      if (!/^[A-Z]{3}$/.test(c)) {
        throw new TillError('config_invalid', `rate currencies: "${c}" is not an upper-case ISO 4217 code`);
      }
    }
    const names = options.providers.map((p) => p.name);
    if (currencies.length > 0 && names.length === 0) {
      throw new TillError('config_invalid', 'rate sources: none configured, so no fiat price can be quoted');
    }
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) throw new TillError('config_invalid', `rate sources: "${duplicate}" is listed twice`);
    for (const [key, value] of [
      ['refreshMs', options.refreshMs],
      ['maxAgeMs', options.maxAgeMs],
      ['timeoutMs', options.timeoutMs],
    ] as const) {
      if (!Number.isFinite(value) || value <= 0) throw new TillError('config_invalid', `rates: ${key} must be > 0`);
    }

    this.providers = [...options.providers];
    this.currencies = currencies;
    this.tracked = new Set(currencies);
    this.refreshMs = options.refreshMs;
    this.maxAgeMs = options.maxAgeMs;
    this.timeoutMs = options.timeoutMs;
    this.retryMs = options.retryMs ?? Math.min(options.refreshMs, 10_000);
    this.maxDeviationPercent = options.maxDeviationPercent ?? 20;
    this.now = options.now;
    this.log = options.log ?? silentLogger;
    this.store = options.store;
  }

  /** The configured currencies, BTC excluded. */
  get configuredCurrencies(): readonly string[] {
    return this.currencies;
  }

  /**
   * The BTC price in `currency`. Throws TillError 'unsupported_currency' for a currency
   * outside the configured list and 'rate_unavailable' when no usable rate exists.
   */
  async getRate(currency: string): Promise<Rate> {
    const t = this.now().getTime();
    if (currency === 'BTC') return { currency: 'BTC', rate: '1', sources: [], fetchedAt: new Date(t) };
    const entry = this.entries.get(currency);
    if (entry !== undefined && t - entry.at < this.refreshMs) return entry.rate;
    if (!this.tracked.has(currency)) {
      throw new TillError(
        'unsupported_currency',
        `${currency} is not a configured rate currency (configured: ${this.currencies.join(', ') || 'none'}, and BTC)`,
      );
    }

    if (this.running && entry !== undefined && t - entry.at < this.maxAgeMs) {
      this.refreshInBackground(t);
      return entry.rate;
    }
    if (this.inflight !== undefined || t - this.lastAttemptAt >= this.retryMs) await this.refresh();

    const after = this.entries.get(currency);
    const t2 = this.now().getTime();
    if (after !== undefined && t2 - after.at < this.maxAgeMs) return after.rate;
    throw this.unavailable(currency, after);
  }

  /**
   * The rates for every configured currency that has a usable one (GET /api/v1/rates).
   * Refreshes first when any is stale; never throws over a missing currency.
   */
  async listRates(): Promise<Rate[]> {
    try {
      let t = this.now().getTime();
      if (this.currencies.some((c) => this.isStale(c, t))) {
        const allUsable = this.currencies.every((c) => {
          const e = this.entries.get(c);
          return e !== undefined && t - e.at < this.maxAgeMs;
        });
        if (this.running && allUsable) {
          this.refreshInBackground(t);
        } else if (this.inflight !== undefined || t - this.lastAttemptAt >= this.retryMs) {
          await this.refresh();
          t = this.now().getTime();
        }
      }
      const rates: Rate[] = [];
      for (const c of this.currencies) {
        const e = this.entries.get(c);
        if (e !== undefined && t - e.at < this.maxAgeMs) rates.push(e.rate);
      }
      return rates;
    } catch (e) {
      this.log.error({ err: errorText(e) }, 'listing rates failed');
      return [];
    }
  }

  /**
   * Asks every source once, now, and updates the cache. Concurrent callers share one
   * refresh. Never rejects: source failures are logged and skipped.
   */
  refresh(): Promise<void> {
    this.inflight ??= this.runRefresh()
      .catch((e: unknown) => this.log.error({ err: errorText(e) }, 'rate refresh failed'))
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** Loads the last good rates kept by the store, so a restart during an outage still sells. */
  async init(): Promise<void> {
    if (this.store === undefined) return;
    let stored: Rate[];
    try {
      stored = await this.store.load();
    } catch (e) {
      this.log.error({ err: errorText(e) }, 'could not load stored rates; starting without them');
      return;
    }
    let loaded = 0;
    for (const r of Array.isArray(stored) ? stored : []) {
      const entry = this.storedEntry(r);
      if (entry === undefined) continue;
      const current = this.entries.get(entry.rate.currency);
      if (current === undefined || current.at < entry.at) {
        this.entries.set(entry.rate.currency, entry);
        loaded += 1;
      }
    }
    this.log.info({ loaded }, 'loaded stored rates');
  }

  /** Starts the background refresh loop (its timer never keeps the process alive). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.tick();
  }

  /** Stops the loop, cancels a refresh under way and waits for pending work to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const old = this.lifecycle;
    this.lifecycle = new AbortController();
    old.abort();
    await this.whenIdle();
  }

  /** Resolves once no refresh and no store save is under way. */
  async whenIdle(): Promise<void> {
    for (;;) {
      const inflight = this.inflight;
      const saving = this.saving;
      await inflight;
      await saving;
      if (this.inflight === undefined && this.saving === saving) return;
    }
  }

  private tick(): void {
    this.timer = undefined;
    this.refresh()
      .catch((e: unknown) => this.log.error({ err: errorText(e) }, 'rate refresh loop error'))
      .finally(() => {
        if (!this.running || this.timer !== undefined) return;
        const t = this.now().getTime();
        const anyStale = this.currencies.some((c) => this.isStale(c, t));
        this.timer = setTimeout(() => this.tick(), anyStale ? this.retryMs : this.refreshMs);
        this.timer.unref();
      });
  }

  /** Due for a refresh; a currency no source offers is not retried faster than the rest. */
  private isStale(currency: string, t: number): boolean {
    if (this.notOffered.has(currency)) return false;
    const e = this.entries.get(currency);
    return e === undefined || t - e.at >= this.refreshMs;
  }

  private refreshInBackground(t: number): void {
    if (this.inflight === undefined && t - this.lastAttemptAt >= this.retryMs) void this.refresh();
  }

  private async runRefresh(): Promise<void> {
    this.lastAttemptAt = this.now().getTime();
    const signal = this.lifecycle.signal;
    const currencies = [...this.currencies];
    if (currencies.length === 0) return;
    const answers = await Promise.all(this.providers.map((p) => askSource(p, currencies, { timeoutMs: this.timeoutMs, lifecycle: signal, log: this.log })));
    if (signal.aborted) return;
    const fetchedAt = this.now();
    const at = fetchedAt.getTime();
    const answered = answers.filter((a): a is Answer => a !== undefined);
    const everyoneAnswered = answered.length === this.providers.length;

    const updated: string[] = [];
    const missing: string[] = [];
    for (const currency of currencies) {
      const quotes: Quote[] = [];
      for (const a of answered) {
        const q = a.quotes.get(currency);
        if (q !== undefined) quotes.push(q);
      }
      if (quotes.length === 0) {
        if (everyoneAnswered) this.notOffered.add(currency);
        missing.push(currency);
        continue;
      }
      this.notOffered.delete(currency);
      const agg = aggregateQuotes(quotes, this.maxDeviationPercent);
      if (agg.outliers.length > 0) {
        this.log.warn(
          {
            currency,
            ignored: agg.outliers.map((o) => ({ source: o.source, rate: formatDecimal(o.value) })),
            rate: agg.rate,
            sources: agg.sources,
          },
          `ignoring rate sources more than ${this.maxDeviationPercent}% away from the median`,
        );
      }
      const rate: Rate = Object.freeze({
        currency,
        rate: agg.rate,
        sources: Object.freeze(agg.sources) as string[],
        fetchedAt,
      });
      this.entries.set(currency, { rate, at });
      updated.push(currency);
    }

    if (missing.length > 0) {
      const lastGood = missing
        .map((c) => this.entries.get(c))
        .filter((e): e is Entry => e !== undefined && at - e.at < this.maxAgeMs)
        .map((e) => ({ currency: e.rate.currency, fetchedAt: e.rate.fetchedAt.toISOString() }));
      this.log.warn(
        { missing, answered: answered.map((a) => a.source), lastGood },
        'no rate source gave a price for some currencies; using the last good rate where it is recent enough',
      );
    }
    if (updated.length > 0) {
      this.log.info({ updated, sources: answered.map((a) => a.source) }, 'rates refreshed');
      this.persist();
    }
  }

  private persist(): void {
    const store = this.store;
    if (store === undefined) return;
    const rates = [...this.entries.values()].map((e) => e.rate);
    this.saving = this.saving
      .then(() => store.save(rates))
      .catch((e: unknown) => this.log.error({ err: errorText(e) }, 'could not save rates; continuing without'));
  }

  private storedEntry(r: unknown): Entry | undefined {
    if (typeof r !== 'object' || r === null) return undefined;
    const { currency, rate, sources, fetchedAt } = r as Partial<Rate>;
    if (typeof currency !== 'string' || !this.tracked.has(currency)) return undefined;
    const value = typeof rate === 'string' ? parseRateDecimal(rate) : undefined;
    if (value === undefined || !(fetchedAt instanceof Date) || Number.isNaN(fetchedAt.getTime())) return undefined;
    const at = fetchedAt.getTime();
    if (at > this.now().getTime() + this.refreshMs) return undefined;
    return {
      rate: Object.freeze({
        currency,
        rate: formatDecimal(value),
        sources: Object.freeze(Array.isArray(sources) ? sources.filter((s) => typeof s === 'string') : []) as string[],
        fetchedAt: new Date(at),
      }),
      at,
    };
  }

  private unavailable(currency: string, last: Entry | undefined): TillError {
    const names = this.providers.map((p) => p.name).join(', ');
    if (this.notOffered.has(currency)) {
      return new TillError(
        'rate_unavailable',
        `No exchange rate for ${currency}: it is not offered by the configured rate sources (${names})`,
      );
    }
    const age =
      last === undefined
        ? 'there is no earlier rate'
        : `the last good rate (${last.rate.fetchedAt.toISOString()}) is older than ${formatSeconds(this.maxAgeMs)}`;
    return new TillError(
      'rate_unavailable',
      `No exchange rate for ${currency}: none of the rate sources (${names}) gave a usable price and ${age}`,
    );
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
