import type { RateProvider } from '../types.js';
import type { HttpProviderOptions } from './http-provider.js';
import { field, isRecord, PriceCollector, providerHttp } from './http-provider.js';

/** Fiat currencies Bitstamp trades BTC against. */
export const BITSTAMP_CURRENCIES: readonly string[] = ['USD', 'EUR', 'GBP'];

/**
 * Bitstamp's public ticker, one request per pair: GET /api/v2/ticker/btcusd/ answers
 * `{"timestamp":"1717171717","last":"70863.00","bid":…,"ask":…,…}` (all strings); `last`
 * is the last trade price. One pair failing leaves the others standing.
 */
export function createBitstampProvider(options: HttpProviderOptions = {}): RateProvider {
  const http = providerHttp('https://www.bitstamp.net', options);
  const name = 'bitstamp';
  return {
    name,
    async fetchRates(currencies, signal) {
      const wanted = currencies.filter((c) => BITSTAMP_CURRENCIES.includes(c));
      if (wanted.length === 0) return new Map();
      const answers = await Promise.allSettled(
        wanted.map((c) => http.get(`/api/v2/ticker/btc${c.toLowerCase()}/`, signal)),
      );
      const prices = new PriceCollector(name, http.log);
      const failures: string[] = [];
      answers.forEach((answer, i) => {
        const currency = wanted[i] as string;
        if (answer.status === 'rejected') {
          failures.push(`${currency}: ${(answer.reason as Error).message}`);
        } else {
          prices.offer(currency, isRecord(answer.value) ? field(answer.value, 'last') : undefined);
        }
      });
      if (failures.length === wanted.length) throw new Error(failures.join('; '));
      if (failures.length > 0) http.log.warn({ source: name, failures }, 'some Bitstamp tickers could not be read');
      return prices.finish();
    },
  };
}
