import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import { createFixedRateProvider, parseFixedRates } from '../../../src/rates/providers/fixed.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

type FixedCases = Vectors<{ text: string; rates: Record<string, string> }, { text: string }>;

describe('rates: fixed rates from config', () => {
  const cases = fixture<FixedCases>('rates', 'fixed-rates');

  for (const c of cases.valid) {
    it(c.description, () => {
      expect(Object.fromEntries(parseFixedRates(c.text))).to.deep.equal(c.rates);
    });
  }

  for (const c of cases.invalid) {
    it(`refuses ${JSON.stringify(c.text)} (${c.description}) with config_invalid`, () => {
      let caught: unknown;
      try {
        parseFixedRates(c.text);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(TillError);
      expect((caught as TillError).code).to.equal('config_invalid');
      expect((caught as TillError).message).to.match(/^fixed rates: /);
    });
  }

  it('serves only the currencies it has, with no network', async () => {
    const provider = createFixedRateProvider('USD=70000,EUR=61000.50');
    expect(provider.name).to.equal('fixed');
    const rates = await provider.fetchRates(['EUR', 'JPY', 'USD'], new AbortController().signal);
    expect(Object.fromEntries(rates)).to.deep.equal({ EUR: '61000.5', USD: '70000' });
  });

  it('takes a ready map and a custom name', async () => {
    const provider = createFixedRateProvider(new Map([['GBP', '53545.32']]), 'manual');
    expect(provider.name).to.equal('manual');
    expect(Object.fromEntries(await provider.fetchRates(['GBP'], new AbortController().signal))).to.deep.equal({
      GBP: '53545.32',
    });
  });

  it('fails at construction, not at fetch time, on a bad string', () => {
    expect(() => createFixedRateProvider('USD=abc')).to.throw(TillError, /USD=abc/);
  });
});
