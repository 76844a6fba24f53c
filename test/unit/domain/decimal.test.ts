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
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectValidationError } from './helpers.js';

interface RawScaleOptions {
  min?: string;
  max?: string;
  allowNegative?: boolean;
  allowZero?: boolean;
}

interface Scaling {
  value: unknown;
  decimals: number;
  options?: RawScaleOptions;
}

const parse = fixture<Vectors<{ value: unknown; negative: boolean; digits: string; scale: number; canonical: string }, { value: unknown; message: string }>>(
  'domain',
  'decimal/parse-decimal',
);
const scaled = fixture<Vectors<Scaling & { expected: string }, Scaling & { message: string }>>('domain', 'decimal/to-scaled');
const halfUp = fixture<Vectors<{ n: string; d: string; expected: string }>>('domain', 'decimal/div-round-half-up');
const ceil = fixture<Vectors<{ n: string; d: string; expected: string }>>('domain', 'decimal/div-ceil');
const formatted = fixture<Vectors<{ units: string; decimals: number; expected: string; trimmed: string }>>('domain', 'decimal/format-scaled');

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
    for (const c of parse.valid) {
      it(c.description, () => {
        const d = parseDecimal(c.value, 'amount');
        expect(d).to.deep.equal({ negative: c.negative, digits: BigInt(c.digits), scale: c.scale });
        expect(formatDecimal(d)).to.equal(c.canonical);
      });
    }
    for (const c of parse.invalid) {
      it(c.description, () => {
        expectValidationError(() => parseDecimal(c.value, 'lines[3].quantity'), 'lines[3].quantity', c.message);
      });
    }
    it('the canonical text parses back to the same value', () => {
      for (const c of parse.valid) {
        const d = parseDecimal(c.value, 'amount');
        expect(parseDecimal(formatDecimal(d), 'amount')).to.deep.equal(d);
      }
    });
  });

  describe('toScaled', () => {
    for (const c of scaled.valid) {
      it(c.description, () => {
        expect(toScaled(c.value, c.decimals, 'amount', options(c.options))).to.equal(BigInt(c.expected));
      });
    }
    for (const c of scaled.invalid) {
      it(c.description, () => {
        expectValidationError(() => toScaled(c.value, c.decimals, 'price', options(c.options)), 'price', c.message);
      });
    }
  });

  describe('integer division', () => {
    for (const c of halfUp.valid) {
      it(c.description, () => {
        expect(divRoundHalfUp(BigInt(c.n), BigInt(c.d))).to.equal(BigInt(c.expected));
      });
    }
    for (const c of ceil.valid) {
      it(c.description, () => {
        expect(divCeil(BigInt(c.n), BigInt(c.d))).to.equal(BigInt(c.expected));
      });
    }
    it('refuses division by zero', () => {
      expect(() => divCeil(1n, 0n)).to.throw(RangeError);
      expect(() => divRoundHalfUp(1n, 0n)).to.throw(RangeError);
    });
  });

  describe('formatScaled', () => {
    for (const c of formatted.valid) {
      it(c.description, () => {
        expect(formatScaled(BigInt(c.units), c.decimals)).to.equal(c.expected);
        expect(formatScaled(BigInt(c.units), c.decimals, { trim: true })).to.equal(c.trimmed);
      });
    }
  });
});
