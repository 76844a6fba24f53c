import { readFileSync } from 'node:fs';
import { createBitstampProvider } from '../../../../src/rates/providers/bitstamp.js';
import { createCoinbaseProvider } from '../../../../src/rates/providers/coinbase.js';
import { createCoinGeckoProvider } from '../../../../src/rates/providers/coingecko.js';
import type { HttpProviderOptions } from '../../../../src/rates/providers/http-provider.js';
import { createKrakenProvider } from '../../../../src/rates/providers/kraken.js';
import type { RateProvider } from '../../../../src/rates/types.js';
import type { Vectors } from '../../../helpers/fixtures.js';
import type { StubHandler } from './stub-server.js';

// Raw exchange answers as captured, not vectors: served as they are by the stubs.
const samples = new URL('../../../fixtures/rates/samples/', import.meta.url);

export function sampleText(file: string): string {
  return readFileSync(new URL(file, samples), 'utf8');
}

export type ExchangeName = 'kraken' | 'coinbase' | 'bitstamp' | 'coingecko';
export const EXCHANGES: readonly ExchangeName[] = ['kraken', 'coinbase', 'bitstamp', 'coingecko'];

export const providerFactories: Record<ExchangeName, (o: HttpProviderOptions) => RateProvider> = {
  kraken: createKrakenProvider,
  coinbase: createCoinbaseProvider,
  bitstamp: createBitstampProvider,
  coingecko: createCoinGeckoProvider,
};

/** garbage.json: answers a source must be skipped for. */
export type GarbageCases = Vectors<never, { provider: ExchangeName; body: string; status?: number; padTo?: number }>;

export function garbageBody(c: GarbageCases['invalid'][number]): string {
  return c.padTo ? c.body.padEnd(c.padTo, ' ') : c.body;
}

const notFound = { status: 404, body: '{"error":"not found"}' };

/**
 * Answers like the real exchange would, from the captured sample bodies: Kraken returns
 * only the pairs asked for (and fails the whole request on an unknown pair), CoinGecko
 * only the vs_currencies asked for, Bitstamp one ticker per path.
 */
export function exchangeHandler(name: ExchangeName): StubHandler {
  switch (name) {
    case 'kraken': {
      const sample = JSON.parse(sampleText('kraken-ticker.json')) as { result: Record<string, unknown> };
      return (path) => {
        const url = new URL(path, 'http://x');
        if (url.pathname !== '/0/public/Ticker') return notFound;
        const result: Record<string, unknown> = {};
        for (const pair of (url.searchParams.get('pair') ?? '').split(',')) {
          const fiat = pair.replace(/^XBT/, '');
          const key = Object.keys(sample.result).find((k) => k === `XXBTZ${fiat}` || k === `XBT${fiat}`);
          if (key === undefined) return { body: '{"error":["EQuery:Unknown asset pair"]}' };
          result[key] = sample.result[key];
        }
        return { body: JSON.stringify({ error: [], result }) };
      };
    }
    case 'coinbase': {
      const body = sampleText('coinbase-exchange-rates.json');
      return (path) => (path === '/v2/exchange-rates?currency=BTC' ? { body } : notFound);
    }
    case 'bitstamp':
      return (path) => {
        const m = /^\/api\/v2\/ticker\/(btc(?:usd|eur|gbp))\/$/.exec(path);
        return m ? { body: sampleText(`bitstamp-ticker-${m[1]}.json`) } : notFound;
      };
    case 'coingecko': {
      // Sliced as text so the long literal digits reach the client untouched.
      const text = sampleText('coingecko-simple-price.json');
      return (path) => {
        const url = new URL(path, 'http://x');
        if (url.pathname !== '/api/v3/simple/price' || url.searchParams.get('ids') !== 'bitcoin') return notFound;
        const parts: string[] = [];
        for (const vs of (url.searchParams.get('vs_currencies') ?? '').split(',')) {
          const m = new RegExp(`"${vs}":([0-9.eE+-]+)`).exec(text);
          if (m) parts.push(`"${vs}":${m[1]}`);
        }
        return { body: `{"bitcoin":{${parts.join(',')}}}` };
      };
    }
  }
}
