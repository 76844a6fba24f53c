import { expect } from 'chai';
import { isCurrency, listCurrencies, minorUnits, parseCurrency } from '../../../src/domain/currency.js';
import { expectValidationError, loadFixture, show } from './helpers.js';

interface CurrencyFixture {
  valid: { code: string; minorUnits: number }[];
  invalid: string[];
  parseCurrency: { valid: { value: string; code: string }[]; invalid: unknown[] };
  minCount: number;
}

const fixture = loadFixture<CurrencyFixture>('currency.json');

describe('domain/currency', () => {
  describe('minorUnits / isCurrency', () => {
    for (const { code, minorUnits: units } of fixture.valid) {
      it(`${code} has ${units} minor digits`, () => {
        expect(isCurrency(code)).to.equal(true);
        expect(minorUnits(code)).to.equal(units);
      });
    }
    for (const code of fixture.invalid) {
      it(`refuses ${show(code)}`, () => {
        expect(isCurrency(code)).to.equal(false);
        expectValidationError(() => minorUnits(code), 'currency', 'ISO 4217');
      });
    }
    it('isCurrency refuses non-strings', () => {
      expect(isCurrency(840)).to.equal(false);
      expect(isCurrency(null)).to.equal(false);
    });
  });

  describe('listCurrencies', () => {
    it('lists the whole table, sorted, every code with minor units 0..4 or BTC 8', () => {
      const codes = listCurrencies();
      expect(codes.length).to.be.at.least(fixture.minCount);
      expect([...codes]).to.deep.equal([...codes].sort());
      expect(new Set(codes).size).to.equal(codes.length);
      for (const code of codes) {
        expect(code).to.match(/^[A-Z]{3}$/);
        const units = minorUnits(code);
        expect(code === 'BTC' ? units === 8 : units >= 0 && units <= 4, code).to.equal(true);
      }
      for (const { code } of fixture.valid) expect(codes).to.include(code);
    });
  });

  describe('parseCurrency', () => {
    for (const { value, code } of fixture.parseCurrency.valid) {
      it(`reads ${show(value)} as ${code}`, () => {
        expect(parseCurrency(value)).to.equal(code);
      });
    }
    for (const value of fixture.parseCurrency.invalid) {
      it(`refuses ${show(value)}`, () => {
        expectValidationError(() => parseCurrency(value, 'price_currency'), 'price_currency', 'ISO 4217');
      });
    }
  });
});
