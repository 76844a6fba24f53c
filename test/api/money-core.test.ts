/**
 * The money core through the real HTTP API and the real payment path, with no node:
 * payments are handed to PaymentService as the chain watcher would hand them.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { findInvoice, updateInvoice } from '../../src/db/invoices.js';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';
import { createFixedRateProvider, type RateProvider } from '../../src/rates/index.js';

const rnd = () => randomBytes(32).toString('hex');

async function finalized(t: TestTill, body: Record<string, unknown>): Promise<any> {
  const c = await t.request('POST', '/api/v1/invoices', { body });
  expect(c.status, c.text).to.equal(201);
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  expect(f.status, f.text).to.equal(200);
  return f.body;
}

async function addressId(t: TestTill, address: string): Promise<number> {
  return (await t.till.db.read('addresses').where({ address }).first()).id;
}

const btcBody = (price: string) => ({ currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: price }] });

describe('money core over the API', function () {
  this.timeout(20_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('a wire invoice marked paid shows the whole total paid and nothing due (item 12)', async () => {
    t = await startTill();
    const c = await t.request('POST', '/api/v1/invoices', {
      body: { currency: 'USD', payment_methods: ['wire'], lines: [{ description: 'x', quantity: 1, unit_price: '120.00' }] },
    });
    const m = await t.request('POST', `/api/v1/invoices/${c.body.ref}/mark-paid`, { body: { note: 'bank ref 42' } });
    expect(m.status, m.text).to.equal(200);
    expect(m.body).to.include({ status: 'confirmed', amount_paid: '120.00', amount_due: '0' });
    const g = await t.request('GET', `/api/v1/invoices/${c.body.ref}`);
    expect(g.body).to.include({ amount_paid: '120.00', amount_due: '0' });
    const s = await t.request('GET', `/api/v1/invoices/${c.body.ref}/status`);
    expect(s.body).to.include({ amount_paid: '120.00', amount_due: '0' });
  });

  it('amount_due honours the 1-satoshi tolerance that status uses (item 13)', async () => {
    // At 2.5 billion VND a bitcoin, one satoshi is 25 dong: the tolerance is visible in VND.
    t = await startTill({
      env: { TILL_RATE_CURRENCIES: 'USD,VND' },
      rateProviders: [createFixedRateProvider('USD=70000,VND=2500000000')],
    });
    await t.setWallet();
    const inv = await finalized(t, { currency: 'VND', lines: [{ description: 'x', quantity: 1, unit_price: '1000000' }] });
    const due = BigInt(Math.round(Number(inv.btc_amount) * 1e8));
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: due - 1n, addressId: await addressId(t, inv.payment_address) }] });
    const g = await t.request('GET', `/api/v1/invoices/${inv.ref}`);
    expect(g.body).to.include({ status: 'paid', amount_due: '0', amount_paid: '1000000' });
    const s = await t.request('GET', `/api/v1/invoices/${inv.ref}/status`);
    expect(s.body).to.include({ status: 'paid', amount_due: '0' });
  });

  it('finalize with no wallet says no_wallet even when no rate source answers (item 15)', async () => {
    const dead: RateProvider = {
      name: 'dead',
      fetchRates: async () => {
        throw new Error('unreachable');
      },
    };
    t = await startTill({ rateProviders: [dead] });
    const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'USD', lines: [{ description: 'x', quantity: 1, unit_price: '5.00' }] } });
    const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
    expect(f.status, f.text).to.equal(400);
    expect(f.body.code).to.equal('no_wallet');
  });

  it('a cancelled invoice keeps its address through the cool-down, then the pool reuses it (item 5)', async () => {
    t = await startTill({ env: { TILL_ADDRESS_COOLDOWN_MINUTES: '60' } });
    await t.setWallet();
    const a = await finalized(t, btcBody('0.0003'));
    expect((await t.request('DELETE', `/api/v1/invoices/${a.ref}`)).status).to.equal(200);
    const b = await finalized(t, btcBody('0.0003'));
    expect(b.payment_address).to.not.equal(a.payment_address);
    t.clock.advance(61 * 60_000);
    const c = await finalized(t, btcBody('0.0003'));
    expect(c.payment_address).to.equal(a.payment_address);
    // Money sent now to that address belongs to the invoice that holds it now.
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: 30_000n, addressId: await addressId(t, a.payment_address) }] });
    expect((await t.request('GET', `/api/v1/invoices/${c.ref}`)).body.status).to.equal('paid');
    expect((await t.request('GET', `/api/v1/invoices/${a.ref}`)).body).to.include({ status: 'cancelled', exception: null });
  });

  it('an invoice that expires unpaid gives its address back through the cool-down; one paid late keeps it for good', async () => {
    t = await startTill({ env: { TILL_ADDRESS_COOLDOWN_MINUTES: '60', TILL_QUOTE_DEADLINE_MINUTES: '15' } });
    await t.setWallet();
    const a = await finalized(t, btcBody('0.0003'));
    const paidLate = await finalized(t, btcBody('0.0003'));
    t.clock.advance(16 * 60_000);
    await t.till.services.invoices.expireDue();
    expect((await t.request('GET', `/api/v1/invoices/${a.ref}`)).body.status).to.equal('expired');
    // Inside the cool-down a payer may still pay from the old QR: the address is not handed out.
    const b = await finalized(t, btcBody('0.0003'));
    expect([a.payment_address, paidLate.payment_address]).to.not.include(b.payment_address);
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: 30_000n, addressId: await addressId(t, paidLate.payment_address) }] });
    const late = (await t.request('GET', `/api/v1/invoices/${paidLate.ref}`)).body;
    expect(late).to.include({ status: 'expired', exception: 'paid_late' });

    t.clock.advance(61 * 60_000);
    const c = await finalized(t, btcBody('0.0003'));
    const d = await finalized(t, btcBody('0.0003'));
    expect(c.payment_address).to.equal(a.payment_address);
    expect(d.payment_address).to.not.equal(paidLate.payment_address);
  });

  it('with no cool-down a released address is handed out again at once; one that ever saw money never is (item 5)', async () => {
    t = await startTill({ env: { TILL_ADDRESS_COOLDOWN_MINUTES: '0' } });
    await t.setWallet();
    const a = await finalized(t, btcBody('0.0003'));
    await t.request('DELETE', `/api/v1/invoices/${a.ref}`);
    const b = await finalized(t, btcBody('0.0003'));
    expect(b.payment_address).to.equal(a.payment_address);

    const { payments } = t.till.services;
    const txid = rnd();
    await payments.apply({ seen: [{ txid, vout: 0, sats: 30_000n, addressId: await addressId(t, b.payment_address) }] });
    await payments.apply({ removed: [{ txid, reason: 'replaced' }] });
    const pending = await t.request('GET', `/api/v1/invoices/${b.ref}`);
    expect(pending.body).to.include({ status: 'pending', btc_paid: '0.00000000' });
    expect((await t.request('DELETE', `/api/v1/invoices/${b.ref}`)).status).to.equal(200);
    const c = await finalized(t, btcBody('0.0003'));
    expect(c.payment_address).to.not.equal(b.payment_address);
  });
});

describe('money core: the wallet', function () {
  this.timeout(20_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('setting the same wallet again carries on with its addresses instead of failing every finalize', async () => {
    t = await startTill();
    await t.setWallet();
    const a = await finalized(t, btcBody('0.0003'));
    await t.setWallet();
    const b = await finalized(t, btcBody('0.0003'));
    expect(b.payment_address).to.not.equal(a.payment_address);
    expect(await t.count('wallets')).to.equal(1);
  });

  it('the same key set again in another spelling skips the addresses it handed out', async () => {
    t = await startTill();
    const tpub = testTpub(7);
    await t.till.services.pool.setWallet(t.till.db, `wpkh(${tpub}/0/*)`, 0, t.clock.now());
    const a = await finalized(t, btcBody('0.0003'));
    await t.till.services.pool.setWallet(t.till.db, `wpkh([deadbeef/84h/1h/0h]${tpub}/0/*)`, 0, t.clock.now());
    const b = await finalized(t, btcBody('0.0003'));
    expect(b.payment_address).to.not.equal(a.payment_address);
    expect(await t.count('wallets')).to.equal(2);
  });
});

describe('money core: the writer', function () {
  this.timeout(30_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  // The chain's units read a payment's status or the tip, then write from it: they must
  // never run interleaved with one another, even when they share a commit.
  for (const pad of [0, 1, 2, 3]) it(`a payment mined in a block is never left 'replaced' by a replacement seen in the same commit (pad ${pad})`, async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    const inv = await finalized(t, btcBody('0.0003'));
    const addr = await addressId(t, inv.payment_address);
    const due = 30_000n;
    const h = (c: string) => c.repeat(64);
    const { payments } = t.till.services;
    const db = t.till.db;
    await payments.apply({ seen: [{ txid: h('1'), vout: 0, sats: due, addressId: addr, spends: [`${h('a')}:0`] }] });
    // Hold the writer so the block and the replacement arrive together, as one batch.
    let open!: () => void;
    const gate = db.tx(() => new Promise<void>((r) => (open = r)));
    await new Promise((r) => setTimeout(r, 20));
    const block = payments.apply({ connected: [{ hash: h('b'), height: 800_000, prevHash: h('c'), outputs: [{ txid: h('1'), vout: 0, sats: due, addressId: addr, spends: [`${h('a')}:0`] }] }] });
    const replacement = payments.apply({ seen: [
      ...Array.from({ length: pad }, (_, i) => ({ txid: h('3'), vout: i, sats: 1000n, addressId: addr })),
      { txid: h('2'), vout: 0, sats: due, addressId: addr, spends: [`${h('a')}:0`] },
    ] });
    open();
    await gate;
    await Promise.allSettled([block, replacement]);
    const mined = await db.read('payments').where({ txid: h('1'), vout: 0 }).first();
    expect(mined.status).to.equal('confirmed');
    expect(mined.block_hash).to.equal(h('b'));
    expect((await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body.status).to.be.oneOf(['paid', 'confirmed']);
  });

  for (const pad of [0, 2, 4]) it(`a confirmed invoice is never pulled back to paid by a payment settled with the tip of before the block in its commit (pad ${pad})`, async () => {
    t = await startTill({ env: { TILL_CONFIRMATIONS: '2', TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    const inv = await finalized(t, btcBody('0.0003'));
    const addr = await addressId(t, inv.payment_address);
    const h = (c: string) => c.repeat(64);
    const { payments } = t.till.services;
    const db = t.till.db;
    await payments.apply({ connected: [{ hash: h('b'), height: 100, prevHash: h('a'), outputs: [{ txid: h('1'), vout: 0, sats: 30_000n, addressId: addr, spends: [`${h('e')}:0`] }] }] });
    let open!: () => void;
    const gate = db.tx(() => new Promise<void>((r) => (open = r)));
    await new Promise((r) => setTimeout(r, 20));
    // The next block (2 confirmations now) and a top-up to the same address, in one commit.
    const block = payments.apply({ connected: [{ hash: h('c'), height: 101, prevHash: h('b'), outputs: [] }] });
    const topUp = payments.apply({ seen: Array.from({ length: pad + 1 }, (_, i) => ({ txid: h('3'), vout: i, sats: 1000n, addressId: addr, spends: [`${h('f')}:0`] })) });
    open();
    await gate;
    await Promise.allSettled([block, topUp]);
    expect((await db.read('invoices').where({ ref: inv.ref }).first()).status).to.equal('confirmed');
    const events = (await db.read('outbox').where({ type: 'invoice.confirmed' })).length;
    expect(events, 'confirmed once').to.equal(1);
  });

  it('a mempool flush racing a block apply never persists a stale invoice (item 9)', async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    const { payments } = t.till.services;
    const cases: { ref: string; addressId: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const inv = await finalized(t, btcBody('0.001'));
      cases.push({ ref: inv.ref, addressId: await addressId(t, inv.payment_address) });
    }
    // Each invoice: 50k seen in the mempool, then at once a block confirming it and a new 30k sighting.
    const first = cases.map((c) => ({ txid: rnd(), vout: 0, sats: 50_000n, addressId: c.addressId }));
    await payments.apply({ seen: first });
    let prev = '00'.repeat(32);
    for (let round = 0; round < 5; round++) {
      const hash = rnd();
      const block = { hash, height: round + 1, prevHash: prev, outputs: round === 0 ? first : [] };
      prev = hash;
      const more = cases.map((c) => ({ txid: rnd(), vout: 0, sats: 10_000n, addressId: c.addressId }));
      await Promise.all([
        payments.apply({ connected: [block] }),
        ...more.map((m) => payments.apply({ seen: [m] })),
      ]);
    }
    for (const c of cases) {
      const inv = (await t.request('GET', `/api/v1/invoices/${c.ref}?include_payments=true`)).body;
      const sum = inv.payments.reduce((s: bigint, p: any) => s + BigInt(Math.round(Number(p.amount) * 1e8)), 0n);
      expect(inv.payments).to.have.length(6);
      expect(inv.btc_paid, c.ref).to.equal((Number(sum) / 1e8).toFixed(8));
      expect(inv.status).to.equal('paid');
      expect(inv.exception).to.equal(null);
    }
  });

  it('a new tip re-settles only invoices whose confirmations can still change (item 11)', async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    await t.setWallet();
    const { payments } = t.till.services;
    const outputs = [];
    for (let i = 0; i < 30; i++) {
      const inv = await finalized(t, btcBody('0.0001'));
      outputs.push({ txid: rnd(), vout: 0, sats: 10_000n, addressId: await addressId(t, inv.payment_address) });
    }
    const h1 = rnd();
    await payments.apply({ connected: [{ hash: h1, height: 1, prevHash: '00'.repeat(32), outputs }] });
    const r = await payments.apply({ connected: [{ hash: rnd(), height: 2, prevHash: h1, outputs: [] }] });
    expect(r.settledInvoices).to.equal(0);
  });
});

describe('money core: invoice compare-and-set', function () {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('a writer holding a stale read cannot persist it, even when the status is unchanged (item 9)', async () => {
    t = await startTill();
    await t.setWallet();
    const inv = await finalized(t, btcBody('0.001'));
    const stale = await findInvoice(t.till.db.read, { by: 'ref', value: inv.ref });
    const now = t.clock.now();
    const first = await t.till.db.tx((trx) => updateInvoice(trx, stale!, { paidSats: 60_000n, updatedAt: now }));
    expect(first).to.equal(true);
    const second = await t.till.db.tx((trx) => updateInvoice(trx, stale!, { paidSats: 55_000n, updatedAt: now }));
    expect(second, 'the stale write must be refused').to.equal(false);
    expect((await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body.btc_paid).to.equal('0.00060000');
  });
});
