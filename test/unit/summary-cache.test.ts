import { expect } from 'chai';
import { SummaryCache } from '../../src/invoicing/summary-cache.js';
import type { InvoiceSummary } from '../../src/db/invoices.js';

const summary = (id: number, status: InvoiceSummary['status']): InvoiceSummary => ({
  id, number: `INV-000${id}`, status, exception: null, currency: 'USD', total: 22000n, rate: null, dueSats: null, paidSats: 0n, markedPaidAt: null,
});

describe('SummaryCache', () => {
  it('serves what was put and forgets every alias of an invoice that changed', () => {
    const c = new SummaryCache();
    c.put({ by: 'id', value: 1 }, summary(1, 'draft'), c.stamp());
    c.put({ by: 'seq', value: 1 }, summary(1, 'draft'), c.stamp());
    expect(c.get({ by: 'id', value: 1 })?.status).to.equal('draft');
    c.invalidate(1);
    expect(c.get({ by: 'id', value: 1 })).to.equal(undefined);
    expect(c.get({ by: 'seq', value: 1 })).to.equal(undefined);
  });

  it('does not keep a row read before a change that committed while it was read', () => {
    const c = new SummaryCache();
    const stamp = c.stamp();
    c.invalidate(1);
    c.put({ by: 'id', value: 1 }, summary(1, 'draft'), stamp);
    expect(c.get({ by: 'id', value: 1 })).to.equal(undefined);
    c.put({ by: 'id', value: 1 }, summary(1, 'pending'), c.stamp());
    expect(c.get({ by: 'id', value: 1 })?.status).to.equal('pending');
    // Another invoice's change does not block this one.
    const s2 = c.stamp();
    c.invalidate(2);
    c.put({ by: 'id', value: 3 }, summary(3, 'draft'), s2);
    expect(c.get({ by: 'id', value: 3 })?.status).to.equal('draft');
  });

  it('stays safe when it forgets old generations', () => {
    const c = new SummaryCache(2);
    const early = c.stamp();
    c.invalidate(1);
    c.invalidate(2);
    c.invalidate(3);
    c.put({ by: 'id', value: 1 }, summary(1, 'draft'), early);
    expect(c.get({ by: 'id', value: 1 })).to.equal(undefined);
  });
});
