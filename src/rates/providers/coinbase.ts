import type { RateProvider } from '../types.js';
import type { HttpProviderOptions } from './http-provider.js';
import { field, isRecord, PriceCollector, providerHttp } from './http-provider.js';

/**
 * Coinbase's public exchange rates: GET /v2/exchange-rates?currency=BTC answers
 * `{"data":{"currency":"BTC","rates":{"USD":"70862.705","EUR":"61919.68",…}}}`, the price
 * of one BTC in every currency Coinbase knows (fiat and crypto), as strings.
 */
export function createCoinbaseProvider(options: HttpProviderOptions = {}): RateProvider {
  const http = providerHttp('https://api.coinbase.com', options);
  const name = 'coinbase';
  return {
    name,
    async fetchRates(currencies, signal) {
      if (currencies.length === 0) return new Map();
      const body = await http.get('/v2/exchange-rates?currency=BTC', signal);
      const data = isRecord(body) ? field(body, 'data') : undefined;
      if (!isRecord(data)) throw new Error('answer has no "data" object');
      const base = field(data, 'currency');
      if (base !== 'BTC') throw new Error(`answer is priced in ${String(base)}, not BTC`);
      const rates = field(data, 'rates');
      if (!isRecord(rates)) throw new Error('answer has no "data.rates" object');

      const prices = new PriceCollector(name, http.log);
      for (const currency of currencies) {
        const raw = field(rates, currency);
        if (raw !== undefined) prices.offer(currency, raw);
      }
      return prices.finish();
    },
  };
}
