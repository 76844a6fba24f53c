/**
 * Money that moved while Till looked away, addresses handed back by a cancel, and every
 * downgrade of an invoice told to the merchant: on each regtest node that can do it.
 */
import { expect } from 'chai';
import { describeEachNode } from '../../regtest/find-nodes.js';
import type { TestTill } from '../helpers/till.js';
import { receiver, subscribe } from '../notify/helpers.js';
import { btc, btcInvoice, events, invoice, outbox, restartTill, statusOf, tillOn, waitFor } from './helpers.js';

describeEachNode('money core: time, addresses, downgrades', [], (node, kind) => {
  let t: TestTill;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const c of closers.splice(0)) await c();
  });

  it('paid and mined while Till was stopped, found after the deadline: confirmed, not late', async function () {
    this.timeout(60_000);
    t = await tillOn(node());
    const inv = await btcInvoice(t, 41_000n);
    t = await restartTill(node(), t, async () => {
      await node().pay(inv.address, 41_000n);
      await node().mine(1);
      t.clock.advance(30 * 60_000);
    });
    const done = await statusOf(t, inv.ref, 'confirmed');
    expect(done).to.include({ exception: null, btc_paid: btc(41_000n) });
    expect(await events(t, done.id)).to.not.include('invoice.expired');
  });

  it('broadcast while Till was stopped, found in the mempool after the deadline: paid, not late', async function () {
    this.timeout(60_000);
    t = await tillOn(node());
    const inv = await btcInvoice(t, 42_000n);
    t = await restartTill(node(), t, async () => {
      await node().pay(inv.address, 42_000n);
      t.clock.advance(30 * 60_000);
    });
    const paid = await statusOf(t, inv.ref, 'paid');
    expect(paid).to.include({ exception: null });
    await node().mine(1);
  });

  it('cancel keeps the address out of the pool: money from the old QR stays with the cancelled invoice', async () => {
    t = await tillOn(node());
    const a = await btcInvoice(t, 30_000n);
    const del = await t.request('DELETE', `/api/v1/invoices/${a.ref}`);
    expect(del.status, del.text).to.equal(200);
    const b = await btcInvoice(t, 30_000n);
    expect(b.address).to.not.equal(a.address);
    await node().pay(a.address, 30_000n);
    const late = await statusOf(t, a.ref, 'cancelled', (i) => i.exception === 'paid_late');
    expect(late.btc_paid).to.equal(btc(30_000n));
    expect(await events(t, late.id)).to.include('payment.received');
    const other = await invoice(t, b.ref);
    expect(other).to.include({ status: 'pending', btc_paid: btc(0n) });
    expect(other.payments).to.have.length(0);
    await node().mine(1);
  });

  it('a block taken away with nothing in its place is undone; reconsidered, it confirms again', async function () {
    this.timeout(60_000);
    const hook = await receiver();
    closers.push(hook.close);
    t = await tillOn(node(), { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }, { notify: true });
    await subscribe(t, hook.url, ['*']);
    const inv = await btcInvoice(t, 43_000n);
    await node().pay(inv.address, 43_000n);
    const [hash] = await node().mine(1);
    const first = await statusOf(t, inv.ref, 'confirmed');
    await node().invalidateBlock(hash!);
    const back = await statusOf(t, inv.ref, 'paid', (i) => i.payments[0].status === 'mempool');
    expect(back.payments[0]).to.include({ confirmations: 0, block_height: null });
    const health = await t.till.health();
    expect(health.tip?.hash).to.equal(await node().bestBlockHash());
    const list = await outbox(t, first.id);
    const reverted = list.filter((e) => e.type === 'payment.reverted');
    expect(reverted).to.have.length(1);
    expect(reverted[0]!.payload.reason).to.equal('reorged');
    const delivered = await waitFor(
      () => hook.got.find((g) => g.headers['x-btpay-event'] === 'payment.reverted'),
      'the payment.reverted webhook',
    );
    expect(JSON.parse(delivered.body).data).to.deep.include({ ref: inv.ref, status: 'paid' });
    expect(JSON.parse(delivered.body).data.payment).to.include({ reason: 'reorged', status: 'mempool' });

    await node().reconsiderBlock(hash!);
    await statusOf(t, inv.ref, 'confirmed');
    const types = await events(t, first.id);
    expect(types.filter((e) => e === 'invoice.confirmed')).to.have.length(2);
    expect(types.filter((e) => e === 'invoice.paid')).to.have.length(2);
    await waitFor(
      () => hook.got.filter((g) => g.headers['x-btpay-event'] === 'invoice.confirmed').length === 2,
      'a second invoice.confirmed webhook',
    );
    if (kind === 'litecoind') await node().mine(1);
  });

  it('a reorg above a confirmed payment takes its confirmations back', async function () {
    this.timeout(60_000);
    t = await tillOn(node(), { TILL_CONFIRMATIONS: '3' });
    const inv = await btcInvoice(t, 44_000n);
    await node().pay(inv.address, 44_000n);
    const [, second] = await node().mine(3);
    const done = await statusOf(t, inv.ref, 'confirmed');
    await node().invalidateBlock(second!);
    const back = await statusOf(t, inv.ref, 'paid');
    expect(back.payments[0]).to.include({ confirmations: 1, status: 'confirmed' });
    expect((await events(t, done.id)).filter((e) => e === 'invoice.paid')).to.have.length(2);
    await node().reconsiderBlock(second!);
    await statusOf(t, inv.ref, 'confirmed');
  });
});

