import { expect } from 'chai';
import { isCurrency, listCurrencies, minorUnits, parseCurrency } from '../../../src/domain/currency.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectValidationError } from './helpers.js';

const units = fixture<Vectors<{ code: string; minorUnits: number }, { code: string }>>('domain', 'currency/minor-units');
const parse = fixture<Vectors<{ value: string; code: string }, { value: unknown }>>('domain', 'currency/parse-currency');
const list = fixture<Vectors<{ minCount: number }>>('domain', 'currency/list-currencies');

describe('domain/currency', () => {
  describe('minorUnits / isCurrency', () => {
    for (const c of units.valid) {
      it(c.description, () => {
        expect(isCurrency(c.code)).to.equal(true);
        expect(minorUnits(c.code)).to.equal(c.minorUnits);
      });
    }
    for (const c of units.invalid) {
      it(c.description, () => {
        expect(isCurrency(c.code)).to.equal(false);
        expectValidationError(() => minorUnits(c.code), 'currency', 'ISO 4217');
      });
    }
    it('isCurrency refuses non-strings', () => {
      expect(isCurrency(840)).to.equal(false);
      expect(isCurrency(null)).to.equal(false);
    });
  });

  describe('listCurrencies', () => {
    for (const c of list.valid) {
      it(c.description, () => {
        const codes = listCurrencies();
        expect(codes.length).to.be.at.least(c.minCount);
        expect([...codes]).to.deep.equal([...codes].sort());
        expect(new Set(codes).size).to.equal(codes.length);
        for (const code of codes) {
          expect(code).to.match(/^[A-Z]{3}$/);
          const digits = minorUnits(code);
          expect(code === 'BTC' ? digits === 8 : digits >= 0 && digits <= 4, code).to.equal(true);
        }
        for (const { code } of units.valid) expect(codes).to.include(code);
      });
    }
  });

  describe('parseCurrency', () => {
    for (const c of parse.valid) {
      it(c.description, () => {
        expect(parseCurrency(c.value)).to.equal(c.code);
      });
    }
    for (const c of parse.invalid) {
      it(c.description, () => {
        expectValidationError(() => parseCurrency(c.value, 'price_currency'), 'price_currency', 'ISO 4217');
      });
    }
  });
});
