import { expect } from 'chai';
import { coreStatusesFor, statusIn, STATUS_TABLE } from '../../src/api/status-table.js';
import { INVOICE_STATUSES, type InvoiceStatus } from '../../src/domain/invoice.js';
import { fixture } from '../helpers/fixtures.js';

interface Row { description: string; core: InvoiceStatus; v1: string; checkout: string | null; bitpay: string | null }
const table = fixture<{ valid: Row[] }>('api', 'status-table');

describe('API.md status table', () => {
  for (const row of table.valid) {
    it(row.description, () => {
      expect(statusIn('v1', row.core)).to.equal(row.v1);
      expect(statusIn('checkout', row.core)).to.equal(row.checkout);
      expect(statusIn('bitpay', row.core)).to.equal(row.bitpay);
    });
  }

  it('covers every core status, and only those', () => {
    expect(Object.keys(STATUS_TABLE).sort()).to.deep.equal([...INVOICE_STATUSES].sort());
    expect(table.valid.map((r) => r.core).sort()).to.deep.equal([...INVOICE_STATUSES].sort());
  });

  it('turns a filter word back into every core status it stands for', () => {
    expect(coreStatusesFor('v1', 'expired')).to.deep.equal(['expired', 'underpaid', 'invalid']);
    expect(coreStatusesFor('checkout', 'pending')).to.deep.equal(['pending', 'partial']);
    expect(coreStatusesFor('bitpay', 'invalid')).to.deep.equal(['cancelled', 'invalid']);
  });
});
