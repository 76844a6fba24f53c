import type http from 'node:http';
import { isLosslessNumber, parse as parseLosslessJson } from 'lossless-json';
import { describeUrl, HttpFetchError, request, type HttpRequestOptions } from '../../net/http-client.js';
import { normalizeRateText } from '../rate-decimal.js';
import type { RateLogger } from '../types.js';
import { silentLogger } from '../types.js';

/** What every exchange-backed provider takes. */
export interface HttpProviderOptions {
  /** Overrides the public API origin (tests point it at a local server). */
  baseUrl?: string;
  /** e.g. a SOCKS agent from createSocksAgent. */
  agent?: http.Agent;
  /** Per-request ceiling; the RateService also aborts through the signal. Default 10 s. */
  timeoutMs?: number;
  /** Default 512 KiB: Coinbase's list of every currency is about 30 KiB. */
  maxBytes?: number;
  /** Where dropped garbage values are reported. */
  log?: RateLogger;
}

export interface ProviderHttp {
  readonly baseUrl: string;
  readonly log: RateLogger;
  get(path: string, signal: AbortSignal, headers?: Record<string, string>): Promise<unknown>;
}

export type GetJsonOptions = Pick<HttpRequestOptions, 'timeoutMs' | 'maxBytes' | 'agent' | 'signal' | 'headers'>;

/**
 * GET an exchange's JSON document. The body is parsed with lossless-json, so every JSON
 * number arrives as a LosslessNumber holding its literal digits: a price is never rounded
 * through a JS float. The parsing stays here rather than in net/: reading numbers exactly
 * is a money rule of rates, and a webhook receiver's answer is only ever an excerpt.
 */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  const headers = { accept: 'application/json', 'user-agent': 'till-rates/1', ...options.headers };
  const { body } = await request(url, { ...options, headers, read: 'document' });
  try {
    return parseLosslessJson(body.toString('utf8'));
  } catch (e) {
    throw new HttpFetchError('invalid_json', describeUrl(new URL(url)), `body is not JSON (${(e as Error).message})`);
  }
}

export function providerHttp(defaultBaseUrl: string, options: HttpProviderOptions): ProviderHttp {
  const baseUrl = (options.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 512 * 1024;
  const agent = options.agent;
  return {
    baseUrl,
    log: options.log ?? silentLogger,
    get: (path, signal, headers) => getJson(baseUrl + path, { timeoutMs, maxBytes, agent, signal, headers }),
  };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: a body with "__proto__" or "constructor" keys gets nothing extra. */
export function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/**
 * A price as a source sent it, either a JSON string ("70862.71") or a JSON number kept
 * exact by lossless-json, in canonical text; undefined for garbage.
 */
export function readPrice(value: unknown): string | undefined {
  if (typeof value === 'string') return normalizeRateText(value);
  if (isLosslessNumber(value)) return normalizeRateText(value.value);
  return undefined;
}

/**
 * Builds a provider's answer from the raw values it found. Garbage is dropped (and
 * logged); when only garbage came the whole answer is refused, so the service counts
 * this source as down rather than as "does not offer these currencies".
 */
export class PriceCollector {
  readonly rates = new Map<string, string>();
  private readonly dropped: Record<string, string> = {};

  constructor(
    private readonly source: string,
    private readonly log: RateLogger,
  ) {}

  offer(currency: string, raw: unknown): void {
    const price = readPrice(raw);
    if (price === undefined) {
      this.dropped[currency] = preview(raw);
    } else {
      this.rates.set(currency, price);
    }
  }

  finish(): Map<string, string> {
    const droppedCount = Object.keys(this.dropped).length;
    if (droppedCount > 0) {
      this.log.warn({ source: this.source, dropped: this.dropped }, 'rate source sent unusable prices; they are ignored');
    }
    if (droppedCount > 0 && this.rates.size === 0) throw new Error('no usable price in the answer');
    return this.rates;
  }
}

function preview(raw: unknown): string {
  const text = isLosslessNumber(raw) ? raw.value : typeof raw === 'string' ? JSON.stringify(raw) : String(raw);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
