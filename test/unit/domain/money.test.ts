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
import { expectValidationError, loadFixture, show } from './helpers.js';

interface MoneyFixture {
  limits: { maxMoneyMinor: string; maxSats: string };
  parseMoney: {
    valid: { value: unknown; currency: string; expected: string }[];
    invalid: { value: unknown; currency: string; message: string; field?: string }[];
  };
  formatMoney: { valid: { minor: string; currency: string; expected: string }[] };
  btc: { valid: { sats: string; btc: string; trimmed: string }[] };
  parseSats: { valid: { value: unknown; expected: string }[]; invalid: { value: unknown; message: string }[] };
  fiatToSats: {
    valid: { total: string; currency: string; rate: string; sats: string }[];
    invalid: { total: string; currency: string; rate: string; message: string }[];
  };
  satsToFiatMinor: {
    valid: { sats: string; currency: string; rate: string; minor: string }[];
    invalid: { sats: string; currency: string; rate: string; message: string }[];
  };
}

const fixture = loadFixture<MoneyFixture>('money.json');

function fieldOf(message: string): string {
  if (message.startsWith('rate ')) return 'rate';
  if (message.includes('ISO 4217')) return 'currency';
  return 'total';
}

describe('domain/money', () => {
  describe('limits', () => {
    it('are the documented values and survive a round trip through a JS number', () => {
      expect(MAX_MONEY_MINOR).to.equal(BigInt(fixture.limits.maxMoneyMinor));
      expect(MAX_SATS).to.equal(BigInt(fixture.limits.maxSats));
      for (const limit of [MAX_MONEY_MINOR, MAX_SATS]) {
        expect(limit <= BigInt(Number.MAX_SAFE_INTEGER)).to.equal(true);
        expect(BigInt(Number(limit))).to.equal(limit);
      }
    });
  });

  describe('parseMoney', () => {
    for (const c of fixture.parseMoney.valid) {
      it(`${show(c.value)} ${c.currency} is ${c.expected} minor units`, () => {
        expect(parseMoney(c.value, c.currency, 'amount')).to.equal(BigInt(c.expected));
      });
    }
    for (const c of fixture.parseMoney.invalid) {
      it(`refuses ${show(c.value)} ${c.currency}: ${c.message}`, () => {
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
    for (const c of fixture.formatMoney.valid) {
      it(`${c.minor} ${c.currency} prints "${c.expected}"`, () => {
        expect(formatMoney(BigInt(c.minor), c.currency)).to.equal(c.expected);
        // What we print parses back to the same amount.
        expect(parseMoney(c.expected, c.currency, 'amount', { allowNegative: true })).to.equal(BigInt(c.minor));
      });
    }
  });

  describe('BTC amounts', () => {
    for (const c of fixture.btc.valid) {
      it(`${c.sats} sats prints "${c.btc}" and "${c.trimmed}"`, () => {
        expect(formatBtc(BigInt(c.sats))).to.equal(c.btc);
        expect(formatBtcTrimmed(BigInt(c.sats))).to.equal(c.trimmed);
        expect(parseSats(c.btc, 'amount')).to.equal(BigInt(c.sats));
        expect(parseSats(c.trimmed, 'amount')).to.equal(BigInt(c.sats));
      });
    }
    for (const c of fixture.parseSats.valid) {
      it(`parseSats ${show(c.value)} is ${c.expected}`, () => {
        expect(parseSats(c.value, 'amount')).to.equal(BigInt(c.expected));
      });
    }
    for (const c of fixture.parseSats.invalid) {
      it(`parseSats refuses ${show(c.value)}: ${c.message}`, () => {
        expectValidationError(() => parseSats(c.value, 'btc_amount'), 'btc_amount', c.message);
      });
    }
  });

  describe('fiatToSats', () => {
    for (const c of fixture.fiatToSats.valid) {
      it(`${c.total} minor ${c.currency} at ${c.rate} is ${c.sats} sats`, () => {
        expect(fiatToSats(BigInt(c.total), c.currency, c.rate)).to.equal(BigInt(c.sats));
      });
    }
    for (const c of fixture.fiatToSats.invalid) {
      it(`refuses ${c.total} ${c.currency} at ${show(c.rate)}: ${c.message}`, () => {
        expectValidationError(() => fiatToSats(BigInt(c.total), c.currency, c.rate), fieldOf(c.message), c.message);
      });
    }
    it('never asks for less than the price: sats × rate covers the total', () => {
      for (const c of fixture.fiatToSats.valid) {
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
    for (const c of fixture.satsToFiatMinor.valid) {
      it(`${c.sats} sats at ${c.rate} is ${c.minor} minor ${c.currency}`, () => {
        expect(satsToFiatMinor(BigInt(c.sats), c.currency, c.rate)).to.equal(BigInt(c.minor));
      });
    }
    for (const c of fixture.satsToFiatMinor.invalid) {
      it(`refuses ${c.currency} at ${c.rate}: ${c.message}`, () => {
        expectValidationError(() => satsToFiatMinor(BigInt(c.sats), c.currency, c.rate), fieldOf(c.message), c.message);
      });
    }
  });
});
