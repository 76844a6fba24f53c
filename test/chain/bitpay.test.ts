/**
 * The BitPay legacy dialect (seed 004) through real payments on each regtest node: the
 * seed's field names, JSON types, status and exceptionStatus words at every step, and its
 * IPNs on the notification worker's schedule.
 */
import { expect } from 'chai';
import { describeEachNode } from '../../regtest/find-nodes.js';
import { fixture, type Vectors } from '../helpers/fixtures.js';
import type { Response, TestTill } from '../helpers/till.js';
import { receiver } from '../notify/helpers.js';
import { tillOn, waitFor } from './helpers.js';

const seed = fixture<Vectors<{ response: Record<string, unknown> }>>('bitpay', 'seed-invoice').valid[0]!.response;
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
/** The fields the merchant may leave out (BitPay left them out too). */
const OPTIONAL = ['posData', 'itemDesc'];

/** Seed 004's field names and JSON types, at every step (BIP21 alone among the payment URLs, none once invalid). */
function seedShaped(inv: Record<string, unknown>): void {
  const want = Object.keys(seed).filter((k) => OPTIONAL.includes(k) ? k in inv : true);
  expect(Object.keys(inv)).to.deep.equal(want);
  // The seed shows `false`; the seed's other exceptionStatus words are strings.
  for (const k of want.filter((f) => f !== 'exceptionStatus')) expect(typeOf(inv[k]), k).to.equal(typeOf(seed[k]));
  expect([false, 'paidPartial', 'paidOver', 'paidLate']).to.include(inv.exceptionStatus);
  // An invalid invoice takes no more money: no payment URL invites it.
  expect(Object.keys(inv.paymentUrls as object)).to.deep.equal(inv.status === 'invalid' ? [] : ['BIP21']);
}

