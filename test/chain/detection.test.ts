import { expect } from 'chai';
import { describeEachNode } from '../../regtest/find-nodes.js';
import type { TestTill } from '../helpers/till.js';
import { btc, btcInvoice, events, invoice, statusOf, tillOn, waitFor } from './helpers.js';

describeEachNode('payment detection', [], (node, kind) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('exact payment: paid in the mempool, confirmed in a block, to the satoshi', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 123_456n);
    const txid = await node().pay(inv.address, 123_456n);
    const paid = await statusOf(t, inv.ref, 'paid');
    expect(paid).to.include({ amount_paid: '0.00123456', amount_due: '0', btc_paid: '0.00123456', exception: null });
    expect(paid.payments).to.have.length(1);
    expect(paid.payments[0]).to.include({ txid, amount: '0.00123456', confirmations: 0, status: 'mempool', block_height: null });

    await node().mine(1);
    const confirmed = await statusOf(t, inv.ref, 'confirmed');
    expect(confirmed.payments[0]).to.include({ txid, status: 'confirmed', confirmations: 1, block_height: await node().tipHeight() });
    const types = await events(t, paid.id);
    expect(types).to.deep.equal(['invoice.created', 'payment.received', 'invoice.paid', 'payment.confirmed', 'invoice.confirmed']);
  });

  it('partial then complete, and overpaid', async () => {
    t = await tillOn(node());
    const a = await btcInvoice(t, 100_000n);
    await node().pay(a.address, 40_000n);
    const partial = await statusOf(t, a.ref, 'partial');
    expect(partial).to.include({ btc_paid: '0.00040000', amount_paid: '0.00040000', amount_due: '0.00060000', exception: 'paid_partial' });
    await node().pay(a.address, 60_000n);
    const paid = await statusOf(t, a.ref, 'paid');
    expect(paid).to.include({ btc_paid: '0.00100000', amount_due: '0', exception: null });
    expect(paid.payments.map((p: any) => p.amount).sort()).to.deep.equal(['0.00040000', '0.00060000']);

    const b = await btcInvoice(t, 50_000n);
    await node().pay(b.address, 50_002n);
    const over = await statusOf(t, b.ref, 'paid');
    expect(over).to.include({ exception: 'paid_over', btc_paid: '0.00050002' });
  });

  it('one transaction paying two invoices credits each its own output', async () => {
    t = await tillOn(node());
    const a = await btcInvoice(t, 70_000n);
    const b = await btcInvoice(t, 30_000n);
    const txid = await node().payMany([{ address: a.address, sats: 70_000n }, { address: b.address, sats: 29_000n }]);
    const ia = await statusOf(t, a.ref, 'paid');
    const ib = await statusOf(t, b.ref, 'partial');
    expect(ia.payments[0]).to.include({ txid, amount: '0.00070000' });
    expect(ib.payments[0]).to.include({ txid, amount: '0.00029000' });
    expect(ia.payments[0].vout).to.not.equal(ib.payments[0].vout);
    expect(await t.count('payments')).to.equal(2);
  });

  it('counts confirmations to the required depth', async () => {
    t = await tillOn(node(), { TILL_CONFIRMATIONS: '3' });
    const inv = await btcInvoice(t, 10_000n);
    await node().pay(inv.address, 10_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().mine(2);
    const two = await statusOf(t, inv.ref, 'paid', (i) => i.payments[0].confirmations === 2);
    expect(two.status).to.equal('paid');
    await node().mine(1);
    const done = await statusOf(t, inv.ref, 'confirmed');
    expect(done.payments[0].confirmations).to.equal(3);
  });

  it('a second payment after confirmation is recorded and reported, never lost', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 20_000n);
    await node().pay(inv.address, 20_000n);
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
    await node().pay(inv.address, 5_000n);
    const after = await statusOf(t, inv.ref, 'confirmed', (i) => i.payments.length === 2);
    expect(after).to.include({ exception: 'paid_over', btc_paid: btc(25_000n) });
    const types = await events(t, after.id);
    expect(types.filter((e) => e === 'payment.received')).to.have.length(2);
  });

  it('expiry, grace and underpaid; money after expiry is paid_late', async () => {
    t = await tillOn(node());
    const empty = await btcInvoice(t, 10_000n);
    const part = await btcInvoice(t, 10_000n);
    await node().pay(part.address, 4_000n);
    await statusOf(t, part.ref, 'partial');
    t.clock.advance(16 * 60_000);
    await t.till.services.invoices.expireDue();
    expect((await invoice(t, empty.ref)).status).to.equal('expired');
    expect((await invoice(t, part.ref)).status).to.equal('partial');
    t.clock.advance(60 * 60_000);
    await t.till.services.invoices.expireDue();
    const under = await invoice(t, part.ref);
    expect(under).to.include({ status: 'expired', exception: 'paid_partial', btc_paid: btc(4_000n) });

    // Only Till's clock jumped; the node's did not. In life both move together: let Till
    // read the mempool once on its new clock, so a payment found after it counts from then.
    await t.till.services.watcher.resyncMempool();
    await node().pay(empty.address, 10_000n);
    const late = await statusOf(t, empty.ref, 'expired', (i) => i.exception === 'paid_late');
    expect(late.btc_paid).to.equal(btc(10_000n));
    const types = await events(t, late.id);
    expect(types).to.include('payment.received');
    expect(types.filter((e) => e === 'invoice.paid')).to.have.length(0);
  });

  it('the late-payment policy accepts a full payment soon after expiry', async () => {
    t = await tillOn(node(), { TILL_LATE_PAYMENT_MINUTES: '30' });
    const inv = await btcInvoice(t, 15_000n);
    t.clock.advance(20 * 60_000);
    await t.till.services.invoices.expireDue();
    expect((await invoice(t, inv.ref)).status).to.equal('expired');
    // Only Till's clock jumped; the node's did not. In life both move together: let Till
    // read the mempool once on its new clock, so a payment found after it counts from then.
    await t.till.services.watcher.resyncMempool();
    await node().pay(inv.address, 15_000n);
    const paid = await statusOf(t, inv.ref, 'paid');
    expect(paid.exception).to.equal('paid_late');
  });

  it('the same tx seen in the mempool, in a block and through a reorg is one payment row', async function () {
    if (kind === 'litecoind') this.timeout(60_000);
    t = await tillOn(node());
    const inv = await btcInvoice(t, 33_000n);
    const txid = await node().pay(inv.address, 33_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
    await node().reorg(1);
    const again = await statusOf(t, inv.ref, 'confirmed', (i) => i.payments[0].block_height === null || i.payments[0].confirmations >= 1);
    expect(again.payments).to.have.length(1);
    expect(again.payments[0].txid).to.equal(txid);
    expect(await t.count('payments')).to.equal(1);
  });

  for (const depth of [1, 3]) {
    it(`${depth}-block reorg: confirmed goes back to the mempool, then confirms again`, async () => {
      t = await tillOn(node());
      const inv = await btcInvoice(t, 44_000n);
      const txid = await node().pay(inv.address, 44_000n);
      await node().mine(1);
      if (depth > 1) await node().mine(depth - 1);
      await statusOf(t, inv.ref, 'confirmed', (i) => i.payments[0].confirmations === depth);
      // The new branch leaves the payment out: it is back in the mempool.
      await node().reorg(depth, { dropTxs: [txid] });
      const back = await statusOf(t, inv.ref, 'paid');
      expect(back.payments[0]).to.include({ status: 'mempool', confirmations: 0, block_height: null });
      expect(back.payments).to.have.length(1);
      await node().mine(1);
      const re = await statusOf(t, inv.ref, 'confirmed');
      expect(re.payments[0].status).to.equal('confirmed');
      expect(re.btc_paid).to.equal(btc(44_000n));
      expect(await t.count('payments')).to.equal(1);
    });
  }

  it('3-block reorg that takes the payment out for good: reorged, and the invoice waits again', async function () {
    if (!node().caps.evict) this.skip();
    t = await tillOn(node());
    const inv = await btcInvoice(t, 55_000n);
    const txid = await node().pay(inv.address, 55_000n);
    await node().mine(3);
    await statusOf(t, inv.ref, 'confirmed');
    await node().reorg(3, { dropTxs: [txid], evict: true });
    const gone = await statusOf(t, inv.ref, 'pending');
    expect(gone.payments[0]).to.include({ status: 'reorged', txid });
    expect(gone.btc_paid).to.equal('0.00000000');
  });
});

