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
   * SQLite they make up one batch. Says how that batch went: its units committed side
   * by side, or collided and were replayed one after another.
   */
  async function sideBySide(...changes: ChainChanges[]): Promise<'together' | 'replayed' | 'other'> {
    const before = t.till.db.commitStats();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held = t.till.db.tx(() => gate);
    const applied = changes.map((c) => t.till.services.payments.apply(c));
    open();
    await held;
    await Promise.all(applied);
    const after = t.till.db.commitStats();
    const oneBatch = after.commits - before.commits === 2 && after.units - before.units === changes.length + 1;
    if (oneBatch && after.together - before.together === 1) return 'together';
    if (oneBatch && after.replayed - before.replayed === 1) return 'replayed';
    return 'other';
  }
  const sqlite = () => t.till.db.engine === 'sqlite';

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
    // Both would retire it: they collide on it and run again one after the other.
    if (sqlite()) expect(run).to.equal('replayed');

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
    if (sqlite()) expect(run).to.equal('replayed');
    const ia = await invoiceRow(a.ref);
    expect([ia.status, Number(ia.paid_sats)]).to.deep.equal(['paid', 100_000]);
    // In the order they were recorded (on PostgreSQL, whichever took the chain lock first).
    const received = await eventsOf('payment.received');
    const first = received[0].payment.txid === p1 ? 40_000 : 60_000;
    expect(received.map((e) => e.payment.txid).sort()).to.deep.equal([p1, p2].sort());
    expect(received.map((e) => e.invoice.paidSats)).to.deep.equal([String(first), '100000']);
    expect(received.map((e) => e.invoice.version)).to.deep.equal([received[0].invoice.version, received[0].invoice.version + 1]);
  });

  it('sightings of unrelated payments commit side by side, each counted once', async () => {
    t = await startTill();
    await t.setWallet();
    const invoices = [await payableInvoice(t), await payableInvoice(t), await payableInvoice(t)];
    const txids = invoices.map(() => rnd());
    const run = await sideBySide(...invoices.map((inv, i) => ({ seen: [{ txid: txids[i]!, vout: 0, sats: 100_000n, addressId: inv.addressId, spends: [`${rnd()}:0`] }] })));
    if (sqlite()) expect(run).to.equal('together');
    for (const inv of invoices) expect((await invoiceRow(inv.ref)).status).to.equal('paid');
    expect((await eventsOf('payment.received')).map((e) => e.payment.txid).sort()).to.deep.equal([...txids].sort());
  });

  it('a transaction and its double spend, seen by two units, never both stand', async () => {
    t = await startTill();
    await t.setWallet();
    const [a, b] = [await payableInvoice(t), await payableInvoice(t)];
    const x = `${rnd()}:0`;
    const [t1, t2] = [rnd(), rnd()];
    // The mempool re-read's unit (t1, found after a lost message) beside the unit for the
    // rawtx of its double spend t2: not grouped together, they share only the outpoint.
    const run = await sideBySide(
      { seen: [{ txid: t1, vout: 0, sats: 100_000n, addressId: a.addressId, spends: [x], inMempool: true }] },
      { seen: [{ txid: t2, vout: 0, sats: 100_000n, addressId: b.addressId, spends: [x] }] },
    );
    if (sqlite()) expect(run).to.equal('replayed');
    // One after the other: the later one retires the earlier.
    expect([(await payment(t1)).status, (await payment(t2)).status].sort()).to.deep.equal(['mempool', 'replaced']);
    expect([(await invoiceRow(a.ref)).status, (await invoiceRow(b.ref)).status].sort()).to.deep.equal(['paid', 'pending']);
  });

  it('an invoice\'s events match one order of two units that both touch it, though no sighting is shared', async () => {
    t = await startTill();
    await t.setWallet();
    const [a, b, c] = [await payableInvoice(t), await payableInvoice(t), await payableInvoice(t)];
    const x = `${rnd()}:0`;
    const old = rnd();
    await t.till.services.payments.apply({ seen: [{ txid: old, vout: 0, sats: 100_000n, addressId: a.addressId, spends: [x] }] });
    // One unit replaces old (paying b instead); the other pays a part of a, and c twice.
    const [t1, t2] = [rnd(), rnd()];
    const run = await sideBySide(
      { seen: [{ txid: t1, vout: 0, sats: 100_000n, addressId: b.addressId, spends: [x] }] },
      { seen: [0, 1, 2].map((vout) => ({ txid: t2, vout, sats: vout === 0 ? 30_000n : 1_000n, addressId: vout === 0 ? a.addressId : c.addressId, spends: [`${rnd()}:0`] })) },
    );
    if (sqlite()) expect(run).to.equal('replayed');
    const ia = await invoiceRow(a.ref);
    const told = ((await t.till.db.read('outbox').where({ invoice_id: ia.id }).orderBy('id').select('type', 'payload')) as { type: string; payload: string }[])
      .map((r) => ({ type: r.type, payload: JSON.parse(r.payload) }))
      .filter((e) => e.type === 'payment.reverted' || e.payload.payment?.txid === t2);
    const said = told.map((e) => `${e.type} ${e.payload.invoice.paidSats}`);
    // Replaced first, then paid in part; or paid in part, then the replacement.
    expect(JSON.stringify(said)).to.be.oneOf([
      JSON.stringify(['payment.reverted 0', 'payment.received 30000']),
      JSON.stringify(['payment.received 130000', 'payment.reverted 30000']),
    ]);
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
