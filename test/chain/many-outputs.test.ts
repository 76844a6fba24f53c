/**
 * One block paying one invoice thousands of times (dust to a public invoice address): its
 * events must not make a statement past the engine's limit on parameters, and a statement
 * the engine refuses must fail its unit, never the process.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { rowsOf } from '../../src/db/fast.js';
import { payableInvoice, startTill, type TestTill } from '../helpers/till.js';

const rnd = () => randomBytes(32).toString('hex');

describe('a block paying one invoice thousands of times', function () {
  this.timeout(120_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('records every output and its events (more than one statement of either engine could hold)', async () => {
    t = await startTill();
    await t.setWallet();
    const { ref, addressId } = await payableInvoice(t);
    // 2 events an output (received, confirmed): 13,400 rows of 5 parameters, past
    // PostgreSQL's 65,535 in one statement and SQLite's 32,766.
    const N = 6700;
    const txid = rnd();
    const outputs = Array.from({ length: N }, (_, vout) => ({ txid, vout, sats: 1_000n, addressId, spends: [`${rnd()}:0`] }));
    await t.till.services.payments.apply({ connected: [{ hash: rnd(), height: 1, prevHash: rnd(), outputs }] });
    expect(await t.count('payments')).to.equal(N);
    const events = (await t.till.db.read('outbox').where({ invoice_id: (await t.till.db.read('invoices').where({ ref }).first()).id }).orderBy('id').select('type')) as { type: string }[];
    const types = events.map((e) => e.type);
    expect(types.filter((x) => x === 'payment.received')).to.have.length(N);
    expect(types.filter((x) => x === 'payment.confirmed')).to.have.length(N);
    // In order: each payment's events before what they did to the invoice.
    expect(types.indexOf('invoice.confirmed')).to.be.greaterThan(types.lastIndexOf('payment.confirmed'));
    expect((await t.request('GET', `/api/v1/invoices/${ref}`)).body.status).to.equal('confirmed');
  });

  it('a statement the engine refuses to prepare fails its unit of work, and Till goes on', async () => {
    t = await startTill();
    const marks = Array.from({ length: 70_000 }, () => '?').join(', ');
    let err: Error | null = null;
    try {
      await t.till.db.tx((trx) => rowsOf(trx, `SELECT 1 WHERE 1 IN (${marks})`, Array.from({ length: 70_000 }, () => 1)));
    } catch (e) {
      err = e as Error;
    }
    expect(err, 'refused').to.not.equal(null);
    // The same, outside a write transaction (a reader's pooled connection).
    err = null;
    try {
      await rowsOf(t.till.db.read, `SELECT 1 WHERE 1 IN (${marks})`, Array.from({ length: 70_000 }, () => 1));
    } catch (e) {
      err = e as Error;
    }
    expect(err, 'refused on a reader').to.not.equal(null);
    const h = await t.request('GET', '/health');
    expect(h.status).to.be.oneOf([200, 503]);
    expect(h.body.database.reachable).to.equal(true);
    const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] } });
    expect(c.status, c.text).to.equal(201);
  });
});
