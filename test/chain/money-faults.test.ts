/**
 * Faults only the simulated node can make on demand: evictions, a node loading its
 * mempool after a restart, initial block download, a failed write, reorgs that take a
 * payment away for good. Each must leave the money where it belongs and say so.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { describeEachNode } from '../../regtest/find-nodes.js';
import type { SimNode } from '../../regtest/sim-node.js';
import { captureLog } from '../helpers/capture-log.js';
import { realClock, startTill, testTpub, type TestTill } from '../helpers/till.js';
import { btc, btcInvoice, events, invoice, nodeEnv, outbox, statusOf, tillOn, waitFor } from './helpers.js';

describeEachNode('money core: faults', [], (getNode) => {
  const node = () => getNode() as SimNode;
  let t: TestTill;
  afterEach(async () => {
    node().setMempoolLoading(false);
    node().setInitialBlockDownload(false);
    await t?.stop();
  });

  it('an evicted payment raises payment.reverted (evicted); sent again, the invoice is paid again', async () => {
    t = await tillOn(node(), { TILL_ZMQ_MODE: 'off' });
    const inv = await btcInvoice(t, 21_000n);
    const txid = await node().pay(inv.address, 21_000n);
    const raw = node().sim.mempool.get(txid)!.rec.raw.toString('hex');
    const paid = await statusOf(t, inv.ref, 'paid');
    await node().evict(txid);
    await statusOf(t, inv.ref, 'pending', (i) => i.payments[0]?.status === 'replaced');
    const reverted = (await outbox(t, paid.id)).filter((e) => e.type === 'payment.reverted');
    expect(reverted.map((e) => e.payload.reason)).to.deep.equal(['evicted']);

    await node().sendRawTransaction(raw);
    const again = await statusOf(t, inv.ref, 'paid', (i) => i.payments[0]?.status === 'mempool');
    expect(again.btc_paid).to.equal(btc(21_000n));
    const types = await events(t, paid.id);
    expect(types.filter((e) => e === 'invoice.paid')).to.have.length(2);
    await node().mine(1);
  });

  it('a reorg that takes the payment away for good: payment.reverted (reorged), then invoice.invalid after the grace', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 22_000n);
    const txid = await node().pay(inv.address, 22_000n);
    await node().mine(1);
    const confirmed = await statusOf(t, inv.ref, 'confirmed');
    await node().reorg(1, { dropTxs: [txid], evict: true });
    await statusOf(t, inv.ref, 'pending', (i) => i.payments[0]?.status === 'reorged');
    t.clock.advance(2 * 3600_000);
    await t.till.services.invoices.expireDue();
    await statusOf(t, inv.ref, 'expired');
    const list = await outbox(t, confirmed.id);
    expect(list.filter((e) => e.type === 'payment.reverted').map((e) => e.payload.reason)).to.deep.equal(['reorged']);
    const types = list.map((e) => e.type);
    expect(types).to.include('invoice.invalid');
    expect(types).to.not.include('invoice.expired');
  });

  it('a failed mempool write is retried by the next mempool re-read, before any block', async () => {
    t = await tillOn(node());
    const { payments } = t.till.services;
    const apply = payments.apply.bind(payments);
    let failures = 0;
    payments.apply = async (c) => {
      if (c.seen && failures === 0) {
        failures++;
        throw new Error('disk I/O error');
      }
      return apply(c);
    };
    const inv = await btcInvoice(t, 23_000n);
    await node().pay(inv.address, 23_000n);
    const paid = await statusOf(t, inv.ref, 'paid');
    expect(failures).to.equal(1);
    expect(paid.payments[0]).to.include({ status: 'mempool' });
    await node().mine(1);
  });

  it('a node loading its mempool after a restart is not taken for an empty one', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 24_000n);
    await node().pay(inv.address, 24_000n);
    await statusOf(t, inv.ref, 'paid');
    node().setMempoolLoading(true);
    await node().restart();
    await waitFor(async () => (await t.till.health()).warnings.some((w) => /loading its mempool/.test(w)), '/health to say the node loads its mempool');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await invoice(t, inv.ref)).payments[0].status).to.equal('mempool');
    node().setMempoolLoading(false);
    await waitFor(async () => !(await t.till.health()).warnings.some((w) => /loading its mempool/.test(w)), 'the warning to go');
    const after = await invoice(t, inv.ref);
    expect(after).to.include({ status: 'paid' });
    await node().mine(1);
  });

  it('deadlines wait while the node loads its mempool: money paid in time is not judged late', async function () {
    this.timeout(30_000);
    t = await tillOn(node());
    const inv = await btcInvoice(t, 28_000n);
    await t.close();
    await node().pay(inv.address, 28_000n);
    node().setMempoolLoading(true);
    await node().restart();
    t.clock.advance(30 * 60_000);
    t = await startTill({ followChain: true, env: nodeEnv(node(), { TILL_EXPIRY_SWEEP_SECONDS: '1' }), clock: t.clock, dir: t.dir });
    await waitFor(async () => (await t.till.health()).warnings.some((w) => /loading its mempool/.test(w)), '/health to say the node loads its mempool');
    // Several sweeps of the expiry loop pass meanwhile.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await invoice(t, inv.ref)).status).to.equal('pending');
    node().setMempoolLoading(false);
    const paid = await statusOf(t, inv.ref, 'paid');
    expect(paid.exception).to.equal(null);
    expect(await events(t, paid.id)).to.not.include('invoice.expired');
    await node().mine(1);
  });

  it('during initial block download nothing is scanned and /health says syncing', async () => {
    // Core leaves IBD once and for good, so the case to get right is a start against a syncing node.
    node().setInitialBlockDownload(true);
    t = await startTill({ followChain: true, env: nodeEnv(node()), clock: realClock() });
    await t.setWallet(testTpub(randomBytes(32)));
    await waitFor(async () => (await t.till.health()).warnings.some((w) => /syncing/.test(w)), '/health to say syncing');
    await node().mine(1);
    await new Promise((r) => setTimeout(r, 800));
    const during = await t.till.health();
    expect(during).to.include({ ok: false, tip: null, syncing: true });
    node().setInitialBlockDownload(false);
    const best = await node().bestBlockHash();
    await waitFor(async () => {
      const h = await t.till.health();
      return h.ok && h.tip?.hash === best && !h.syncing;
    }, 'the tip after IBD');
  });

  it('warns on /health when the node publishes no sequence topic, and logs every payment it marks replaced', async () => {
    const { log, lines } = captureLog('info');
    const env = nodeEnv(node());
    delete env.TILL_ZMQ_SEQUENCE;
    t = await startTill({ followChain: true, env, clock: realClock(), log });
    await t.setWallet(testTpub(randomBytes(32)));
    await waitFor(async () => (await t.till.health()).ok, 'Till to reach the node');
    const h = await t.till.health();
    expect(h.warnings.join(' ')).to.match(/sequence/);

    const inv = await btcInvoice(t, 25_000n);
    const txid = await node().pay(inv.address, 25_000n);
    await statusOf(t, inv.ref, 'paid');
    await node().evict(txid);
    await statusOf(t, inv.ref, 'pending', (i) => i.payments[0]?.status === 'replaced');
    await waitFor(() => lines.some((l) => l.includes(txid) && /replaced|evicted/.test(l)), 'a log line naming the txid');
  });

  it('a reorg back to the mempool re-raises invoice.paid, then invoice.confirmed when mined again', async () => {
    t = await tillOn(node());
    const inv = await btcInvoice(t, 26_000n);
    const txid = await node().pay(inv.address, 26_000n);
    await node().mine(1);
    const c = await statusOf(t, inv.ref, 'confirmed');
    await node().reorg(1, { dropTxs: [txid] });
    await statusOf(t, inv.ref, 'paid', (i) => i.payments[0]?.status === 'mempool');
    await node().mine(1);
    await statusOf(t, inv.ref, 'confirmed');
    const types = await events(t, c.id);
    expect(types.filter((e) => e === 'invoice.paid')).to.have.length(2);
    expect(types.filter((e) => e === 'invoice.confirmed')).to.have.length(2);
    expect(types.filter((e) => e === 'payment.reverted')).to.have.length(1);
  });
}, { kinds: ['sim'] });
