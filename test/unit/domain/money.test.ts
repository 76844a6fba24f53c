import { expect } from 'chai';
import { minorUnits } from '../../../src/domain/currency.js';
import {
  fiatToSats,
  formatBtc,
  formatBtcTrimmed,
  formatMoney,
  MAX_MONEY_MINOR,
  MAX_SATS,
  parseMoney,
  parseRate,
  parseSats,
  satsToFiatMinor,
} from '../../../src/domain/money.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectValidationError } from './helpers.js';

interface Conversion {
  currency: string;
  rate: string;
}

const limits = fixture<Vectors<{ name: 'MAX_MONEY_MINOR' | 'MAX_SATS'; value: string }>>('domain', 'money/limits');
const parseMoneyCases = fixture<Vectors<{ value: unknown; currency: string; expected: string }, { value: unknown; currency: string; message: string; field?: string }>>(
  'domain',
  'money/parse-money',
);
const formatMoneyCases = fixture<Vectors<{ minor: string; currency: string; expected: string }>>('domain', 'money/format-money');
const formatBtcCases = fixture<Vectors<{ sats: string; btc: string; trimmed: string }>>('domain', 'money/format-btc');
const parseSatsCases = fixture<Vectors<{ value: unknown; expected: string }, { value: unknown; message: string }>>('domain', 'money/parse-sats');
const fiatToSatsCases = fixture<Vectors<Conversion & { total: string; sats: string }, Conversion & { total: string; message: string }>>('domain', 'money/fiat-to-sats');
const satsToFiatCases = fixture<Vectors<Conversion & { sats: string; minor: string }, Conversion & { sats: string; message: string }>>(
  'domain',
  'money/sats-to-fiat-minor',
);

function limit(name: 'MAX_MONEY_MINOR' | 'MAX_SATS'): bigint {
  const found = limits.valid.find((c) => c.name === name);
  if (found === undefined) throw new Error(`money/limits has no ${name}`);
  return BigInt(found.value);
}

function fieldOf(message: string): string {
  if (message.startsWith('rate ')) return 'rate';
  if (message.includes('ISO 4217')) return 'currency';
  return 'total';
}

describe('domain/money', () => {
  describe('limits', () => {
    it('are the documented values and survive a round trip through a JS number', () => {
      expect(MAX_MONEY_MINOR).to.equal(limit('MAX_MONEY_MINOR'));
      expect(MAX_SATS).to.equal(limit('MAX_SATS'));
      for (const limit of [MAX_MONEY_MINOR, MAX_SATS]) {
        expect(limit <= BigInt(Number.MAX_SAFE_INTEGER)).to.equal(true);
        expect(BigInt(Number(limit))).to.equal(limit);
      }
    });
  });

  describe('parseMoney', () => {
    for (const c of parseMoneyCases.valid) {
      it(c.description, () => {
        expect(parseMoney(c.value, c.currency, 'amount')).to.equal(BigInt(c.expected));
      });
    }
    for (const c of parseMoneyCases.invalid) {
      it(c.description, () => {
        const field = c.field ?? 'unit_price';
        expectValidationError(() => parseMoney(c.value, c.currency, 'unit_price'), field, c.message);
      });
    }
    it('honours a tighter max and a min (checkout: amountUsd ≥ 0.01)', () => {
      expect(parseMoney('5.00', 'USD', 'amountUsd', { min: 1n, max: 500n })).to.equal(500n);
      expectValidationError(() => parseMoney('5.01', 'USD', 'amountUsd', { max: 500n }), 'amountUsd', 'at most 5');
      expectValidationError(() => parseMoney('0', 'USD', 'amountUsd', { min: 1n }), 'amountUsd', 'at least 0.01');
    });
    it('never lets a looser max through', () => {
      expectValidationError(
        () => parseMoney('10000000000000.01', 'USD', 'amount', { max: MAX_MONEY_MINOR * 10n }),
        'amount',
        'at most',
      );
    });
  });

  describe('formatMoney', () => {
    for (const c of formatMoneyCases.valid) {
      it(c.description, () => {
        expect(formatMoney(BigInt(c.minor), c.currency)).to.equal(c.expected);
        // What we print parses back to the same amount.
        expect(parseMoney(c.expected, c.currency, 'amount', { allowNegative: true })).to.equal(BigInt(c.minor));
      });
    }
  });

  describe('BTC amounts', () => {
    for (const c of formatBtcCases.valid) {
      it(c.description, () => {
        expect(formatBtc(BigInt(c.sats))).to.equal(c.btc);
        expect(formatBtcTrimmed(BigInt(c.sats))).to.equal(c.trimmed);
        expect(parseSats(c.btc, 'amount')).to.equal(BigInt(c.sats));
        expect(parseSats(c.trimmed, 'amount')).to.equal(BigInt(c.sats));
      });
    }
    for (const c of parseSatsCases.valid) {
      it(c.description, () => {
        expect(parseSats(c.value, 'amount')).to.equal(BigInt(c.expected));
      });
    }
    for (const c of parseSatsCases.invalid) {
      it(c.description, () => {
        expectValidationError(() => parseSats(c.value, 'btc_amount'), 'btc_amount', c.message);
      });
    }
  });

  describe('fiatToSats', () => {
    for (const c of fiatToSatsCases.valid) {
      it(c.description, () => {
        expect(fiatToSats(BigInt(c.total), c.currency, c.rate)).to.equal(BigInt(c.sats));
      });
    }
    for (const c of fiatToSatsCases.invalid) {
      it(c.description, () => {
        expectValidationError(() => fiatToSats(BigInt(c.total), c.currency, c.rate), fieldOf(c.message), c.message);
      });
    }
    it('never asks for less than the price: sats × rate covers the total', () => {
      for (const c of fiatToSatsCases.valid) {
        if (c.currency === 'BTC') continue;
        const sats = BigInt(c.sats);
        const back = satsToFiatMinor(sats, c.currency, c.rate);
        expect(back >= BigInt(c.total), `${c.total} → ${c.sats} → ${back}`).to.equal(true);
        // And one sat less would not (ceil, not ceil + 1): (sats − 1) × rate < total, as integers.
        if (sats > 0n) {
          const rate = parseRate(c.rate);
          const lhs = (sats - 1n) * rate.digits * 10n ** BigInt(minorUnits(c.currency));
          const rhs = BigInt(c.total) * 10n ** BigInt(8 + rate.scale);
          expect(lhs < rhs, `${c.sats} - 1 still covers ${c.total}`).to.equal(true);
        }
      }
    });
  });

  describe('satsToFiatMinor', () => {
    for (const c of satsToFiatCases.valid) {
      it(c.description, () => {
        expect(satsToFiatMinor(BigInt(c.sats), c.currency, c.rate)).to.equal(BigInt(c.minor));
      });
    }
    for (const c of satsToFiatCases.invalid) {
      it(c.description, () => {
        expectValidationError(() => satsToFiatMinor(BigInt(c.sats), c.currency, c.rate), fieldOf(c.message), c.message);
      });
    }
  });
});