describeEachNode('payment detection: replacement', ['rbf'], (node) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('an RBF replacement that no longer pays turns the payment replaced', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 66_000n);
    const txid = await node().pay(inv.address, 66_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().replace(txid, { outputs: [] });
    const back = await statusOf(t, inv.ref, 'pending');
    expect(back.payments[0]).to.include({ txid, status: 'replaced' });
    expect(back.btc_paid).to.equal('0.00000000');
  });

  it('a fee bump that still pays keeps the invoice paid, with both rows kept', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 77_000n);
    const txid = await node().pay(inv.address, 77_000n);
    await statusOf(t, inv.ref, 'paid');
    const bumped = await node().replace(txid);
    const after = await statusOf(t, inv.ref, 'paid', (i) => i.payments.length === 2 && i.payments.some((p: any) => p.status === 'replaced'));
    expect(after.btc_paid).to.equal(btc(77_000n));
    expect(after.payments.find((p: any) => p.txid === bumped).status).to.equal('mempool');
  });
});

describeEachNode('payment detection: lost messages and restarts', ['restart'], (node, kind) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('finds payments and blocks that happened while ZMQ messages were lost', async function () {
    if (!node().caps.dropZmq) this.skip();
    t = await tillOn(node(), { TILL_SAFETY_POLL_MS: '60000', TILL_MEMPOOL_RESYNC_SECONDS: '3600' });
    // Sequence numbers reveal a loss only once one message has arrived on the topic.
    const warm = await btcInvoice(t, 2_000n);
    await node().pay(warm.address, 2_000n);
    await statusOf(t, warm.ref, 'paid');
    const inv = await btcInvoice(t, 12_000n);
    node().dropZmq('rawtx', 1);
    await node().pay(inv.address, 12_000n);
    // The next message reveals the gap; the catch-up finds the payment over RPC.
    const other = await btcInvoice(t, 1_000n);
    await node().pay(other.address, 1_000n);
    await statusOf(t, inv.ref, 'paid');
    node().dropZmq('rawblock', 1);
    node().dropZmq('hashblock', 1);
    node().dropZmq('sequence', 1);
    await node().mine(1);
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
  });

  it('keeps going across a node restart', async function () {
    this.timeout(kind === 'sim' ? 20_000 : 90_000);
    t = await tillOn(node());
    const inv = await btcInvoice(t, 9_000n);
    await node().restart();
    await node().pay(inv.address, 9_000n);
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
  });

  it('works with ZMQ off: polling only', async () => {
    t = await tillOn(node(), { TILL_ZMQ_MODE: 'off' });
    expect((await t.till.health()).mode).to.equal('polling');
    const inv = await btcInvoice(t, 8_000n);
    await node().pay(inv.address, 8_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
  });

  it('reports itself on /health', async () => {
    t = await tillOn(node());
    const h = await t.request('GET', '/health', { key: null });
    expect(h.status).to.equal(200);
    expect(h.body).to.include({ ok: true, blocks_behind: 0 });
    expect(h.body.node).to.include({ reachable: true, chain: 'regtest' });
    expect(h.body.tip.height).to.equal(await node().tipHeight());
    expect(h.body.mode).to.equal(node().caps.zmq ? 'zmq' : 'polling');
    // Each topic says what it received and how much of it could not be handled.
    if (node().caps.zmq) expect(h.body.zmq.rawtx).to.include({ connected: true, gaps: 0, handler_errors: 0 });
    expect(JSON.stringify(h.body)).to.not.contain(node().rpc.password);
    await waitFor(async () => (await t.till.health()).tip?.height === (await node().tipHeight()), 'tip');
  });
});
