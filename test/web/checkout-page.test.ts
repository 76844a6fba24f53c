/**
 * The payer's checkout page `/i/<uuid>` on the real server, without a browser: what it
 * shows in each state, its headers, its 404s, escaping, and the SSE stream that tells an
 * open page of a payment within a second.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';
import { STYLESHEET, SCRIPT } from '../../src/web/assets.js';
import { STREAMS_PER_CLIENT } from '../../src/web/checkout/routes.js';

const rnd = () => randomBytes(32).toString('hex');
const ONION = `http://${'a'.repeat(56)}.onion`;

async function finalized(t: TestTill, body: Record<string, unknown>): Promise<any> {
  const c = await t.request('POST', '/api/v1/invoices', { body });
  expect(c.status, c.text).to.equal(201);
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  expect(f.status, f.text).to.equal(200);
  const row = await t.till.db.read('invoices').where({ ref: c.body.ref }).first();
  return { ...f.body, uuid: row.public_id as string, id: row.id as number };
}

async function addressId(t: TestTill, address: string): Promise<number> {
  return (await t.till.db.read('addresses').where({ address }).first()).id;
}

const usd = (lines = [{ description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' }]) => ({ currency: 'USD', lines });

async function page(t: TestTill, uuid: string, suffix = ''): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${t.url}/i/${uuid}${suffix}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The first chunk of a stream (the SSE stream's opening), then the connection dropped. */
function firstChunk(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.setEncoding('utf8');
      res.once('data', (d: string) => {
        resolve(d);
        req.destroy();
      });
    });
    req.on('error', reject);
  });
}

const dueSats = (inv: any) => BigInt(String(inv.btc_amount).replace('.', ''));

