import type { RateProvider } from '../types.js';
import type { HttpProviderOptions } from './http-provider.js';
import { field, isRecord, PriceCollector, providerHttp } from './http-provider.js';

export interface CoinGeckoOptions extends HttpProviderOptions {
  /** A CoinGecko demo key, sent as x-cg-demo-api-key; the keyless tier is tightly limited. */
  apiKey?: string;
}

/**
 * CoinGecko's simple price: GET /api/v3/simple/price?ids=bitcoin&vs_currencies=usd,eur
 * answers `{"bitcoin":{"usd":70861.12,"eur":61918}}` with JSON numbers, which the HTTP
 * layer keeps as their literal digits (lossless-json). Unknown vs_currencies are left out.
 */
export function createCoinGeckoProvider(options: CoinGeckoOptions = {}): RateProvider {
  const http = providerHttp('https://api.coingecko.com', options);
  const headers = options.apiKey ? { 'x-cg-demo-api-key': options.apiKey } : undefined;
  const name = 'coingecko';
  return {
    name,
    async fetchRates(currencies, signal) {
      const wanted = currencies.filter((c) => /^[A-Z]{3}$/.test(c));
      if (wanted.length === 0) return new Map();
      const vs = wanted.map((c) => c.toLowerCase()).join(',');
      const body = await http.get(`/api/v3/simple/price?ids=bitcoin&vs_currencies=${vs}`, signal, headers);
      const bitcoin = isRecord(body) ? field(body, 'bitcoin') : undefined;
      if (!isRecord(bitcoin)) throw new Error('answer has no "bitcoin" object');

      const prices = new PriceCollector(name, http.log);
      for (const currency of wanted) {
        const raw = field(bitcoin, currency.toLowerCase());
        if (raw !== undefined) prices.offer(currency, raw);
      }
      return prices.finish();
    },
  };
}