const basic = (key: string) => ({ Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

function bp(t: TestTill, method: string, path: string, body?: unknown): Promise<Response> {
  return t.request(method, path, { key: null, body, headers: basic(t.key) });
}

/** A BTC-priced BitPay invoice for exactly `sats`: its object and its address. */
async function create(t: TestTill, sats: bigint, extra: Record<string, unknown> = {}): Promise<{ inv: any; address: string }> {
  const res = await bp(t, 'POST', '/api/invoice', { price: (Number(sats) / 1e8).toFixed(8), currency: 'BTC', ...extra });
  expect(res.status, res.text).to.equal(200);
  expect(res.body).to.include({ status: 'new', exceptionStatus: false, btcPaid: '0.000000' });
  seedShaped(res.body);
  const address = /^bitcoin:([^?]+)\?amount=/.exec(res.body.paymentUrls.BIP21)![1]!;
  return { inv: res.body, address };
}

/** Waits until GET /invoices/:id says `status` and `exceptionStatus`. */
function reaches(t: TestTill, id: string, status: string, exceptionStatus: string | false): Promise<any> {
  return waitFor(async () => {
    const res = await bp(t, 'GET', `/invoices/${id}`);
    expect(res.status, res.text).to.equal(200);
    seedShaped(res.body);
    return res.body.status === status && res.body.exceptionStatus === exceptionStatus ? res.body : false;
  }, `${id} to be ${status}/${String(exceptionStatus)}`);
}

describeEachNode('BitPay legacy API: a real payment, step by step', [], (node) => {
  let t: TestTill;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const c of closers.splice(0)) await c();
  });

  it('new → paid → confirmed → complete at 6 blocks; IPNs on paid and confirmed, the first retried after a 500, all in the delivery log', async function () {
    this.timeout(90_000);
    const hook = await receiver((n) => (n === 1 ? 500 : 200));
    closers.push(hook.close);
    t = await tillOn(node(), { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_WEBHOOK_RETRY_SCHEDULE: '1,1,1' }, { notify: true });
    const full = await create(t, 41_000n, {
      transactionSpeed: 'medium', fullNotifications: true, notificationURL: hook.url, notificationEmail: 'shop@example.com', posData: 'order 17',
    });
    // Without fullNotifications: told only when it is confirmed.
    const quiet = await create(t, 42_000n, { transactionSpeed: 'medium', notificationURL: hook.url });

    await node().pay(full.address, 41_000n);
    const paid = await reaches(t, full.inv.id, 'paid', false);
    expect(paid).to.include({ btcPrice: '0.000410', btcDue: '0.000000', btcPaid: '0.000410', posData: 'order 17' });
    await waitFor(() => hook.got.length >= 2, 'the paid IPN, retried after the 500');
    await node().pay(quiet.address, 42_000n);
    await reaches(t, quiet.inv.id, 'paid', false);

    await node().mine(1);
    await reaches(t, full.inv.id, 'confirmed', false);
    await reaches(t, quiet.inv.id, 'confirmed', false);
    await node().mine(5);
    const complete = await reaches(t, full.inv.id, 'complete', false);
    expect(complete).to.include({ btcPaid: '0.000410', btcDue: '0.000000' });

    const ipns = await waitFor(() => (hook.got.length >= 4 ? hook.got : false), 'the confirmed IPNs');
    await new Promise((r) => setTimeout(r, 300));
    const told = hook.got.map((g) => {
      const body = JSON.parse(g.body);
      return `${body.id === full.inv.id ? 'full' : 'quiet'}:${body.status}`;
    });
    // The first paid IPN was answered 500 and sent again; the quiet invoice only when confirmed.
    expect(told.slice(0, 2)).to.deep.equal(['full:paid', 'full:paid']);
    expect(told.slice(2).sort()).to.deep.equal(['full:confirmed', 'quiet:confirmed']);
    expect(hook.got).to.have.length(4);
    // The same invoice object as GET, unsigned: the receiver fetches it again by id.
    const first = JSON.parse(ipns[0]!.body);
    for (const g of hook.got) seedShaped(JSON.parse(g.body));
    expect(Object.keys(first)).to.deep.equal(Object.keys(paid));
    expect(first).to.include({ id: full.inv.id, status: 'paid', btcPaid: '0.000410', posData: 'order 17', url: full.inv.url });
    expect(ipns[0]!.body).to.equal(ipns[1]!.body);
    expect(ipns[0]!.headers['content-type']).to.equal('application/json');
    expect(ipns[0]!.headers).to.not.have.any.keys('x-btpay-signature', 'webhook-signature');

    // The delivery log: the same worker, schedule and records as webhooks.
    const ids: Record<string, number> = {};
    for (const r of await t.till.db.read('invoices').whereIn('bitpay_id', [full.inv.id, quiet.inv.id]).select('id', 'bitpay_id')) {
      ids[r.bitpay_id as string] = Number(r.id);
    }
    const log = await waitFor(async () => {
      const rows = await t.till.db.read('deliveries').where({ target_kind: 'ipn' }).orderBy('id');
      return rows.length === 3 && rows.every((r: any) => r.status === 'delivered') ? rows : false;
    }, 'three delivered IPNs in the log');
    const entry = (r: any) => `${r.event_type} ${r.target_id} ${r.target} ${r.attempts}`;
    expect(log.map(entry).sort()).to.deep.equal([
      `invoice.confirmed ${ids[full.inv.id]} ${hook.url} 1`,
      `invoice.confirmed ${ids[quiet.inv.id]} ${hook.url} 1`,
      `invoice.paid ${ids[full.inv.id]} ${hook.url} 2`,
    ].sort());
    const paidDelivery = log.find((r: any) => r.event_type === 'invoice.paid');
    const attempts = await t.till.db.read('delivery_attempts').where({ delivery_id: paidDelivery.id }).orderBy('attempt');
    expect(attempts.map((a: any) => a.status_code)).to.deep.equal([500, 200]);
    // notificationEmail: through the SMTP path; none configured, so recorded as not sent.
    const mails = await t.till.db.read('deliveries').where({ target_kind: 'email' }).orderBy('id');
    expect(mails.map((m: any) => m.event_type)).to.deep.equal(['invoice.paid', 'invoice.confirmed']);
    for (const m of mails) expect(m).to.include({ target: 'shop@example.com', status: 'skipped', target_id: -ids[full.inv.id]! });
  });

  it('overpaid: paid with paidOver and nothing due, then confirmed with paidOver', async () => {
    t = await tillOn(node());
    const { inv, address } = await create(t, 30_000n);
    await node().pay(address, 35_000n);
    const paid = await reaches(t, inv.id, 'paid', 'paidOver');
    expect(paid).to.include({ btcPaid: '0.000350', btcDue: '0.000000' });
    await node().mine(1);
    await reaches(t, inv.id, 'confirmed', 'paidOver');
  });

  it('underpaid: new with paidPartial while the quote runs, expired with paidPartial after the grace', async () => {
    t = await tillOn(node());
    const { inv, address } = await create(t, 50_000n);
    await node().pay(address, 20_000n);
    const partial = await reaches(t, inv.id, 'new', 'paidPartial');
    expect(partial).to.include({ btcPaid: '0.000200', btcDue: '0.000300' });
    expect(partial.paymentUrls.BIP21).to.match(/\?amount=0\.0003$/);
    t.clock.advance((15 + 60) * 60_000 + 1000);
    await t.till.services.invoices.expireDue();
    await reaches(t, inv.id, 'expired', 'paidPartial');
    await node().mine(1);
  });

  it('expired with nothing paid; money after that is kept and shown as paidLate', async () => {
    t = await tillOn(node());
    const { inv, address } = await create(t, 33_000n);
    t.clock.advance(16 * 60_000);
    await t.till.services.invoices.expireDue();
    await reaches(t, inv.id, 'expired', false);
    // Judged by when the money moved: after the deadline (the mempool read now is later than it).
    await t.till.services.watcher.resyncMempool();
    await node().pay(address, 33_000n);
    const late = await reaches(t, inv.id, 'expired', 'paidLate');
    expect(late).to.include({ btcPaid: '0.000330' });
    await node().mine(1);
  });
});

describeEachNode('BitPay legacy API: a payment replaced away', ['rbf'], (node) => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('paid, then new again when its transaction is replaced, then invalid once the grace has passed', async () => {
    t = await tillOn(node());
    const { inv, address } = await create(t, 25_000n);
    const txid = await node().pay(address, 25_000n);
    await reaches(t, inv.id, 'paid', false);
    await node().replace(txid, { outputs: [] });
    const back = await reaches(t, inv.id, 'new', false);
    expect(back).to.include({ btcPaid: '0.000000', btcDue: '0.000250' });
    t.clock.advance((15 + 60) * 60_000 + 1000);
    await t.till.services.invoices.expireDue();
    await reaches(t, inv.id, 'invalid', false);
  });
});
