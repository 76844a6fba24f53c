import { expect } from 'chai';
import type { ScaleOptions } from '../../../src/domain/decimal.js';
import {
  divCeil,
  divRoundHalfUp,
  formatDecimal,
  formatScaled,
  parseDecimal,
  toScaled,
} from '../../../src/domain/decimal.js';
import { expectValidationError, loadFixture, show } from './helpers.js';

interface RawScaleOptions {
  min?: string;
  max?: string;
  allowNegative?: boolean;
  allowZero?: boolean;
}
interface DecimalFixture {
  parse: {
    valid: { value: unknown; negative: boolean; digits: string; scale: number; canonical: string }[];
    invalid: { value: unknown; message: string }[];
  };
  toScaled: {
    valid: { value: unknown; decimals: number; options?: RawScaleOptions; expected: string }[];
    invalid: { value: unknown; decimals: number; options?: RawScaleOptions; message: string }[];
  };
  divRoundHalfUp: { valid: { n: string; d: string; expected: string }[] };
  divCeil: { valid: { n: string; d: string; expected: string }[] };
  formatScaled: { valid: { units: string; decimals: number; expected: string; trimmed: string }[] };
}

const fixture = loadFixture<DecimalFixture>('decimal.json');

function options(raw: RawScaleOptions | undefined): ScaleOptions {
  if (raw === undefined) return {};
  const { min, max, ...rest } = raw;
  return {
    ...rest,
    ...(min === undefined ? {} : { min: BigInt(min) }),
    ...(max === undefined ? {} : { max: BigInt(max) }),
  };
}

describe('domain/decimal', () => {
  describe('parseDecimal', () => {
    for (const c of fixture.parse.valid) {
      it(`parses ${show(c.value)} exactly`, () => {
        const d = parseDecimal(c.value, 'amount');
        expect(d).to.deep.equal({ negative: c.negative, digits: BigInt(c.digits), scale: c.scale });
        expect(formatDecimal(d)).to.equal(c.canonical);
      });
    }
    for (const c of fixture.parse.invalid) {
      it(`refuses ${show(c.value)}`, () => {
        expectValidationError(() => parseDecimal(c.value, 'lines[3].quantity'), 'lines[3].quantity', c.message);
      });
    }
    it('the canonical text parses back to the same value', () => {
      for (const c of fixture.parse.valid) {
        const d = parseDecimal(c.value, 'amount');
        expect(parseDecimal(formatDecimal(d), 'amount')).to.deep.equal(d);
      }
    });
  });

  describe('toScaled', () => {
    for (const c of fixture.toScaled.valid) {
      it(`${show(c.value)} at ${c.decimals} decimals is ${c.expected}`, () => {
        expect(toScaled(c.value, c.decimals, 'amount', options(c.options))).to.equal(BigInt(c.expected));
      });
    }
    for (const c of fixture.toScaled.invalid) {
      it(`refuses ${show(c.value)} at ${c.decimals} decimals: ${c.message}`, () => {
        expectValidationError(() => toScaled(c.value, c.decimals, 'price', options(c.options)), 'price', c.message);
      });
    }
  });

  describe('integer division', () => {
    for (const c of fixture.divRoundHalfUp.valid) {
      it(`divRoundHalfUp(${c.n}, ${c.d}) = ${c.expected}`, () => {
        expect(divRoundHalfUp(BigInt(c.n), BigInt(c.d))).to.equal(BigInt(c.expected));
      });
    }
    for (const c of fixture.divCeil.valid) {
      it(`divCeil(${c.n}, ${c.d}) = ${c.expected}`, () => {
        expect(divCeil(BigInt(c.n), BigInt(c.d))).to.equal(BigInt(c.expected));
      });
    }
    it('refuses division by zero', () => {
      expect(() => divCeil(1n, 0n)).to.throw(RangeError);
      expect(() => divRoundHalfUp(1n, 0n)).to.throw(RangeError);
    });
  });

  describe('formatScaled', () => {
    for (const c of fixture.formatScaled.valid) {
      it(`${c.units} at ${c.decimals} decimals is "${c.expected}" / "${c.trimmed}"`, () => {
        expect(formatScaled(BigInt(c.units), c.decimals)).to.equal(c.expected);
        expect(formatScaled(BigInt(c.units), c.decimals, { trim: true })).to.equal(c.trimmed);
      });
    }
  });
});
