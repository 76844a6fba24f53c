import { expect } from 'chai';
import { formatMoney } from '../../../src/domain/money.js';
import type { InvoiceTotals, TotalsInput } from '../../../src/domain/totals.js';
import { computeInvoiceTotals, MAX_DESCRIPTION_LENGTH, MAX_LINES } from '../../../src/domain/totals.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectValidationError } from './helpers.js';

interface ExpectedLine {
  description: string;
  quantity: string;
  unit_price: string;
  amount: string;
}
interface ExpectedTotals {
  currency: string;
  taxRate: string;
  subtotal: string;
  tax: string;
  discount: string;
  total: string;
  lines: ExpectedLine[];
}
const totals = fixture<Vectors<{ input: TotalsInput; expected: ExpectedTotals }, { input: TotalsInput; field: string; message?: string }>>('domain', 'totals');

// Expected figures are written as the v1 dialect prints them, e.g. "220.00".
function printed(t: InvoiceTotals): ExpectedTotals {
  const money = (minor: bigint): string => formatMoney(minor, t.currency);
  return {
    currency: t.currency,
    taxRate: t.taxRate,
    subtotal: money(t.subtotal),
    tax: money(t.tax),
    discount: money(t.discount),
    total: money(t.total),
    lines: t.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unit_price: money(l.unitPrice),
      amount: money(l.amount),
    })),
  };
}

describe('domain/totals', () => {
  describe('computeInvoiceTotals', () => {
    for (const c of totals.valid) {
      it(c.description, () => {
        const totals = computeInvoiceTotals(c.input);
        expect(printed(totals)).to.deep.equal(c.expected);
        expect(typeof totals.total).to.equal('bigint');
      });
    }
    for (const c of totals.invalid) {
      it(`refuses: ${c.description} (${c.field})`, () => {
        expectValidationError(() => computeInvoiceTotals(c.input), c.field, c.message);
      });
    }

    it('the seed example totals exactly 22000 cents', () => {
      const seed = totals.valid[0];
      if (seed === undefined) throw new Error('fixture has no seed case');
      const t = computeInvoiceTotals(seed.input);
      expect(t.total).to.equal(22000n);
      expect(t.lines.map((l) => [l.unitPrice, l.amount])).to.deep.equal([
        [15000n, 15000n],
        [2500n, 5000n],
      ]);
    });

    it(`refuses more than ${MAX_LINES} lines`, () => {
      const line = { description: 'x', quantity: 1, unit_price: '1' };
      expect(computeInvoiceTotals({ currency: 'USD', lines: Array(MAX_LINES).fill(line) }).total).to.equal(
        BigInt(MAX_LINES) * 100n,
      );
      expectValidationError(
        () => computeInvoiceTotals({ currency: 'USD', lines: Array(MAX_LINES + 1).fill(line) }),
        'lines',
        `at most ${MAX_LINES}`,
      );
    });

    it(`refuses a description longer than ${MAX_DESCRIPTION_LENGTH} characters`, () => {
      const ok = 'd'.repeat(MAX_DESCRIPTION_LENGTH);
      expect(computeInvoiceTotals({ currency: 'USD', lines: [{ description: ok, quantity: 1, unit_price: '1' }] }).lines[0]?.description).to.equal(ok);
      expectValidationError(
        () => computeInvoiceTotals({ currency: 'USD', lines: [{ description: `${ok}d`, quantity: 1, unit_price: '1' }] }),
        'lines[0].description',
        `at most ${MAX_DESCRIPTION_LENGTH}`,
      );
    });

    it('does not mutate its input', () => {
      const input = { currency: 'usd', tax_rate: '10', lines: [{ description: 'x', quantity: '1.50', unit_price: '2.00' }] };
      const copy = structuredClone(input);
      computeInvoiceTotals(input);
      expect(input).to.deep.equal(copy);
    });
  });
});
