/**
 * The checkout dialect (seed 003) on the real server: every example of the seed with its
 * field names and JSON types, the money written as exact JSON numbers, the QR code read
 * back by a real decoder, list/detail/status/stats/delete, and the same invoice through v1.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { fiatToSats, formatBtcTrimmed } from '../../src/domain/money.js';
import { createFixedRateProvider } from '../../src/rates/index.js';
import type { RateProvider } from '../../src/rates/index.js';
import { startTill, SEED_INVOICE, type TestTill } from '../helpers/till.js';
import {
  checkoutClient, CREATE_FIELDS, decodeQr, exact, expectStatusShape, ISO_MS, numberText, satsOf, STATUS_FIELDS, UUID_V4,
} from '../helpers/checkout.js';

const RATE = '70862.71';
const START = Date.UTC(2026, 2, 13, 18, 0, 0);
const MIN = 60_000;

/** The seed's curl example body, exactly. */
const SEED_BODY = { amountUsd: 49.99, productName: 'Pro Plan - Monthly', metadata: { orderId: 'order_123' } };

/** Money into and out of an invoice's address through the real payment path (no node). */
function chainOf(t: TestTill) {
  let height = 0;
  let prev = '00'.repeat(32);
  const addressId = async (address: string) => (await t.till.db.read('addresses').where({ address }).first()).id as number;
  return {
    async seen(address: string, sats: bigint): Promise<string> {
      const txid = randomBytes(32).toString('hex');
      await t.till.services.payments.apply({ seen: [{ txid, vout: 0, sats, addressId: await addressId(address), inMempool: true }] });
      return txid;
    },
    async mine(outputs: { txid: string; address: string; sats: bigint }[] = []): Promise<void> {
      const hash = randomBytes(32).toString('hex');
      const withIds = await Promise.all(outputs.map(async (o) => ({ txid: o.txid, vout: 0, sats: o.sats, addressId: await addressId(o.address) })));
      await t.till.services.payments.apply({ connected: [{ hash, height: ++height, prevHash: prev, outputs: withIds }] });
      prev = hash;
    },
  };
}

