import { expect } from 'chai';
import { formatDecimal, type Decimal } from '../../../src/domain/decimal.js';
import { medianRateDecimal, normalizeRateText, parseRateDecimal, roundRate } from '../../../src/rates/rate-decimal.js';
import { fixture } from './helpers/exchange-stubs.js';

interface DecimalCases {
  valid: { text: string; canonical: string; rounded: string; description?: string }[];
  invalid: { text: string; description: string }[];
}
interface MedianCases {
  valid: { values: string[]; median: string; rate: string; description?: string }[];
}

function must(text: string): Decimal {
  const d = parseRateDecimal(text);
  if (d === undefined) throw new Error(`fixture value ${text} did not parse`);
  return d;
}

describe('rates: exact rate decimals', () => {
  const decimals = fixture<DecimalCases>('rate-decimal.json');

  describe('parse and format', () => {
    for (const c of decimals.valid) {
      it(`reads "${c.text}" as ${c.canonical} (rounded ${c.rounded})${c.description ? `: ${c.description}` : ''}`, () => {
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
    for (const c of fixture<MedianCases>('median.json').valid) {
      it(`median of [${c.values.join(', ')}] is ${c.median}${c.description ? `: ${c.description}` : ''}`, () => {
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
