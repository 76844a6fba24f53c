/**
 * The checkout dialect (seed 003) through real payments on every regtest node: at each
 * step the status poll says what the seed says, in its words and JSON types, and v1
 * reads (and its webhooks tell) the same invoice.
 */
import { expect } from 'chai';
import { describeEachNode } from '../../regtest/find-nodes.js';
import type { TestTill } from '../helpers/till.js';
import { checkoutClient, decodeQr, exact, expectStatusShape, numberText, satsOf } from '../helpers/checkout.js';
import { receiver, subscribe } from '../notify/helpers.js';
import { outbox, tillOn, waitFor } from './helpers.js';

const MIN = 60_000;

interface Made {
  id: string;
  address: string;
  sats: bigint;
  amountBtc: string;
  ref: string;
  rowId: number;
}

async function make(t: TestTill, body: Record<string, unknown>): Promise<Made> {
  const res = await checkoutClient(t)('POST', '/invoices', { body });
  expect(res.status, res.text).to.equal(201);
  const inv = exact(res.text);
  expect(decodeQr(inv.qrCode)).to.equal(`bitcoin:${inv.btcAddress}?amount=${numberText(inv.amountBtc)}`);
  const row = await t.till.db.read('invoices').where({ public_id: inv.id }).first();
  return { id: inv.id, address: inv.btcAddress, sats: satsOf(inv.amountBtc), amountBtc: numberText(inv.amountBtc), ref: row.ref, rowId: row.id };
}

async function poll(t: TestTill, id: string): Promise<any> {
  const res = await checkoutClient(t)('GET', `/invoices/${id}/status`);
  expect(res.status, res.text).to.equal(200);
  return expectStatusShape(res.text);
}

/** Waits until the status poll shows `status` / `paymentState` (and `extra`), then returns it. */
function until(t: TestTill, id: string, status: string, paymentState: string, extra: (s: any) => boolean = () => true): Promise<any> {
  return waitFor(async () => {
    const s = await poll(t, id);
    return s.status === status && s.paymentState === paymentState && extra(s) ? s : false;
  }, `${id} to be ${status}/${paymentState}`);
}

const btcText = (s: any, field: string) => numberText(s[field], field);

