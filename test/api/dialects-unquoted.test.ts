/**
 * Invoices never quoted in BTC (a v1 draft, one cancelled as a draft, a wire invoice
 * marked paid) have no face in the checkout and BitPay dialects: they print amounts in
 * BTC and an address, which such an invoice does not have.
 */
import { expect } from 'chai';
import { startTill, SEED_INVOICE, type TestTill } from '../helpers/till.js';

describe('the checkout and BitPay dialects show only invoices quoted in BTC', function () {
  this.timeout(20_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('a cancelled draft and a wire invoice marked paid: 404 in both, absent from the checkout list and stats', async () => {
    t = await startTill();
    await t.setWallet();
    const cancelled = (await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })).body;
    await t.request('DELETE', `/api/v1/invoices/${cancelled.ref}`);
    const wire = (await t.request('POST', '/api/v1/invoices', {
      body: { currency: 'USD', payment_methods: ['wire'], lines: [{ description: 'x', quantity: 1, unit_price: '120.00' }] },
    })).body;
    await t.request('POST', `/api/v1/invoices/${wire.ref}/mark-paid`, { body: {} });
    const co = (path: string) => t.request('GET', `/api/checkout${path}`, { key: null, headers: { 'X-Api-Key': t.key } });
    const bp = (path: string) =>
      t.request('GET', path, { key: null, headers: { Authorization: `Basic ${Buffer.from(`${t.key}:`).toString('base64')}` } });
    for (const inv of [cancelled, wire]) {
      const row = await t.till.db.read('invoices').where({ id: inv.id }).first();
      expect((await co(`/invoices/${row.public_id}`)).status, inv.status).to.equal(404);
      expect((await bp(`/invoices/${row.bitpay_id}`)).status, inv.status).to.equal(404);
    }
    const list = await co('/invoices');
    expect(list.status).to.equal(200);
    expect(list.body.total).to.equal(0);
    const stats = await co('/invoices/stats');
    expect(stats.body.total).to.equal(0);
    expect(stats.body.cancelled ?? 0).to.equal(0);
    expect(stats.body.confirmed).to.equal(0);
  });
});