describe('checkout page /i/<uuid>', function () {
  this.timeout(30_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('shows the shop, the lines, BTC and fiat amounts, the address, a QR linking to BIP21 and a countdown', async () => {
    t = await startTill({ env: { TILL_SHOP_NAME: 'Corner Café', TILL_ONION_URL: ONION } });
    await t.setWallet(testTpub(3));
    const inv = await finalized(t, usd([
      { description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' },
      { description: 'Hardware wallet setup', quantity: 2, unit_price: '25.00' },
    ]));
    const p = await page(t, inv.uuid);
    expect(p.status).to.equal(200);
    expect(p.headers.get('content-type')).to.match(/^text\/html/);
    expect(p.text).to.match(/^<!doctype html>/);
    expect(p.text).to.include('Corner Café').and.include('Consulting (1 hour)').and.include('2 × Hardware wallet setup');
    expect(p.text).to.include(`${inv.btc_amount} BTC`).and.include('200.00 USD');
    expect(p.text).to.include(`>${inv.payment_address}</code>`);
    expect(p.text).to.include(`href="bitcoin:${inv.payment_address}?amount=${Number(inv.btc_amount)}"`);
    expect(p.text).to.match(/<svg[^>]*viewBox/);
    expect(p.text).to.include('id="countdown" data-seconds="900"');
    expect(p.text).to.include('Waiting for your payment').and.include('role="status"');
    expect(p.text).to.include('<meta http-equiv="refresh" content="5"/>');
    expect(p.text).to.include(`src="${SCRIPT.path}"`).and.include(`href="${STYLESHEET.path}"`);
    expect(p.text).not.to.match(/<script(?![^>]*\ssrc=)/, 'no inline script');
    expect(p.text).not.to.match(/\sstyle=/, 'no inline style');
    // Headers.
    const csp = p.headers.get('content-security-policy')!;
    expect(csp).to.include("default-src 'self'").and.include("img-src 'self' data:").and.include("frame-ancestors 'none'");
    expect(csp).not.to.include('unsafe-inline');
    expect(p.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(p.headers.get('cache-control')).to.equal('no-store');
    expect(p.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(p.headers.get('onion-location')).to.equal(`${ONION}/i/${inv.uuid}`);
    // Nothing of another invoice or of the account: no API key, no ref, no other number.
    expect(p.text).not.to.include(inv.ref);
  });

  it('serves its assets with long cache headers under hashed names, and 404s others', async () => {
    t = await startTill();
    for (const a of [STYLESHEET, SCRIPT]) {
      const res = await fetch(t.url + a.path);
      expect(res.status).to.equal(200);
      expect(res.headers.get('cache-control')).to.include('immutable');
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(res.headers.get('content-security-policy')).to.include("default-src 'self'");
      expect((await res.arrayBuffer()).byteLength).to.be.below(8000);
    }
    expect(SCRIPT.path).to.match(/^\/assets\/checkout\.[0-9a-f]{12}\.js$/);
    expect((await fetch(`${t.url}/assets/checkout.000000000000.js`)).status).to.equal(404);
  });

  it('answers an HTML 404, never a JSON error, for anything else under /i/', async () => {
    t = await startTill();
    await t.setWallet(testTpub(4));
    const c = await t.request('POST', '/api/v1/invoices', { body: usd() });
    const draft = await t.till.db.read('invoices').where({ ref: c.body.ref }).first();
    for (const p of [`/i/${randomUUID()}`, '/i/not-a-uuid', '/i/', '/i', `/i/${draft.public_id}`, `/i/${randomUUID()}/events`, `/i/${randomUUID()}/x`, '/i/INV-0001']) {
      const res = await fetch(t.url + p);
      expect(res.status, p).to.equal(404);
      expect(res.headers.get('content-type'), p).to.match(/^text\/html/);
      expect(await res.text(), p).to.include('Page not found');
      expect(res.headers.get('content-security-policy'), p).to.include("frame-ancestors 'none'");
    }
    const post = await fetch(`${t.url}/i/${draft.public_id}`, { method: 'POST' });
    expect(post.status).to.equal(404);
    expect(post.headers.get('content-type')).to.match(/^text\/html/);
  });

  it('shows a line holding <script> as text', async () => {
    t = await startTill();
    await t.setWallet(testTpub(5));
    const inv = await finalized(t, usd([{ description: '<script>alert(1)</script> & "quotes"', quantity: 1, unit_price: '1.00' }]));
    const p = await page(t, inv.uuid);
    expect(p.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(p.text).not.to.include('<script>alert');
  });

  it('walks waiting → partly paid (QR for the remainder) → paid (n of N) → confirmed, with a way back to the shop', async () => {
    t = await startTill({ env: { TILL_CONFIRMATIONS: '2' } });
    await t.setWallet(testTpub(6));
    const c = await t.request('POST', '/api/checkout/invoices', {
      headers: { 'X-Api-Key': t.key }, key: null,
      body: { amountUsd: 49.99, productName: 'Blue mug', redirectUrl: 'https://shop.example/thanks?o=1' },
    });
    expect(c.status, c.text).to.equal(201);
    const uuid = c.body.id as string;
    const address = c.body.btcAddress as string;
    const due = BigInt(String(c.body.amountBtc.toFixed(8)).replace('.', ''));
    let p = await page(t, uuid);
    expect(p.text).to.include('Blue mug').and.include('49.99 USD');
    expect(p.text).not.to.include('Back to the shop');

    const aid = await addressId(t, address);
    const half = due / 2n;
    const first = { txid: rnd(), vout: 0, sats: half, addressId: aid };
    await t.till.services.payments.apply({ seen: [first] });
    p = await page(t, uuid);
    const rest = due - half;
    const restBtc = (Number(rest) / 1e8).toFixed(8);
    expect(p.text).to.include('Partly paid').and.include(`Send the remaining <strong>${restBtc} BTC</strong>`);
    expect(p.text).to.include(`href="bitcoin:${address}?amount=${Number(restBtc)}"`);

    const txid = rnd();
    const out = { txid, vout: 0, sats: rest, addressId: aid };
    await t.till.services.payments.apply({ seen: [out] });
    p = await page(t, uuid);
    expect(p.text).to.include('Payment received, waiting for confirmation').and.include('Confirmations so far: 0 of 2');
    expect(p.text).not.to.include('bitcoin:');
    expect(p.text).to.include('href="https://shop.example/thanks?o=1"').and.include('Back to the shop');
    expect(p.text).to.include('http-equiv="refresh"');

    const h1 = rnd();
    await t.till.services.payments.apply({ connected: [{ hash: h1, height: 1, prevHash: '00'.repeat(32), outputs: [first, out] }] });
    p = await page(t, uuid);
    expect(p.text, p.text.slice(p.text.indexOf('<div id="live"'), p.text.indexOf('<div id="live"') + 600)).to.include('Confirmations so far: 1 of 2');
    await t.till.services.payments.apply({ connected: [{ hash: rnd(), height: 2, prevHash: h1, outputs: [] }] });
    p = await page(t, uuid);
    expect(p.text).to.include('Payment confirmed').and.include('Back to the shop');
    // Paid: the page takes the payer back to the shop by itself (without JavaScript too).
    expect(p.text).to.include('<meta http-equiv="refresh" content="10;url=https://shop.example/thanks?o=1"');
    expect(p.text).to.include('id="return" class="hint" data-seconds="10" data-href="https://shop.example/thanks?o=1"');
    const s = await page(t, uuid, '/status.json');
    expect(s.headers.get('cache-control')).to.equal('no-store');
    expect(JSON.parse(s.text)).to.include({ state: 'confirmed', open: false, headline: 'Payment confirmed' });
  });

  it('expired, underpaid, paid late and cancelled each say what to do, with nothing left to pay', async () => {
    t = await startTill({ env: { TILL_GRACE_MINUTES: '10' } });
    await t.setWallet(testTpub(7));
    const expired = await finalized(t, usd());
    const under = await finalized(t, usd());
    const late = await finalized(t, usd());
    const cancelled = await finalized(t, usd());
    const { payments, invoices } = t.till.services;
    await payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: 1000n, addressId: await addressId(t, under.payment_address) }] });
    expect((await t.request('DELETE', `/api/v1/invoices/${cancelled.ref}`)).status).to.equal(200);
    t.clock.advance(16 * 60_000);
    await invoices.expireDue();
    await payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: dueSats(late), addressId: await addressId(t, late.payment_address) }] });
    t.clock.advance(11 * 60_000);
    await invoices.expireDue();
    const cases: [any, string, string][] = [
      [expired, 'This invoice has expired', 'Go back to the shop for a new invoice'],
      [under, 'Underpaid', 'contact the shop to'],
      [late, 'Paid after the deadline', 'contact the shop to settle it'],
      [cancelled, 'This invoice was cancelled', 'Do not pay it'],
    ];
    for (const [inv, headline, advice] of cases) {
      const p = await page(t, inv.uuid);
      expect(p.status).to.equal(200);
      expect(p.text, headline).to.include(headline).and.include(advice);
      expect(p.text, headline).not.to.include('bitcoin:');
      expect(p.text, headline).not.to.include(inv.payment_address);
      expect(p.text, headline).not.to.include('http-equiv="refresh"');
    }
  });

  it('a wire-only invoice finalizes without a wallet and shows the bank instructions instead of a QR', async () => {
    t = await startTill({ env: { TILL_BANK_INSTRUCTIONS: 'Corner Café Ltd\\nIBAN DE89 3704 0044 0532 0130 00\n<b>BIC</b> COBADEFFXXX' } });
    const c = await t.request('POST', '/api/v1/invoices', { body: { ...usd(), payment_methods: ['wire'] } });
    const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
    expect(f.status, f.text).to.equal(200);
    expect(f.body).to.include({ status: 'pending', btc_amount: null, payment_address: null, payment_uri: null, expires_at: null });
    expect(f.body.checkout_url).to.equal(`${t.url}/i/${f.body.uuid}`);
    expect(await t.count('addresses'), 'no address taken').to.equal(0);

    let p = await page(t, f.body.uuid);
    expect(p.status).to.equal(200);
    expect(p.text).to.include('Waiting for your bank transfer').and.include('150.00 USD');
    expect(p.text).to.include('Corner Café Ltd<br>IBAN DE89 3704 0044 0532 0130 00<br>&lt;b&gt;BIC&lt;/b&gt; COBADEFFXXX');
    expect(p.text).to.include(`>${f.body.invoice_number}</code>`);
    expect(p.text).not.to.include('bitcoin:').and.not.include('<svg').and.not.include('id="countdown"');
    // Nothing runs out while the bank moves the money: the sweeper leaves it waiting.
    t.clock.advance(7 * 24 * 60 * 60_000);
    await t.till.services.invoices.expireDue();
    expect((await page(t, f.body.uuid)).text).to.include('Waiting for your bank transfer');

    expect((await t.request('POST', `/api/v1/invoices/${c.body.ref}/mark-paid`, { body: { note: 'bank ref 42' } })).status).to.equal(200);
    p = await page(t, f.body.uuid);
    expect(p.text).to.include('Payment confirmed').and.not.include('IBAN');
  });

  it('an invoice taking bitcoin or a wire shows both; with no instructions set it says to ask the shop', async () => {
    t = await startTill({ env: { TILL_BANK_INSTRUCTIONS: 'IBAN DE89 3704 0044 0532 0130 00' } });
    await t.setWallet(testTpub(8));
    const both = await finalized(t, { ...usd(), payment_methods: ['onchain_btc', 'wire'] });
    const p = await page(t, both.uuid);
    expect(p.text).to.include(`bitcoin:${both.payment_address}`).and.include('Or pay by bank transfer').and.include('IBAN DE89');
    const btcOnly = await finalized(t, usd());
    expect((await page(t, btcOnly.uuid)).text).not.to.include('bank transfer');
    await t.stop();

    t = await startTill();
    const c = await t.request('POST', '/api/v1/invoices', { body: { ...usd(), payment_methods: ['wire'] } });
    const f = (await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`)).body;
    expect((await page(t, f.uuid)).text).to.include('Ask the shop for its bank details');
  });

  it('reveals nothing of any other invoice, nor of the account', async () => {
    t = await startTill({ env: { TILL_SHOP_NAME: 'Corner Café' } });
    await t.setWallet(testTpub(9));
    const mine = await finalized(t, usd([{ description: 'Mine', quantity: 1, unit_price: '10.00' }]));
    const other = await finalized(t, {
      ...usd([{ description: 'Theirs-secret-line', quantity: 1, unit_price: '99.00' }]),
      customer_email: 'them@example.com', customer_name: 'Them', notes: 'their-private-note', metadata: { order: 'their-order-7' },
    });
    const texts = [
      (await page(t, mine.uuid)).text,
      (await page(t, mine.uuid, '/status.json')).text,
      await firstChunk(`${t.url}/i/${mine.uuid}/events`),
    ];
    for (const text of texts) {
      for (const secret of [other.uuid, other.ref, other.invoice_number, other.payment_address, 'Theirs-secret-line', 'them@example.com', 'their-private-note', 'their-order-7', t.key, mine.ref]) {
        expect(text, secret).not.to.include(secret);
      }
    }
    // The page of the other invoice is reached only by its own uuid.
    expect((await page(t, other.uuid.replace(/.$/, (ch: string) => (ch === '0' ? '1' : '0')))).status).to.equal(404);
  });

  it('pushes a change over SSE within a second of a payment, with a retry hint first', async () => {
    t = await startTill();
    await t.setWallet(testTpub(8));
    const inv = await finalized(t, usd());
    const chunks: string[] = [];
    const req = http.get(`${t.url}/i/${inv.uuid}/events`);
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(res.statusCode).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/event-stream/);
    expect(res.headers['cache-control']).to.equal('no-store');
    res.setEncoding('utf8');
    res.on('data', (d: string) => chunks.push(d));
    await new Promise((r) => setTimeout(r, 100));
    expect(chunks.join('')).to.include('retry: 3000');
    const at = Date.now();
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: dueSats(inv), addressId: await addressId(t, inv.payment_address) }] });
    while (!chunks.join('').includes('event: invoice') && Date.now() - at < 1000) await new Promise((r) => setTimeout(r, 10));
    expect(chunks.join('')).to.include('event: invoice');
    expect(Date.now() - at).to.be.below(1000);
    const s = JSON.parse((await page(t, inv.uuid, '/status.json')).text);
    expect(s).to.include({ state: 'paid', open: true });
    expect(s.html).to.include('Payment received');
    req.destroy();
  });

  it('stops within seconds even when a client keeps its connection open and never reads', async () => {
    t = await startTill();
    await t.setWallet(testTpub(10));
    const inv = await finalized(t, usd());
    const u = new URL(t.url);
    const sock = net.connect(Number(u.port), u.hostname);
    await new Promise((r) => sock.once('connect', r));
    sock.write(`GET /i/${inv.uuid}/events HTTP/1.1\r\nHost: x\r\n\r\n`);
    sock.pause();
    await new Promise((r) => setTimeout(r, 200));
    const at = Date.now();
    await t.stop();
    t = undefined as unknown as TestTill;
    expect(Date.now() - at).to.be.below(6_000);
    sock.destroy();
  });

  it('tells an open page of each new block, so "n of N" confirmations moves without a reload', async () => {
    t = await startTill({ env: { TILL_CONFIRMATIONS: '3' } });
    await t.setWallet(testTpub(11));
    const inv = await finalized(t, usd());
    const out = { txid: rnd(), vout: 0, sats: dueSats(inv), addressId: await addressId(t, inv.payment_address) };
    await t.till.services.payments.apply({ seen: [out] });
    const chunks: string[] = [];
    const req = http.get(`${t.url}/i/${inv.uuid}/events`);
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    res.setEncoding('utf8');
    res.on('data', (d: string) => chunks.push(d));
    await new Promise((r) => setTimeout(r, 100));
    expect(chunks.join('')).not.to.include('event: invoice');
    const h1 = rnd();
    await t.till.services.payments.apply({ connected: [{ hash: h1, height: 1, prevHash: '00'.repeat(32), outputs: [out] }] });
    await new Promise((r) => setTimeout(r, 100));
    const before = JSON.parse((await page(t, inv.uuid, '/status.json')).text);
    expect(before).to.include({ state: 'paid', confirmations: 1 });
    // A block with nothing of ours changes no invoice, yet the page must say 2 of 3.
    chunks.length = 0;
    await t.till.services.payments.apply({ connected: [{ hash: rnd(), height: 2, prevHash: h1, outputs: [] }] });
    const at = Date.now();
    while (!chunks.join('').includes('event: invoice') && Date.now() - at < 1000) await new Promise((r) => setTimeout(r, 10));
    expect(chunks.join('')).to.include('event: invoice');
    expect((await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body.status, 'the invoice itself did not change').to.equal('paid');
    const after = JSON.parse((await page(t, inv.uuid, '/status.json')).text);
    expect(after).to.include({ state: 'paid', confirmations: 2 });
    expect(after.html).to.include('Confirmations so far: 2 of 3');
    // What the page shows, sent back: 204 while it is still so, the new state once it moved.
    const stamp = /data-stamp="([^"]+)"/.exec(after.html)![1];
    expect((await fetch(`${t.url}/i/${inv.uuid}/status.json?stamp=${stamp}`)).status).to.equal(204);
    expect((await fetch(`${t.url}/i/${inv.uuid}/status.json?stamp=${/data-stamp="([^"]+)"/.exec(before.html)![1]}`)).status).to.equal(200);
    req.destroy();
  });

  it('streams: a few per client address, none for a closed invoice, headers only for HEAD; a malformed id is a 404', async () => {
    t = await startTill();
    await t.setWallet(testTpub(12));
    const inv = await finalized(t, usd());
    const url = `${t.url}/i/${inv.uuid}/events`;
    const open: http.ClientRequest[] = [];
    const statusOf = (u: string, method = 'GET') => new Promise<number>((resolve, reject) => {
      const req = http.request(u, { method }, (res) => {
        resolve(res.statusCode ?? 0);
        if (res.statusCode !== 200 || method === 'HEAD') res.resume();
      });
      req.on('error', reject);
      req.end();
      open.push(req);
    });
    try {
      for (let i = 0; i < STREAMS_PER_CLIENT; i++) expect(await statusOf(url), `stream ${i + 1}`).to.equal(200);
      expect(await statusOf(url), 'one too many').to.equal(429);
      expect(await statusOf(url, 'HEAD')).to.equal(200);
    } finally {
      for (const r of open) r.destroy();
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(await statusOf(url), 'closed streams are counted off').to.equal(200);
    open.at(-1)!.destroy();
    expect((await t.request('DELETE', `/api/v1/invoices/${inv.ref}`)).status).to.equal(200);
    expect(await statusOf(url), 'a cancelled invoice has nothing more to tell').to.equal(204);
    expect((await page(t, '%E0%A4%A')).status).to.equal(404);
  });

  it('ends open streams at once when Till stops', async () => {
    t = await startTill();
    await t.setWallet(testTpub(9));
    const inv = await finalized(t, usd());
    const req = http.get(`${t.url}/i/${inv.uuid}/events`);
    const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    const ended = new Promise<void>((resolve) => res.on('end', resolve));
    res.resume();
    const stopped = t.stop();
    await ended;
    await stopped;
    t = undefined as unknown as TestTill;
  });
});
