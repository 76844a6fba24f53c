/**
 * Units of mempool sightings run side by side in one SQLite commit (GroupCommit's
 * concurrent units): what they write must still be what they would have written one
 * after another. On PostgreSQL the chain lock runs them one after another; the outcomes
 * asserted here hold on both engines.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { ChainChanges } from '../../src/chain/ports.js';
import { updatePayment } from '../../src/db/payments.js';
import { payableInvoice, startTill, type TestTill } from '../helpers/till.js';

const rnd = () => randomBytes(32).toString('hex');

describe('mempool sightings side by side', function () {
  this.timeout(30_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  /**
   * Applies `changes` as separate units queued while the writer is held, so that on
   * SQLite they make up one batch; says whether they shared one commit.
   */
  async function sideBySide(...changes: ChainChanges[]): Promise<{ together: boolean; replayed: boolean }> {
    const before = t.till.db.commitStats();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held = t.till.db.tx(() => gate);
    const applied = changes.map((c) => t.till.services.payments.apply(c));
    open();
    await held;
    await Promise.all(applied);
    const after = t.till.db.commitStats();
    return { together: after.commits - before.commits === 2 && after.units - before.units === changes.length + 1, replayed: after.replayed > before.replayed };
  }

  const payment = async (txid: string) => t.till.db.read('payments').where({ txid }).first();
  const invoiceRow = async (ref: string) => t.till.db.read('invoices').where({ ref }).first();
  const eventsOf = async (type: string) =>
    ((await t.till.db.read('outbox').where({ type }).orderBy('id').select('payload')) as { payload: string }[]).map((r) => JSON.parse(r.payload));

  it('two replacements of one payment, each spending a different input of it, retire it once and tell of it once', async () => {
    t = await startTill();
    await t.setWallet();
    const [a, b, c] = [await payableInvoice(t), await payableInvoice(t), await payableInvoice(t)];
    const [x, y] = [`${rnd()}:0`, `${rnd()}:1`];
    const old = rnd();
    await t.till.services.payments.apply({ seen: [{ txid: old, vout: 0, sats: 100_000n, addressId: a.addressId, spends: [x, y] }] });
    expect((await invoiceRow(a.ref)).status).to.equal('paid');

    const [t1, t2] = [rnd(), rnd()];
    const run = await sideBySide(
      { seen: [{ txid: t1, vout: 0, sats: 100_000n, addressId: b.addressId, spends: [x] }] },
      { seen: [{ txid: t2, vout: 0, sats: 100_000n, addressId: c.addressId, spends: [y] }] },
    );
    if (t.till.db.engine === 'sqlite') expect(run.together, 'the two units shared one commit').to.equal(true);

    expect((await payment(old)).status).to.equal('replaced');
    expect((await payment(t1)).status).to.equal('mempool');
    expect((await payment(t2)).status).to.equal('mempool');
    const reverted = await eventsOf('payment.reverted');
    expect(reverted.map((e) => e.payment.txid)).to.deep.equal([old]);
    expect(reverted[0].reason).to.equal('replaced');
    const ia = await invoiceRow(a.ref);
    expect([ia.status, Number(ia.paid_sats)]).to.deep.equal(['pending', 0]);
    for (const ref of [b.ref, c.ref]) expect((await invoiceRow(ref)).status).to.equal('paid');
  });

  it('two payments to one invoice from two units count both, and the later event tells of both', async () => {
    t = await startTill();
    await t.setWallet();
    const a = await payableInvoice(t); // 0.001 BTC
    const [p1, p2] = [rnd(), rnd()];
    const run = await sideBySide(
      { seen: [{ txid: p1, vout: 0, sats: 40_000n, addressId: a.addressId, spends: [`${rnd()}:0`] }] },
      { seen: [{ txid: p2, vout: 3, sats: 60_000n, addressId: a.addressId, spends: [`${rnd()}:0`] }] },
    );
    if (t.till.db.engine === 'sqlite') {
      expect(run.together, 'the two units shared one commit').to.equal(true);
      // Both read the invoice before either wrote it: one lost its compare-and-set.
      expect(run.replayed, 'the batch was replayed').to.equal(true);
    }
    const ia = await invoiceRow(a.ref);
    expect([ia.status, Number(ia.paid_sats)]).to.deep.equal(['paid', 100_000]);
    const received = await eventsOf('payment.received');
    expect(received.map((e) => e.payment.txid)).to.deep.equal([p1, p2]);
    expect(received.map((e) => e.invoice.paidSats)).to.deep.equal(['40000', '100000']);
    expect(received.map((e) => e.invoice.version)).to.deep.equal([received[0].invoice.version, received[0].invoice.version + 1]);
  });

  it('a payment is moved on only from the status it was read with', async () => {
    t = await startTill();
    await t.setWallet();
    const a = await payableInvoice(t);
    const txid = rnd();
    await t.till.services.payments.apply({ seen: [{ txid, vout: 0, sats: 100_000n, addressId: a.addressId }] });
    const row = await payment(txid);
    const id = Number(row.id);
    const to = (status: 'replaced' | 'mempool') => ({ status, blockHash: null, blockHeight: null, confirmedAt: null, now: 1 });
    expect(await t.till.db.tx((trx) => updatePayment(trx, { id, status: 'mempool' }, to('replaced')))).to.equal(true);
    // A second unit that read it while it stood finds it moved, and writes nothing.
    expect(await t.till.db.tx((trx) => updatePayment(trx, { id, status: 'mempool' }, to('mempool')))).to.equal(false);
    expect((await payment(txid)).status).to.equal('replaced');
  });
});
