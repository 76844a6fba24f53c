import { TillError } from '../../domain/errors.js';
import { normalizeRateText } from '../rate-decimal.js';
import type { RateProvider } from '../types.js';

/**
 * Reads operator-set rates such as "USD=70000,EUR=61000.50" (spaces around items are
 * allowed, codes are ISO 4217 upper-case). Any flaw is a config_invalid error naming it.
 */
export function parseFixedRates(text: string): Map<string, string> {
  const rates = new Map<string, string>();
  const items = text.split(',').map((item) => item.trim());
  if (items.length === 1 && items[0] === '') {
    throw new TillError('config_invalid', 'fixed rates: empty; expected a list such as USD=70000,EUR=61000.50');
  }
  for (const item of items) {
    const m = /^([A-Z]{3})=(\S+)$/.exec(item);
    if (!m) {
      throw new TillError(
        'config_invalid',
        `fixed rates: "${item}" is not CODE=PRICE (e.g. USD=70000, upper-case ISO 4217 code)`,
      );
    }
    const currency = m[1] as string;
    const price = normalizeRateText(m[2] as string);
    if (currency === 'BTC') throw new TillError('config_invalid', 'fixed rates: BTC needs no rate');
    if (price === undefined) {
      throw new TillError('config_invalid', `fixed rates: "${item}" needs a positive decimal price such as 70000.50`);
    }
    if (rates.has(currency)) throw new TillError('config_invalid', `fixed rates: ${currency} is given twice`);
    rates.set(currency, price);
  }
  return rates;
}

/** Serves operator-set rates without any network: for offline shops and regtest. */
export function createFixedRateProvider(
  rates: string | ReadonlyMap<string, string>,
  name = 'fixed',
): RateProvider {
  const table = typeof rates === 'string' ? parseFixedRates(rates) : new Map(rates);
  return {
    name,
    fetchRates(currencies) {
      const answer = new Map<string, string>();
      for (const c of currencies) {
        const price = table.get(c);
        if (price !== undefined) answer.set(c, price);
      }
      return Promise.resolve(answer);
    },
  };
}