describe('checkout API (seed 003)', () => {
  let t: TestTill;
  let co: ReturnType<typeof checkoutClient>;
  before(async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    co = checkoutClient(t);
  });
  after(async () => {
    await t.stop();
  });
  beforeEach(() => {
    t.clock.set(START);
  });

  const create = async (body: Record<string, unknown> = SEED_BODY) => {
    const res = await co('POST', '/invoices', { body });
    expect(res.status, res.text).to.equal(201);
    return { res, inv: exact(res.text) };
  };

  it("creates the seed's curl example: 201 with every field of its example, in the example's JSON types", async () => {
    // As the seed sends it: the JSON text of its -d argument.
    const res = await co('POST', '/invoices', {
      raw: '{\n    "amountUsd": 49.99,\n    "productName": "Pro Plan - Monthly",\n    "metadata": {"orderId": "order_123"}\n  }',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status, res.text).to.equal(201);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const inv = exact(res.text);
    expect(Object.keys(inv).slice(0, CREATE_FIELDS.length)).to.deep.equal([...CREATE_FIELDS]);
    expect(inv.id).to.match(UUID_V4);
    expect(numberText(inv.amountUsd, 'amountUsd')).to.equal('49.99');
    const due = fiatToSats(4999n, 'USD', RATE);
    expect(numberText(inv.amountBtc, 'amountBtc')).to.equal(formatBtcTrimmed(due));
    expect(numberText(inv.btcRate, 'btcRate')).to.equal(RATE);
    expect(inv.btcAddress).to.match(/^bcrt1q[0-9a-z]{38}$/);
    expect(inv.qrCode).to.match(/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    expect(inv.status).to.equal('pending');
    expect(inv.productName).to.equal('Pro Plan - Monthly');
    expect(inv.redirectUrl).to.equal(null);
    expect(inv.createdAt).to.equal('2026-03-13T18:00:00.000Z');
    expect(inv.expiresAt).to.equal('2026-03-13T18:20:00.000Z');
    expect(inv.expiresAt).to.match(ISO_MS);
    expect(numberText(inv.ttlMinutes, 'ttlMinutes')).to.equal('20');
    // The same document as plain JSON: the seed's types, numbers as numbers.
    const plain = res.body;
    expect(plain).to.include({ amountUsd: 49.99, btcRate: 70862.71, status: 'pending', ttlMinutes: 20 });
    expect(plain.amountBtc).to.be.a('number');
    expect(plain.metadata).to.deep.equal({ orderId: 'order_123' });
    // Created and finalized at once, with its line and its event.
    const row = await t.till.db.read('invoices').where({ public_id: inv.id }).first();
    expect(row).to.include({ status: 'pending', dialect: 'checkout', currency: 'USD' });
    expect(JSON.parse(row.dialect_data)).to.deep.equal({ productName: 'Pro Plan - Monthly', redirectUrl: null, ttlMinutes: 20 });
  });

  it('writes every amount as a JSON number digit for digit, never through a float', async () => {
    // A rate with more digits than a double holds: JSON.parse would round it.
    const rate = '98765432109.87654321';
    const other = await startTill({ rateProviders: [createFixedRateProvider(`USD=${rate}`)] });
    try {
      await other.setWallet();
      const res = await checkoutClient(other)('POST', '/invoices', { raw: '{"amountUsd": 1234567.89}', headers: { 'Content-Type': 'application/json' } });
      expect(res.status, res.text).to.equal(201);
      expect(res.text).to.contain(`"btcRate":${rate},`);
      expect(String(JSON.parse(res.text).btcRate)).to.not.equal(rate);
      const due = fiatToSats(123456789n, 'USD', rate);
      expect(res.text).to.contain(`"amountBtc":${formatBtcTrimmed(due)},`);
      expect(res.text).to.contain('"amountUsd":1234567.89,');
    } finally {
      await other.stop();
    }
    // Whole dollars, a big price and trailing zeros: canonical numbers, every digit kept.
    for (const [literal, shown] of [['50', '50'], ['50.00', '50'], ['50.10', '50.1'], ['123456789012.34', '123456789012.34'], ['7e2', '700']]) {
      const res = await co('POST', '/invoices', { raw: `{"amountUsd": ${literal}}`, headers: { 'Content-Type': 'application/json' } });
      expect(res.status, `${literal}: ${res.text}`).to.equal(201);
      expect(numberText(exact(res.text).amountUsd)).to.equal(shown);
      const cents = BigInt(Math.round(Number(shown) * 100));
      expect(numberText(exact(res.text).amountBtc)).to.equal(formatBtcTrimmed(fiatToSats(cents, 'USD', RATE)));
    }
  });

  it('draws qrCode as a PNG that decodes to exactly the BIP21 URI, whose amount equals amountBtc', async () => {
    for (const amountUsd of [49.99, 0.5, 1000, 123456.78]) {
      const { inv } = await create({ amountUsd });
      const uri = decodeQr(inv.qrCode);
      expect(uri).to.equal(`bitcoin:${inv.btcAddress}?amount=${numberText(inv.amountBtc)}`);
      const amount = new URL(uri).searchParams.get('amount')!;
      expect(amount).to.equal(numberText(inv.amountBtc));
      expect(satsOf(inv.amountBtc)).to.equal(fiatToSats(BigInt(Math.round(amountUsd * 100)), 'USD', RATE));
      // The same picture on the detail.
      const detail = await co('GET', `/invoices/${inv.id}`);
      expect(decodeQr(detail.body.qrCode)).to.equal(uri);
    }
  });

  it('takes ttlMinutes 1 to 1440 (default TILL_CHECKOUT_TTL_MINUTES) and counts the time remaining down', async () => {
    for (const ttl of [1, 45, 1440]) {
      const { inv } = await create({ amountUsd: 10, ttlMinutes: ttl });
      expect(numberText(inv.ttlMinutes)).to.equal(String(ttl));
      expect(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)).to.equal(ttl * MIN);
      expect(numberText(inv.timeRemainingSeconds)).to.equal(String(ttl * 60));
    }
    const { inv } = await create({ amountUsd: 10 });
    expect(numberText(inv.ttlMinutes)).to.equal('20');
    t.clock.advance(5 * MIN + 500);
    const status = await co('GET', `/invoices/${inv.id}/status`);
    expect(status.body.timeRemainingSeconds).to.equal(15 * 60 - 1);
    const other = await startTill({ env: { TILL_CHECKOUT_TTL_MINUTES: '7' } });
    try {
      await other.setWallet();
      const res = await checkoutClient(other)('POST', '/invoices', { body: { amountUsd: 10 } });
      expect(res.body).to.include({ ttlMinutes: 7 });
      expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).to.equal(7 * MIN);
    } finally {
      await other.stop();
    }
  });

  it('keeps productName, redirectUrl and metadata, and names the line after the product', async () => {
    const name = 'Ünïcode ✓ '.repeat(20);
    expect([...name]).to.have.length(200);
    const { inv } = await create({
      amountUsd: 12.5, productName: name, redirectUrl: 'https://shop.example/thank-you?order=1', metadata: { orderId: 'o-1', n: 3, nested: { a: [1, 2] } },
    });
    expect(inv).to.deep.include({ productName: name, redirectUrl: 'https://shop.example/thank-you?order=1' });
    const detail = await co('GET', `/invoices/${inv.id}`);
    expect(detail.body.metadata).to.deep.equal({ orderId: 'o-1', n: 3, nested: { a: [1, 2] } });
    const v1 = await t.request('GET', `/api/v1/invoices/${inv.id}`);
    expect(v1.body.lines).to.deep.equal([{ description: name, quantity: '1', unit_price: '12.50', amount: '12.50' }]);
    // No product: a line of its own, productName null; nulls mean absent.
    const bare = await create({ amountUsd: 3, productName: null, redirectUrl: null, metadata: null });
    expect(bare.inv).to.deep.include({ productName: null, redirectUrl: null });
    expect((await t.request('GET', `/api/v1/invoices/${bare.inv.id}`)).body.lines[0].description).to.equal('Checkout invoice');
    const http = await create({ amountUsd: 3, redirectUrl: 'http://192.168.1.5:8080/done' });
    expect(http.inv.redirectUrl).to.equal('http://192.168.1.5:8080/done');
  });

  it('shows the whole invoice by its UUID (any case); every other id is a 404 in the checkout shape', async () => {
    const { inv } = await create();
    const detail = await co('GET', `/invoices/${inv.id}`);
    expect(detail.status).to.equal(200);
    const d = exact(detail.text);
    expect(Object.keys(d)).to.include.members([...CREATE_FIELDS, ...STATUS_FIELDS, 'metadata']);
    for (const f of CREATE_FIELDS) {
      if (f !== 'qrCode') expect(JSON.stringify(d[f]), f).to.equal(JSON.stringify(inv[f]));
    }
    expect(d).to.include({ paymentState: 'unpaid', txHash: null, paidAt: null, confirmedAt: null });
    expect(numberText(d.timeRemainingSeconds)).to.equal('1200');
    expect(numberText(d.remainingBtc)).to.equal(numberText(inv.amountBtc));
    expect((await co('GET', `/invoices/${inv.id.toUpperCase()}`)).body.id).to.equal(inv.id);

    const v1 = await t.request('GET', `/api/v1/invoices/${inv.id}`);
    const draft = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    for (const id of [
      v1.body.ref, v1.body.invoice_number, String(v1.body.id), draft.body.ref, 'stats2', 'a1b2c3d4-...',
      '00000000-0000-4000-8000-000000000000', `${inv.id}x`, inv.id.replace(/-/g, ''), '%20', 'x'.repeat(500),
    ]) {
      for (const p of [`/invoices/${encodeURIComponent(id)}`, `/invoices/${encodeURIComponent(id)}/status`]) {
        const res = await co('GET', p);
        expect(res.status, `${p} ${res.text}`).to.equal(404);
        expect(res.body).to.deep.equal({ error: res.body.error, code: 'invoice_not_found' });
        expect(res.body.error.length).to.be.below(200);
      }
    }
    // A v1 draft has a UUID too, but checkout has no drafts.
    const draftRow = await t.till.db.read('invoices').where({ ref: draft.body.ref }).first();
    expect((await co('GET', `/invoices/${draftRow.public_id}`)).status).to.equal(404);
    expect((await co('DELETE', `/invoices/${draftRow.public_id}`)).status).to.equal(404);
    await t.request('DELETE', `/api/v1/invoices/${draft.body.ref}`);
  });

  it("answers a status poll with exactly the seed's fields, in its types", async () => {
    const { inv } = await create();
    const res = await co('GET', `/invoices/${inv.id}/status`);
    expect(res.status).to.equal(200);
    const s = expectStatusShape(res.text);
    expect(s).to.deep.include({ status: 'pending', txHash: null, txHashes: [], paidAt: null, confirmedAt: null, paymentState: 'unpaid' });
    expect(res.body).to.include({ confirmations: 0, receivedBtc: 0, overpaidBtc: 0, timeRemainingSeconds: 1200 });
    expect(numberText(s.remainingBtc)).to.equal(numberText(inv.amountBtc));
  });

  it('follows the money: paid (exact), confirmed, partial, overpaid, and a second txid', async () => {
    const chain = chainOf(t);
    const { inv } = await create({ amountUsd: 20 });
    const due = satsOf(inv.amountBtc);
    t.clock.advance(MIN);
    const txid = await chain.seen(inv.btcAddress, due);
    const paid = expectStatusShape((await co('GET', `/invoices/${inv.id}/status`)).text);
    expect(paid).to.deep.include({ status: 'paid', paymentState: 'exact', txHash: txid, txHashes: [txid], paidAt: '2026-03-13T18:01:00.000Z', confirmedAt: null });
    expect([paid.confirmations, paid.remainingBtc, paid.overpaidBtc, paid.timeRemainingSeconds].map((n) => numberText(n))).to.deep.equal(['0', '0', '0', '0']);
    expect(numberText(paid.receivedBtc)).to.equal(numberText(inv.amountBtc));
    t.clock.advance(MIN);
    await chain.mine([{ txid, address: inv.btcAddress, sats: due }]);
    const confirmed = exact((await co('GET', `/invoices/${inv.id}/status`)).text);
    expect(confirmed).to.deep.include({ status: 'confirmed', paymentState: 'exact', confirmedAt: '2026-03-13T18:02:00.000Z', paidAt: '2026-03-13T18:01:00.000Z' });
    expect(numberText(confirmed.confirmations)).to.equal('1');
    await chain.mine();
    expect((await co('GET', `/invoices/${inv.id}/status`)).body.confirmations).to.equal(2);

    // Partial, then the rest in a second transaction: both txids, the rest shown exactly.
    const two = (await create({ amountUsd: 20 })).inv;
    const first = await chain.seen(two.btcAddress, 10_000n);
    const part = exact((await co('GET', `/invoices/${two.id}/status`)).text);
    expect(part).to.deep.include({ status: 'pending', paymentState: 'partial', txHash: first });
    expect(numberText(part.receivedBtc)).to.equal('0.0001');
    expect(satsOf(part.remainingBtc)).to.equal(due - 10_000n);
    const second = await chain.seen(two.btcAddress, due - 10_000n);
    expect((await co('GET', `/invoices/${two.id}/status`)).body).to.deep.include({ status: 'paid', paymentState: 'exact', txHashes: [first, second] });

    // Overpaid by 1,000 sats; and 1 sat short or over is still exact.
    const over = (await create({ amountUsd: 20 })).inv;
    await chain.seen(over.btcAddress, due + 1_000n);
    const o = exact((await co('GET', `/invoices/${over.id}`)).text);
    expect(o).to.deep.include({ status: 'paid', paymentState: 'overpaid' });
    expect([numberText(o.overpaidBtc), numberText(o.remainingBtc)]).to.deep.equal(['0.00001', '0']);
    expect(satsOf(o.receivedBtc)).to.equal(due + 1_000n);
    for (const sats of [due - 1n, due + 1n]) {
      const e = (await create({ amountUsd: 20 })).inv;
      await chain.seen(e.btcAddress, sats);
      expect((await co('GET', `/invoices/${e.id}/status`)).body).to.include({ status: 'paid', paymentState: 'exact', remainingBtc: 0, overpaidBtc: 0 });
    }
  });

  it('expires after its TTL with nothing paid; a partial payment turns underpaid after the grace', async () => {
    const chain = chainOf(t);
    const empty = (await create({ amountUsd: 5, ttlMinutes: 10 })).inv;
    const part = (await create({ amountUsd: 5, ttlMinutes: 10 })).inv;
    await chain.seen(part.btcAddress, 1_000n);
    t.clock.advance(10 * MIN + 1);
    await t.till.services.invoices.expireDue();
    expect((await co('GET', `/invoices/${empty.id}/status`)).body).to.include({ status: 'expired', paymentState: 'unpaid', timeRemainingSeconds: 0 });
    // TILL_GRACE_MINUTES (the seed's unconfirmedWaitMinutes, 480 by default): still waiting.
    t.clock.advance(479 * MIN);
    await t.till.services.invoices.expireDue();
    expect((await co('GET', `/invoices/${part.id}/status`)).body).to.include({ status: 'pending', paymentState: 'partial', timeRemainingSeconds: 0 });
    t.clock.advance(MIN);
    await t.till.services.invoices.expireDue();
    const under = exact((await co('GET', `/invoices/${part.id}/status`)).text);
    expect(under).to.deep.include({ status: 'underpaid', paymentState: 'partial' });
    expect(numberText(under.receivedBtc)).to.equal('0.00001');
    const listed = await co('GET', '/invoices?status=underpaid');
    expect(listed.body.invoices.map((i: any) => i.id)).to.include(part.id);
  });

  it("lists in the seed's shape: status filter in checkout words, limit 1–200, offset, total, no drafts", async () => {
    const fresh = await startTill();
    try {
      await fresh.setWallet();
      const c = checkoutClient(fresh);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await c('POST', '/invoices', { body: { amountUsd: 10 + i } })).body.id);
      const deleted = await c('DELETE', `/invoices/${ids[1]}`);
      // No code to pay what takes no more money: its address goes back to the pool.
      expect(deleted.body).to.include({ status: 'cancelled', qrCode: null });
      expect((await c('GET', `/invoices/${ids[1]}`)).body.qrCode).to.equal(null);
      await fresh.request('POST', '/api/v1/invoices', { body: SEED_INVOICE }); // a draft: not a checkout invoice
      const all = await c('GET', '/invoices');
      expect(all.status).to.equal(200);
      expect(Object.keys(all.body)).to.deep.equal(['invoices', 'total']);
      expect(all.body.total).to.equal(5);
      expect(all.body.invoices.map((i: any) => i.id)).to.deep.equal([...ids].reverse());
      const item = exact(all.text).invoices[0];
      for (const f of ['paymentState', 'receivedBtc', 'remainingBtc', 'overpaidBtc', 'amountUsd', 'amountBtc', 'btcAddress', 'status']) {
        expect(item, f).to.have.property(f);
      }
      for (const f of ['amountUsd', 'amountBtc', 'receivedBtc', 'remainingBtc', 'overpaidBtc']) numberText(item[f], f);
      expect(item).to.not.have.property('qrCode');
      expect(item.paymentState).to.equal('unpaid');

      const pending = await c('GET', '/invoices?status=pending');
      expect(pending.body.total).to.equal(4);
      const cancelled = await c('GET', '/invoices?status=cancelled');
      expect(cancelled.body).to.deep.include({ total: 1 });
      expect(cancelled.body.invoices[0]).to.include({ id: ids[1], status: 'cancelled' });
      for (const word of ['paid', 'confirmed', 'expired', 'underpaid']) {
        expect((await c('GET', `/invoices?status=${word}`)).body).to.deep.equal({ invoices: [], total: 0 });
      }
      const page = await c('GET', '/invoices?limit=2&offset=1');
      expect(page.body.total).to.equal(5);
      expect(page.body.invoices.map((i: any) => i.id)).to.deep.equal([ids[3], ids[2]]);
      expect((await c('GET', '/invoices?limit=200')).status).to.equal(200);
      expect((await c('GET', '/invoices?limit=1')).body.invoices).to.have.length(1);
      for (const q of ['limit=0', 'limit=201', 'limit=abc', 'limit=1.5', 'limit=Infinity', 'offset=-1', 'offset=1e400', 'status=partial',
        'status=draft', 'status=PENDING', 'status=new', 'status=', 'sort=asc', 'limit=1&limit=2', 'status=paid&status=pending']) {
        const res = await c('GET', `/invoices?${q}`);
        expect(res.status, q).to.equal(400);
        expect(res.body.error, q).to.be.a('string');
        expect(res.body.code, q).to.equal('validation_failed');
      }
    } finally {
      await fresh.stop();
    }
  });

  it('counts by status on /stats, a fixed route never taken for an id (cancelled added)', async () => {
    const fresh = await startTill();
    try {
      await fresh.setWallet();
      const c = checkoutClient(fresh);
      const empty = await c('GET', '/invoices/stats');
      expect(empty.status).to.equal(200);
      expect(empty.body).to.deep.equal({ total: 0, pending: 0, paid: 0, confirmed: 0, expired: 0, underpaid: 0, cancelled: 0 });
      const chain = chainOf(fresh);
      const made = [];
      for (let i = 0; i < 6; i++) made.push((await c('POST', '/invoices', { body: { amountUsd: 10, ttlMinutes: 5 + i } })).body);
      const due = satsOf(exact(JSON.stringify(made[0])).amountBtc);
      const paidTx = await chain.seen(made[0].btcAddress, due);
      await chain.seen(made[1].btcAddress, due);
      await chain.mine([{ txid: paidTx, address: made[0].btcAddress, sats: due }]);
      await chain.seen(made[2].btcAddress, 1_000n);
      await c('DELETE', `/invoices/${made[3].id}`);
      await fresh.request('POST', '/api/v1/invoices', { body: SEED_INVOICE }); // draft: not counted
      fresh.clock.advance(9 * MIN + 1); // made[4] (ttl 9) expires; made[5] (ttl 10) still waits
      await fresh.till.services.invoices.expireDue();
      const stats = await c('GET', '/invoices/stats');
      expect(Object.keys(stats.body)).to.deep.equal(['total', 'pending', 'paid', 'confirmed', 'expired', 'underpaid', 'cancelled']);
      expect(stats.body).to.deep.equal({ total: 6, pending: 2, paid: 1, confirmed: 1, expired: 1, underpaid: 0, cancelled: 1 });
      fresh.clock.advance(480 * MIN);
      await fresh.till.services.invoices.expireDue();
      expect((await c('GET', '/invoices/stats')).body).to.deep.include({ total: 6, pending: 0, expired: 2, underpaid: 1 });
      // Not an id: only GET is served there, and an id-shaped path still needs a UUID.
      expect((await c('GET', '/invoices/stats/status')).status).to.equal(404);
      expect((await c('DELETE', '/invoices/stats')).status).to.equal(404);
      expect((await c('GET', '/invoices/stats?x=1')).status).to.equal(400);
    } finally {
      await fresh.stop();
    }
  });

  it('DELETE cancels a pending invoice; a paid or cancelled one stays as it is', async () => {
    const { inv } = await create({ amountUsd: 8 });
    const del = await co('DELETE', `/invoices/${inv.id}`);
    expect(del.status, del.text).to.equal(200);
    expect(del.body).to.include({ id: inv.id, status: 'cancelled', paymentState: 'unpaid', timeRemainingSeconds: 0 });
    expect((await co('GET', `/invoices/${inv.id}/status`)).body.status).to.equal('cancelled');
    const again = await co('DELETE', `/invoices/${inv.id}`);
    expect(again.status).to.equal(400);
    expect(again.body).to.include({ code: 'invalid_state' });
    const chain = chainOf(t);
    const paid = (await create({ amountUsd: 8 })).inv;
    await chain.seen(paid.btcAddress, satsOf(paid.amountBtc));
    const refused = await co('DELETE', `/invoices/${paid.id}`);
    expect(refused.status).to.equal(400);
    expect(refused.body.error).to.match(/cannot be cancelled/);
    expect((await co('GET', `/invoices/${paid.id}/status`)).body.status).to.equal('paid');
    expect((await co('DELETE', '/invoices/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    const types = (await t.till.db.read('outbox').where({ invoice_id: (await t.till.db.read('invoices').where({ public_id: inv.id }).first()).id })).map((e: any) => e.type);
    expect(types).to.deep.equal(['invoice.created', 'invoice.cancelled']);
  });

  it('is one invoice in every dialect: read through v1, its events in the outbox for v1 webhooks', async () => {
    const { inv } = await create();
    const row = await t.till.db.read('invoices').where({ public_id: inv.id }).first();
    for (const key of [inv.id, row.ref, `INV-${String(row.seq).padStart(4, '0')}`, String(row.id)]) {
      const v1 = await t.request('GET', `/api/v1/invoices/${key}`);
      expect(v1.status, key).to.equal(200);
      expect(v1.body).to.include({
        ref: row.ref, status: 'pending', currency: 'USD', total: '49.99', btc_rate: RATE, payment_address: inv.btcAddress,
        btc_amount: formatBtcTrimmed(satsOf(inv.amountBtc)).padEnd(10, '0'),
      });
      expect(v1.body.metadata).to.deep.equal({ orderId: 'order_123' });
      expect(v1.body.expires_at * 1000).to.equal(Date.parse(inv.expiresAt));
    }
    const events = await t.till.db.read('outbox').where({ invoice_id: row.id });
    expect(events.map((e: any) => e.type)).to.deep.equal(['invoice.created']);
    expect(JSON.parse(events[0].payload).invoice).to.include({ publicId: inv.id, dialect: 'checkout' });
    // And v1's list and status see it.
    expect((await t.request('GET', `/api/v1/invoices/${row.ref}/status`)).body).to.include({ status: 'pending', total: '49.99' });
  });

  it('reads an invoice made through v1 in another currency: amountUsd and btcRate null, the rest as for any invoice', async () => {
    const made = await t.request('POST', '/api/v1/invoices', { body: { currency: 'EUR', lines: [{ description: 'Widget', quantity: 2, unit_price: '10.00' }] } });
    const fin = await t.request('POST', `/api/v1/invoices/${made.body.ref}/finalize`);
    expect(fin.status).to.equal(200);
    const row = await t.till.db.read('invoices').where({ ref: made.body.ref }).first();
    const res = await co('GET', `/invoices/${row.public_id}`);
    expect(res.status).to.equal(200);
    const inv = exact(res.text);
    expect(inv).to.deep.include({ amountUsd: null, btcRate: null, status: 'pending', productName: 'Widget', redirectUrl: null, btcAddress: fin.body.payment_address });
    expect(numberText(inv.amountBtc)).to.equal(formatBtcTrimmed(fiatToSats(2000n, 'EUR', '61919.68')));
    expect(numberText(inv.ttlMinutes)).to.equal('15');
    expect(decodeQr(inv.qrCode)).to.equal(fin.body.payment_uri);
  });

  it('takes an Idempotency-Key: the retry gets the same invoice, one row', async () => {
    const before = await t.count('invoices');
    const headers = { 'Idempotency-Key': 'order-77', 'Content-Type': 'application/json' };
    const a = await co('POST', '/invoices', { raw: '{"amountUsd": 77}', headers });
    const b = await co('POST', '/invoices', { raw: '{"amountUsd": 77}', headers });
    expect(a.status).to.equal(201);
    expect(b.status).to.equal(201);
    expect(b.text).to.equal(a.text);
    expect(b.headers.get('idempotent-replayed')).to.equal('true');
    expect(b.headers.get('content-type')).to.match(/^application\/json/);
    expect(await t.count('invoices')).to.equal(before + 1);
    const c = await co('POST', '/invoices', { raw: '{"amountUsd": 78}', headers });
    expect(c.status).to.equal(422);
    expect(c.body).to.have.keys(['error', 'code']);
  });
});

describe('checkout auth: X-Api-Key and scopes', () => {
  let t: TestTill;
  before(async () => {
    t = await startTill();
    await t.setWallet();
  });
  after(async () => {
    await t.stop();
  });

  it('refuses a request without X-Api-Key (a Bearer header is not the checkout way), a wrong or a revoked key with 401', async () => {
    const created = await checkoutClient(t)('POST', '/invoices', { body: { amountUsd: 5 } });
    const id = created.body.id;
    await t.till.db.write('outbox').delete();
    const { key: revoked, record } = await t.till.services.keys.create('gone', ['admin']);
    await t.till.services.keys.revoke(String(record.id));
    const cases: [string, Record<string, string>][] = [
      ['no key', {}],
      ['Bearer only', { Authorization: `Bearer ${t.key}` }],
      ['empty X-Api-Key', { 'X-Api-Key': '' }],
      ['blank X-Api-Key', { 'X-Api-Key': '   ' }],
      ['wrong key', { 'X-Api-Key': `till_${'1'.repeat(44)}` }],
      ['garbage key', { 'X-Api-Key': 'fc_live_abc' }],
      ['revoked key', { 'X-Api-Key': revoked }],
    ];
    for (const [what, headers] of cases) {
      for (const [method, path, body] of [
        ['POST', '/invoices', { amountUsd: 5 }], ['GET', '/invoices', undefined], ['GET', '/invoices/stats', undefined],
        ['GET', `/invoices/${id}`, undefined], ['GET', `/invoices/${id}/status`, undefined], ['DELETE', `/invoices/${id}`, undefined],
      ] as const) {
        const res = await t.request(method, `/api/checkout${path}`, { key: null, headers, body });
        expect(res.status, `${what}: ${method} ${path}`).to.equal(401);
        expect(res.body).to.have.keys(['error', 'code']);
        expect(res.body.code).to.equal('unauthorized');
        if (what === 'no key') expect(res.body.error).to.match(/X-Api-Key/);
      }
    }
    expect(await t.count('invoices')).to.equal(1);
    expect(await t.count('outbox')).to.equal(0);
    expect((await checkoutClient(t)('GET', `/invoices/${id}/status`)).body.status).to.equal('pending');
  });

  it('needs invoices:write to create or cancel and invoices:read to read (403 otherwise)', async () => {
    const read = checkoutClient(t, await t.newKey(['invoices:read']));
    const write = checkoutClient(t, await t.newKey(['invoices:write']));
    const other = checkoutClient(t, await t.newKey(['webhooks:write']));
    const before = await t.count('invoices');
    for (const c of [read, other]) {
      const res = await c('POST', '/invoices', { body: { amountUsd: 5 } });
      expect(res.status).to.equal(403);
      expect(res.body.error).to.match(/invoices:write/);
    }
    expect(await t.count('invoices')).to.equal(before);
    const made = await write('POST', '/invoices', { body: { amountUsd: 5 } });
    expect(made.status).to.equal(201);
    for (const c of [write, other]) {
      for (const p of ['/invoices', '/invoices/stats', `/invoices/${made.body.id}`, `/invoices/${made.body.id}/status`]) {
        expect((await c('GET', p)).status, p).to.equal(403);
      }
    }
    expect((await read('GET', `/invoices/${made.body.id}/status`)).status).to.equal(200);
    expect((await read('DELETE', `/invoices/${made.body.id}`)).status).to.equal(403);
    expect((await write('DELETE', `/invoices/${made.body.id}`)).status).to.equal(200);
  });
});

/** Every body here must be refused with a 4xx in the checkout shape, and leave no row behind. */
const BAD_BODIES: [string, string, RegExp][] = [
  ['no amountUsd', '{}', /amountUsd is required/],
  ['amountUsd as a string', '{"amountUsd": "49.99"}', /amountUsd must be a number/],
  ['amountUsd a word', '{"amountUsd": "lots"}', /amountUsd/],
  ['amountUsd null', '{"amountUsd": null}', /amountUsd/],
  ['amountUsd true', '{"amountUsd": true}', /amountUsd/],
  ['amountUsd an array', '{"amountUsd": [49.99]}', /amountUsd/],
  ['amountUsd an object', '{"amountUsd": {"value": 49.99}}', /amountUsd/],
  ['amountUsd 0', '{"amountUsd": 0}', /amountUsd must be at least 0.01/],
  ['amountUsd 0.001', '{"amountUsd": 0.001}', /amountUsd must have at most 2 decimal places/],
  ['amountUsd 0.009', '{"amountUsd": 0.009}', /amountUsd/],
  ['amountUsd 49.999', '{"amountUsd": 49.999}', /amountUsd must have at most 2 decimal places/],
  ['amountUsd negative', '{"amountUsd": -5}', /amountUsd must not be negative/],
  ['amountUsd -0.01', '{"amountUsd": -0.01}', /amountUsd/],
  ['amountUsd 1e21', '{"amountUsd": 1e21}', /amountUsd/],
  ['amountUsd 1e400', '{"amountUsd": 1e400}', /amountUsd/],
  ['amountUsd -1e400', '{"amountUsd": -1e400}', /amountUsd/],
  ['amountUsd 1e-400', '{"amountUsd": 1e-400}', /amountUsd/],
  ['amountUsd a double would round', '{"amountUsd": 49.990000000000000001}', /amountUsd/],
  ['amountUsd past 2^53', '{"amountUsd": 12345678901234567891}', /amountUsd/],
  ['amountUsd over the maximum', '{"amountUsd": 10000000000000.01}', /amountUsd must be at most/],
  ['amountUsd over 21 million BTC', '{"amountUsd": 9999999999999}', /21 million BTC/],
  ['amountUsd 0.01, below the dust limit', '{"amountUsd": 0.01}', /dust limit/],
  ['ttlMinutes 0', '{"amountUsd": 5, "ttlMinutes": 0}', /ttlMinutes must be >= 1/],
  ['ttlMinutes 1441', '{"amountUsd": 5, "ttlMinutes": 1441}', /ttlMinutes must be <= 1440/],
  ['ttlMinutes negative', '{"amountUsd": 5, "ttlMinutes": -20}', /ttlMinutes/],
  ['ttlMinutes 1.5', '{"amountUsd": 5, "ttlMinutes": 1.5}', /ttlMinutes must be an integer/],
  ['ttlMinutes a string', '{"amountUsd": 5, "ttlMinutes": "20"}', /ttlMinutes must be an integer/],
  ['ttlMinutes null', '{"amountUsd": 5, "ttlMinutes": null}', /ttlMinutes/],
  ['ttlMinutes 1e400', '{"amountUsd": 5, "ttlMinutes": 1e400}', /ttlMinutes/],
  ['ttlMinutes huge', '{"amountUsd": 5, "ttlMinutes": 99999999999999999999}', /ttlMinutes/],
  ['productName 201 characters', JSON.stringify({ amountUsd: 5, productName: 'x'.repeat(201) }), /productName must NOT have more than 200/],
  ['productName a number', '{"amountUsd": 5, "productName": 42}', /productName must be a string/],
  ['productName an object', '{"amountUsd": 5, "productName": {"a": 1}}', /productName/],
  ['redirectUrl ftp', '{"amountUsd": 5, "redirectUrl": "ftp://shop.example/x"}', /redirectUrl/],
  ['redirectUrl javascript:', '{"amountUsd": 5, "redirectUrl": "javascript:alert(1)"}', /redirectUrl/],
  ['redirectUrl relative', '{"amountUsd": 5, "redirectUrl": "/thank-you"}', /redirectUrl/],
  ['redirectUrl without a host', '{"amountUsd": 5, "redirectUrl": "https://"}', /redirectUrl/],
  ['redirectUrl with spaces', '{"amountUsd": 5, "redirectUrl": "https://shop example/"}', /redirectUrl/],
  ['redirectUrl a number', '{"amountUsd": 5, "redirectUrl": 5}', /redirectUrl/],
  ['redirectUrl too long', JSON.stringify({ amountUsd: 5, redirectUrl: `https://a.example/${'x'.repeat(2000)}` }), /redirectUrl/],
  ['metadata an array', '{"amountUsd": 5, "metadata": [1, 2]}', /metadata must be an object/],
  ['metadata a string', '{"amountUsd": 5, "metadata": "order_123"}', /metadata/],
  ['metadata with 51 keys', JSON.stringify({ amountUsd: 5, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }), /metadata/],
  ['an unknown field', '{"amountUsd": 5, "currency": "EUR"}', /Unknown field currency/],
  ['a v1 field', '{"amountUsd": 5, "lines": []}', /Unknown field lines/],
  ['amount_usd in snake case', '{"amount_usd": 5}', /amountUsd is required|Unknown field/],
  ['a body that is an array', '[{"amountUsd": 5}]', /must be a JSON object/],
  ['a body that is a string', '"49.99"', /must be a JSON object/],
  ['a body that is a number', '49.99', /must be a JSON object/],
  ['a body that is null', 'null', /must be a JSON object/],
  ['metadata nested 40 deep', `{"amountUsd": 5, "metadata": ${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, /nested deeper than 32/],
  ['arrays nested 20,000 deep', `{"amountUsd": 5, "metadata": {"a": ${'['.repeat(20_000)}${']'.repeat(20_000)}}}`, /nested deeper than 32/],
  ['truncated JSON', '{"amountUsd": 5', /Malformed JSON/],
  ['a trailing comma', '{"amountUsd": 5,}', /Malformed JSON/],
  ['single quotes', "{'amountUsd': 5}", /Malformed JSON/],
  ['duplicate keys', '{"amountUsd": 5, "amountUsd": 6}', /Malformed JSON/],
  ['NaN', '{"amountUsd": NaN}', /Malformed JSON/],
  ['Infinity', '{"amountUsd": Infinity}', /Malformed JSON/],
  ['a hex number', '{"amountUsd": 0x10}', /Malformed JSON/],
  ['a leading plus', '{"amountUsd": +5}', /Malformed JSON/],
  ['two documents', '{"amountUsd": 5} {"amountUsd": 6}', /Malformed JSON/],
  ['a bare word', 'amountUsd=5', /Malformed JSON/],
];

describe('checkout bad input', () => {
  let t: TestTill;
  let co: ReturnType<typeof checkoutClient>;
  before(async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    co = checkoutClient(t);
  });
  after(async () => {
    await t.stop();
  });

  async function expectNothingWritten(): Promise<void> {
    expect(await t.count('invoices')).to.equal(0);
    expect(await t.count('invoice_lines')).to.equal(0);
    expect(await t.count('outbox')).to.equal(0);
    expect(await t.count('idempotency_keys')).to.equal(0);
    expect((await t.till.db.read('addresses').whereNot({ state: 'free' })).length).to.equal(0);
  }

  function expectRefused(res: { status: number; body: any; headers: Headers; text: string }, status: number, message?: RegExp) {
    expect(res.status, res.text.slice(0, 200)).to.equal(status);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.body).to.have.keys(['error', 'code']);
    expect(res.body.error).to.be.a('string').and.not.equal('');
    if (message) expect(res.body.error).to.match(message);
  }

  for (const [i, [name, raw, message]] of BAD_BODIES.entries()) {
    it(`refuses ${name}`, async () => {
      // With an Idempotency-Key: a refused request keeps none.
      const res = await co('POST', '/invoices', { raw, headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `bad-${i}` } });
      expectRefused(res, 400, message);
      await expectNothingWritten();
    });
  }

  it('refuses an empty body, a body not declared JSON (415) and an oversize one (413)', async () => {
    expectRefused(await co('POST', '/invoices', { raw: '', headers: { 'Content-Type': 'application/json' } }), 400, /body is required/);
    expectRefused(await co('POST', '/invoices', { raw: '{"amountUsd": 5}', headers: { 'Content-Type': 'text/plain' } }), 415, /JSON/);
    expectRefused(await co('POST', '/invoices', { raw: '{"amountUsd": 5}', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
    const big = JSON.stringify({ amountUsd: 5, metadata: { note: 'x'.repeat(70_000) } });
    expectRefused(await co('POST', '/invoices', { raw: big, headers: { 'Content-Type': 'application/json' } }), 413, /larger than/);
    expectRefused(await co('POST', '/invoices?amountUsd=5', { body: { amountUsd: 5 } }), 400, /Unknown field amountUsd in the query string/);
    await expectNothingWritten();
  });

  it('answers 404 and 405 in the checkout shape for paths and methods it does not serve', async () => {
    for (const [method, path, status] of [
      ['GET', '/nothing', 404], ['GET', '/invoices/x/y/z', 404], ['PUT', '/invoices', 405], ['PATCH', '/invoices/stats', 405],
      ['POST', '/invoices/stats', 405], ['PUT', '/invoices/00000000-0000-4000-8000-000000000000', 405],
    ] as const) {
      const res = await co(method, path, method === 'GET' ? {} : { body: {} });
      expectRefused(res, status);
    }
    await expectNothingWritten();
  });

  it('never answers 5xx to a flood of random bodies; what it takes is whole', async () => {
    const values: unknown[] = [
      null, true, false, 0, -1, 0.001, 0.01, 1.5, 49.99, 1e21, 1e308, -0, '', 'x', '49.99', [], {}, [[]], { a: {} }, 1441, 1440, 'https://a.example/',
      'javascript:x', 'x'.repeat(201),
    ];
    let seed = 11;
    const pick = () => values[(seed = (seed * 1103515245 + 12345) % 2147483648) % values.length];
    let refused = 0;
    for (let i = 0; i < 200; i++) {
      const body: Record<string, unknown> = { amountUsd: pick(), ttlMinutes: pick(), productName: pick(), redirectUrl: pick(), metadata: pick() };
      for (const k of Object.keys(body)) if (pick() === null) delete body[k];
      const res = await co('POST', '/invoices', { body });
      expect(res.status, `${JSON.stringify(body)} → ${res.text}`).to.be.below(500);
      if (res.status >= 400) {
        expect(res.body).to.have.keys(['error', 'code']);
        refused++;
      }
    }
    expect(refused).to.be.greaterThan(150);
    // What was taken is whole: every invoice has its line, its event and its address.
    const invoices = await t.count('invoices');
    expect(await t.count('invoice_lines')).to.equal(invoices);
    expect(await t.count('outbox')).to.equal(invoices);
    expect((await t.till.db.read('addresses').where({ state: 'assigned' })).length).to.equal(invoices);
    await t.till.db.write('outbox').delete();
    await t.till.db.write('invoice_lines').delete();
    await t.till.db.write('addresses').update({ state: 'free', invoice_id: null });
    await t.till.db.write('invoices').delete();
  });

  it('never 5xxs on odd ids, with or without a key', async () => {
    const odd = [
      '..', '%2e%2e', '%', '%zz', '%ff', '%00', '%0a', "'--", '"', '<script>', '%E2%80%AE', '__proto__', 'constructor',
      'null', '-1', '0', '1', '1e3', 'x'.repeat(5000), 'STATS', 'stats%2Fstatus', 'A1B2C3D4-E5F6A7B8', 'INV-0001',
      '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff',
    ];
    for (const seg of odd) {
      for (const [method, p] of [['GET', `/invoices/${seg}`], ['GET', `/invoices/${seg}/status`], ['DELETE', `/invoices/${seg}`]] as const) {
        for (const c of [co, checkoutClient(t, 'nope')]) {
          const res = await c(method, p);
          expect(res.status, `${method} ${p.slice(0, 60)} → ${res.text.slice(0, 100)}`).to.be.oneOf([400, 401, 404, 405]);
          expect(res.body).to.have.keys(['error', 'code']);
        }
      }
    }
    await expectNothingWritten();
  });
});

describe('checkout when Till cannot quote', () => {
  const failing: RateProvider = { name: 'down', fetchRates: () => Promise.reject(new Error('exchange down')) };

  it('answers 503 rate_unavailable in the checkout shape when no USD rate can be had, and writes nothing', async () => {
    const t = await startTill({ rateProviders: [failing] });
    try {
      await t.setWallet();
      const res = await checkoutClient(t)('POST', '/invoices', { body: { amountUsd: 49.99 } });
      expect(res.status, res.text).to.equal(503);
      expect(res.body).to.have.keys(['error', 'code']);
      expect(res.body.code).to.equal('rate_unavailable');
      expect(await t.count('invoices')).to.equal(0);
      expect(await t.count('outbox')).to.equal(0);
    } finally {
      await t.stop();
    }
  });

  it('refuses with no wallet (no_wallet) or with USD not a rate currency, writing nothing', async () => {
    const t = await startTill({ env: { TILL_RATE_CURRENCIES: 'EUR' } });
    try {
      const c = checkoutClient(t);
      const noWallet = await c('POST', '/invoices', { body: { amountUsd: 49.99 } });
      expect(noWallet.status).to.equal(400);
      expect(noWallet.body.code).to.equal('no_wallet');
      await t.setWallet();
      const noUsd = await c('POST', '/invoices', { body: { amountUsd: 49.99 } });
      expect(noUsd.status).to.be.within(400, 503);
      expect(noUsd.body.code).to.be.oneOf(['unsupported_currency', 'rate_unavailable']);
      expect(noUsd.body.error).to.match(/USD/);
      expect(await t.count('invoices')).to.equal(0);
      expect(await t.count('outbox')).to.equal(0);
    } finally {
      await t.stop();
    }
  });
});
