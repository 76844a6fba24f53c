import { expect } from 'chai';
import { formatDecimal, type Decimal } from '../../../src/domain/decimal.js';
import { medianRateDecimal, normalizeRateText, parseRateDecimal, roundRate } from '../../../src/rates/rate-decimal.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

type DecimalCases = Vectors<{ text: string; canonical: string; rounded: string }, { text: string }>;
type MedianCases = Vectors<{ values: string[]; median: string; rate: string }>;

function must(text: string): Decimal {
  const d = parseRateDecimal(text);
  if (d === undefined) throw new Error(`fixture value ${text} did not parse`);
  return d;
}

describe('rates: exact rate decimals', () => {
  const decimals = fixture<DecimalCases>('rates', 'rate-decimal');

  describe('parse and format', () => {
    for (const c of decimals.valid) {
      it(c.description, () => {
        expect(normalizeRateText(c.text)).to.equal(c.canonical);
        expect(formatDecimal(roundRate(must(c.text)))).to.equal(c.rounded);
      });
    }
    for (const c of decimals.invalid) {
      it(`refuses ${JSON.stringify(c.text)} (${c.description})`, () => {
        expect(parseRateDecimal(c.text)).to.equal(undefined);
        expect(normalizeRateText(c.text)).to.equal(undefined);
      });
    }
  });

  describe('median', () => {
    for (const c of fixture<MedianCases>('rates', 'median').valid) {
      it(c.description, () => {
        const median = medianRateDecimal(c.values.map(must));
        expect(formatDecimal(median)).to.equal(c.median);
        expect(formatDecimal(roundRate(median))).to.equal(c.rate);
      });
    }

    it('refuses an empty list', () => {
      expect(() => medianRateDecimal([])).to.throw(RangeError);
    });
  });
});
