import type { RateProvider } from '../types.js';
import type { HttpProviderOptions } from './http-provider.js';
import { field, isRecord, PriceCollector, providerHttp } from './http-provider.js';

/**
 * Fiat currencies Kraken lists against BTC. Only these are asked for: one unknown pair
 * makes Kraken fail the whole request with "EQuery:Unknown asset pair".
 */
export const KRAKEN_CURRENCIES: readonly string[] = ['USD', 'EUR', 'GBP', 'CAD', 'JPY', 'CHF', 'AUD'];

/**
 * Kraken's public Ticker endpoint: GET /0/public/Ticker?pair=XBTUSD,XBTEUR answers
 * `{"error":[],"result":{"XXBTZUSD":{"c":["70862.70000","0.00067643"],…},…}}`. The result
 * keys are Kraken's own pair names (XXBTZUSD for the old pairs, XBTCHF for newer ones),
 * not what was asked; `c[0]` is the last trade price.
 */
export function createKrakenProvider(options: HttpProviderOptions = {}): RateProvider {
  const http = providerHttp('https://api.kraken.com', options);
  const name = 'kraken';
  return {
    name,
    async fetchRates(currencies, signal) {
      const wanted = currencies.filter((c) => KRAKEN_CURRENCIES.includes(c));
      if (wanted.length === 0) return new Map();
      const body = await http.get(`/0/public/Ticker?pair=${wanted.map((c) => `XBT${c}`).join(',')}`, signal);
      if (!isRecord(body)) throw new Error('answer is not a JSON object');
      const errors = field(body, 'error');
      if (Array.isArray(errors) && errors.length > 0) throw new Error(`Kraken error: ${errors.map(String).join('; ')}`);
      const result = field(body, 'result');
      if (!isRecord(result)) throw new Error('answer has no "result" object');

      const prices = new PriceCollector(name, http.log);
      for (const [pair, ticker] of Object.entries(result)) {
        const currency = krakenPairCurrency(pair);
        if (currency === undefined || !wanted.includes(currency)) continue;
        const last = isRecord(ticker) ? field(ticker, 'c') : undefined;
        prices.offer(currency, Array.isArray(last) ? last[0] : undefined);
      }
      const rates = prices.finish();
      if (rates.size === 0) throw new Error(`answer holds none of the pairs asked for (${wanted.join(', ')})`);
      return rates;
    },
  };
}

/** "XXBTZUSD" → USD, "XBTCHF" → CHF, "XBTUSD" → USD; stablecoin pairs (XBTUSDT) → undefined. */
export function krakenPairCurrency(pair: string): string | undefined {
  return /^X?XBTZ?([A-Z]{3})$/.exec(pair)?.[1];
}
