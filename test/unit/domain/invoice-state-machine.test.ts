import { expect } from 'chai';
import { evaluate, paymentState, type EvaluatedInvoice, type PaymentView } from '../../../src/domain/invoice-state-machine.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

interface Fixture {
  invoice: Omit<EvaluatedInvoice, 'dueSats'> & { dueSats: string | null };
  payments: (Omit<PaymentView, 'sats'> & { sats: string })[];
  tipHeight: number;
  now: number;
  policy: { latePaymentMs: number };
  expected: { status: string; exception: string | null; state: string; confirmations: number; events: string[] };
}

const fixtures = fixture<Vectors<Fixture>>('domain', 'invoice-state-machine');

describe('domain/invoice-state-machine', () => {
  describe('evaluate', () => {
    for (const f of fixtures.valid) {
      it(f.description, () => {
        const inv = { ...f.invoice, dueSats: f.invoice.dueSats === null ? null : BigInt(f.invoice.dueSats) };
        const payments = f.payments.map((p) => ({ ...p, sats: BigInt(p.sats) }));
        const r = evaluate(inv, payments, f.tipHeight, f.now, f.policy);
        expect({ status: r.status, exception: r.exception, state: r.state, confirmations: r.confirmations, events: r.events })
          .to.deep.equal(f.expected);
        const standing = payments.filter((p) => p.status === 'mempool' || p.status === 'confirmed').reduce((s, p) => s + p.sats, 0n);
        expect(r.receivedSats).to.equal(standing);
        if (r.events.includes('invoice.paid')) expect(r.paidAt).to.equal(f.invoice.paidAt ?? f.now);
        if (r.events.includes('invoice.confirmed')) expect(r.confirmedAt).to.equal(f.now);
      });
    }

    it('is a function of its inputs: evaluating its own result again changes nothing', () => {
      for (const f of fixtures.valid) {
        const inv = { ...f.invoice, dueSats: f.invoice.dueSats === null ? null : BigInt(f.invoice.dueSats) };
        const payments = f.payments.map((p) => ({ ...p, sats: BigInt(p.sats) }));
        const a = evaluate(inv, payments, f.tipHeight, f.now, f.policy);
        const b = evaluate({ ...inv, status: a.status, exception: a.exception, paidAt: a.paidAt, confirmedAt: a.confirmedAt, expiredAt: a.expiredAt }, payments, f.tipHeight, f.now, f.policy);
        expect([b.status, b.exception, b.events], f.description).to.deep.equal([a.status, a.exception, []]);
      }
    });
  });

  it('paymentState uses a one-satoshi tolerance', () => {
    expect(paymentState(0n, 100n)).to.equal('unpaid');
    expect(paymentState(98n, 100n)).to.equal('partial');
    expect(paymentState(99n, 100n)).to.equal('exact');
    expect(paymentState(101n, 100n)).to.equal('exact');
    expect(paymentState(102n, 100n)).to.equal('overpaid');
  });
});
