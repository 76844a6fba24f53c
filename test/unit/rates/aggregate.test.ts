import { expect } from 'chai';
import { aggregateQuotes } from '../../../src/rates/aggregate.js';
import { parseRateDecimal } from '../../../src/rates/rate-decimal.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

type AggregateCases = Vectors<{ quotes: [string, string][]; rate: string; sources: string[]; outliers: string[] }>;

describe('rates: combining sources', () => {
  for (const c of fixture<AggregateCases>('rates', 'aggregate').valid) {
    it(c.description, () => {
      const quotes = c.quotes.map(([source, text]) => {
        const value = parseRateDecimal(text);
        if (value === undefined) throw new Error(`bad fixture value ${text}`);
        return { source, value };
      });
      const result = aggregateQuotes(quotes, 20);
      expect(result.rate).to.equal(c.rate);
      expect(result.sources).to.deep.equal(c.sources);
      expect(result.outliers.map((o) => o.source)).to.deep.equal(c.outliers);
    });
  }

  it('refuses to aggregate nothing', () => {
    expect(() => aggregateQuotes([], 20)).to.throw(RangeError);
  });
});