describeEachNode('money core: replacement', ['rbf'], (node) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('a replacement that stops paying raises payment.reverted (replaced); a fee bump is one standing payment', async () => {
    t = await tillOn(node());
    const a = await btcInvoice(t, 25_000n);
    const txid = await node().pay(a.address, 25_000n);
    const paid = await statusOf(t, a.ref, 'paid');
    await node().replace(txid, { outputs: [] });
    await statusOf(t, a.ref, 'pending', (i) => i.payments[0]?.status === 'replaced');
    const list = await outbox(t, paid.id);
    const reverted = list.filter((e) => e.type === 'payment.reverted');
    expect(reverted).to.have.length(1);
    expect(reverted[0]!.payload).to.deep.include({ reason: 'replaced' });
    expect(reverted[0]!.payload.payment.txid).to.equal(txid);

    const b = await btcInvoice(t, 26_000n);
    const first = await node().pay(b.address, 26_000n);
    await statusOf(t, b.ref, 'paid');
    const bumped = await node().replace(first);
    const after = await statusOf(t, b.ref, 'paid', (i) => i.payments.length === 2 && i.payments.some((p: any) => p.status === 'replaced'));
    expect(after.btc_paid).to.equal(btc(26_000n));
    const standing = after.payments.filter((p: any) => p.status === 'mempool' || p.status === 'confirmed');
    expect(standing.map((p: any) => p.txid)).to.deep.equal([bumped]);
    await node().mine(1);
    const confirmed = await statusOf(t, b.ref, 'confirmed');
    expect(confirmed.btc_paid).to.equal(btc(26_000n));
  });

  it('a fee bump of half the price is never counted twice, not even for a moment', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 100_000n);
    const first = await node().pay(inv.address, 50_000n);
    const partial = await statusOf(t, inv.ref, 'partial');
    const bumped = await node().replace(first);
    await statusOf(t, inv.ref, 'partial', (i) => i.payments.some((p: any) => p.txid === bumped && p.status === 'mempool'));
    await node().mine(1);
    await statusOf(t, inv.ref, 'partial', (i) => i.payments.some((p: any) => p.txid === bumped && p.status === 'confirmed'));
    const list = await outbox(t, partial.id);
    expect(list.map((e) => e.type)).to.not.include('invoice.paid');
    // What every event carried: never more than the 50,000 sats that were paid.
    for (const e of list) expect(BigInt(e.payload.invoice.paidSats) <= 50_000n, `${e.type} paid ${e.payload.invoice.paidSats}`).to.equal(true);
  });

  it('new money after the first payment was double-spent away is judged by its own time', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 27_000n);
    const first = await node().pay(inv.address, 27_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().replace(first, { outputs: [] });
    await statusOf(t, inv.ref, 'pending', (i) => i.payments[0]?.status === 'replaced');
    t.clock.advance(3 * 24 * 3600_000);
    await t.till.services.invoices.expireDue();
    await statusOf(t, inv.ref, 'expired');
    await t.till.services.watcher.resyncMempool();
    await node().pay(inv.address, 27_000n);
    const late = await statusOf(t, inv.ref, 'expired', (i) => i.exception === 'paid_late');
    expect(late.btc_paid).to.equal(btc(27_000n));
    await node().mine(1);
  });
});