describeEachNode('checkout: real payments', [], (node, kind) => {
  let t: TestTill;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const c of closers.splice(0)) await c();
  });

  it('pending → paid → confirmed, in the seed\'s words at each step; v1 reads it and its webhooks tell it', async function () {
    this.timeout(kind === 'sim' ? 20_000 : 60_000);
    const hook = await receiver();
    closers.push(hook.close);
    t = await tillOn(node(), { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }, { notify: true });
    await subscribe(t, hook.url, ['*']);
    const inv = await make(t, { amountUsd: 49.99, productName: 'Pro Plan - Monthly', metadata: { orderId: 'order_123' } });

    const pending = await poll(t, inv.id);
    expect(pending).to.deep.include({ status: 'pending', paymentState: 'unpaid', txHash: null, txHashes: [], paidAt: null, confirmedAt: null });
    expect(btcText(pending, 'remainingBtc')).to.equal(inv.amountBtc);
    expect(Number(btcText(pending, 'timeRemainingSeconds'))).to.be.within(1190, 1200);

    const txid = await node().pay(inv.address, inv.sats);
    const paid = await until(t, inv.id, 'paid', 'exact');
    expect(paid).to.deep.include({ txHash: txid, txHashes: [txid], confirmedAt: null });
    expect(paid.paidAt).to.be.a('string');
    expect([btcText(paid, 'confirmations'), btcText(paid, 'remainingBtc'), btcText(paid, 'overpaidBtc'), btcText(paid, 'timeRemainingSeconds')])
      .to.deep.equal(['0', '0', '0', '0']);
    expect(btcText(paid, 'receivedBtc')).to.equal(inv.amountBtc);

    await node().mine(1);
    const confirmed = await until(t, inv.id, 'confirmed', 'exact');
    expect(confirmed).to.deep.include({ txHash: txid, paidAt: paid.paidAt });
    expect(btcText(confirmed, 'confirmations')).to.equal('1');
    expect(confirmed.confirmedAt).to.be.a('string');
    const detail = exact((await checkoutClient(t)('GET', `/invoices/${inv.id}`)).text);
    expect(detail).to.deep.include({ status: 'confirmed', paymentState: 'exact', txHash: txid, productName: 'Pro Plan - Monthly' });

    const v1 = await t.request('GET', `/api/v1/invoices/${inv.id}?include_payments=true`);
    expect(v1.body).to.include({ status: 'confirmed', ref: inv.ref, total: '49.99', amount_due: '0' });
    expect(v1.body.payments[0]).to.include({ txid, confirmations: 1 });
    const types = ['invoice.created', 'payment.received', 'invoice.paid', 'payment.confirmed', 'invoice.confirmed'];
    expect((await outbox(t, inv.rowId)).map((e) => e.type)).to.deep.equal(types);
    await waitFor(() => types.every((e) => hook.got.some((g) => g.headers['x-btpay-event'] === e && JSON.parse(g.body).data.ref === inv.ref)), 'v1 webhooks for the checkout invoice');
  });

  it('expired: nothing paid before the TTL', async () => {
    t = await tillOn(node());
    const inv = await make(t, { amountUsd: 20, ttlMinutes: 1 });
    t.clock.advance(MIN + 1000);
    await t.till.services.invoices.expireDue();
    const s = await until(t, inv.id, 'expired', 'unpaid');
    expect(s).to.deep.include({ txHash: null, txHashes: [] });
    expect([btcText(s, 'receivedBtc'), btcText(s, 'timeRemainingSeconds')]).to.deep.equal(['0', '0']);
    expect(btcText(s, 'remainingBtc')).to.equal(inv.amountBtc);
  });

  it('underpaid: a partial payment waits out the TTL and the grace (unconfirmedWaitMinutes), then is underpaid', async () => {
    t = await tillOn(node(), { TILL_GRACE_MINUTES: '60' });
    const inv = await make(t, { amountUsd: 20, ttlMinutes: 5 });
    const half = inv.sats / 2n;
    const txid = await node().pay(inv.address, half);
    const partial = await until(t, inv.id, 'pending', 'partial');
    expect(partial.txHash).to.equal(txid);
    expect(satsOf(partial.receivedBtc)).to.equal(half);
    expect(satsOf(partial.remainingBtc)).to.equal(inv.sats - half);
    t.clock.advance(6 * MIN);
    await t.till.services.invoices.expireDue();
    const waiting = await poll(t, inv.id);
    expect(waiting).to.deep.include({ status: 'pending', paymentState: 'partial' });
    expect(btcText(waiting, 'timeRemainingSeconds')).to.equal('0');
    t.clock.advance(60 * MIN);
    await t.till.services.invoices.expireDue();
    const under = await until(t, inv.id, 'underpaid', 'partial');
    expect(satsOf(under.receivedBtc)).to.equal(half);
    expect((await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body).to.include({ status: 'expired', exception: 'paid_partial' });
    expect((await checkoutClient(t)('GET', '/invoices/stats')).body).to.include({ underpaid: 1 });
    await node().mine(1);
  });

  it('overpaid: paid, then confirmed, with the excess exact; one satoshi over is still exact', async () => {
    t = await tillOn(node());
    const inv = await make(t, { amountUsd: 20 });
    await node().pay(inv.address, inv.sats + 5_000n);
    const over = await until(t, inv.id, 'paid', 'overpaid');
    expect(btcText(over, 'overpaidBtc')).to.equal('0.00005');
    expect(btcText(over, 'remainingBtc')).to.equal('0');
    expect(satsOf(over.receivedBtc)).to.equal(inv.sats + 5_000n);
    const near = await make(t, { amountUsd: 20 });
    await node().pay(near.address, near.sats + 1n);
    await until(t, near.id, 'paid', 'exact');
    await node().mine(1);
    await until(t, inv.id, 'confirmed', 'overpaid');
    await until(t, near.id, 'confirmed', 'exact');
  });

  it('paid late: money after expiry is recorded (expired, exact), never lost', async () => {
    t = await tillOn(node());
    const inv = await make(t, { amountUsd: 20, ttlMinutes: 2 });
    t.clock.advance(3 * MIN);
    await t.till.services.invoices.expireDue();
    await until(t, inv.id, 'expired', 'unpaid');
    // Only Till's clock jumped: let it read the mempool once on its new clock.
    await t.till.services.watcher.resyncMempool();
    const txid = await node().pay(inv.address, inv.sats);
    const late = await until(t, inv.id, 'expired', 'exact');
    expect(late).to.deep.include({ txHash: txid, paidAt: null });
    expect(btcText(late, 'receivedBtc')).to.equal(inv.amountBtc);
    expect((await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body).to.include({ exception: 'paid_late' });
    expect((await outbox(t, inv.rowId)).map((e) => e.type)).to.include('payment.received');
    await node().mine(1);
  });
});

describeEachNode('checkout: replacement', ['rbf'], (node) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('a payment replaced away: back to pending/unpaid, then expired (core invalid) after the grace', async () => {
    t = await tillOn(node(), { TILL_GRACE_MINUTES: '60' });
    const inv = await make(t, { amountUsd: 20, ttlMinutes: 5 });
    const txid = await node().pay(inv.address, inv.sats);
    await until(t, inv.id, 'paid', 'exact', (s) => s.txHash === txid);
    await node().replace(txid, { outputs: [] });
    const back = await until(t, inv.id, 'pending', 'unpaid');
    expect(back).to.deep.include({ txHash: null, txHashes: [] });
    expect(btcText(back, 'receivedBtc')).to.equal('0');
    t.clock.advance(6 * MIN);
    await t.till.services.invoices.expireDue();
    expect(await poll(t, inv.id)).to.deep.include({ status: 'pending', paymentState: 'unpaid' });
    t.clock.advance(60 * MIN);
    await t.till.services.invoices.expireDue();
    await until(t, inv.id, 'expired', 'unpaid');
    expect((await t.till.db.read('invoices').where({ id: inv.rowId }).first()).status).to.equal('invalid');
    const types = (await outbox(t, inv.rowId)).map((e) => e.type);
    expect(types).to.include.members(['payment.reverted', 'invoice.invalid']);
    expect(types).to.not.include('invoice.expired');

    // A fee bump that still pays: one standing txid, the new one.
    const bumpMe = await make(t, { amountUsd: 20 });
    const first = await node().pay(bumpMe.address, bumpMe.sats);
    await until(t, bumpMe.id, 'paid', 'exact');
    const bumped = await node().replace(first);
    const after = await until(t, bumpMe.id, 'paid', 'exact', (s) => s.txHash === bumped);
    expect(after.txHashes).to.deep.equal([bumped]);
    expect(btcText(after, 'receivedBtc')).to.equal(bumpMe.amountBtc);
    await node().mine(1);
    await until(t, bumpMe.id, 'confirmed', 'exact');
  });
});
