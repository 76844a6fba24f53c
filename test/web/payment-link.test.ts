/**
 * Payment links' public page `/pay/<slug>` on the real server: the link shown, a fixed or
 * payer-chosen amount turned into a fresh finalized invoice and a 303 to its checkout
 * page, bad amounts shown back with nothing written, 404s, the rate limits and headers.
 */
import { expect } from 'chai';
import http from 'node:http';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';

const ONION = `http://${'b'.repeat(56)}.onion`;

async function link(t: TestTill, body: Record<string, unknown>): Promise<any> {
  const r = await t.request('POST', '/api/v1/payment-links', { body });
  expect(r.status, r.text).to.equal(201);
  return r.body;
}

async function page(t: TestTill, slug: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${t.url}/pay/${slug}`);
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function submit(t: TestTill, slug: string, form: Record<string, string> | string, type = 'application/x-www-form-urlencoded') {
  const res = await fetch(`${t.url}/pay/${slug}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': type },
    body: typeof form === 'string' ? form : new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function invoiceAt(t: TestTill, location: string | null): Promise<any> {
  const m = /^\/i\/([0-9a-f-]{36})$/.exec(location ?? '');
  expect(m, `Location ${location}`).to.not.equal(null);
  return t.till.db.read('invoices').where({ public_id: m![1] }).first();
}

function expectPageHeaders(h: Headers): void {
  const csp = h.get('content-security-policy') ?? '';
  expect(csp).to.include("script-src 'self'").and.include("frame-ancestors 'none'").and.include("default-src 'self'");
  expect(csp).to.not.include('unsafe-inline');
  expect(h.get('cache-control')).to.equal('no-store');
  expect(h.get('x-content-type-options')).to.equal('nosniff');
  expect(h.get('referrer-policy')).to.equal('no-referrer');
}

describe('payment link page /pay/<slug>', function () {
  this.timeout(30_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('shows a fixed-amount link and opens a fresh finalized invoice for it on POST: 303 to its checkout page', async () => {
    t = await startTill({ env: { TILL_SHOP_NAME: 'Corner Café', TILL_ONION_URL: ONION } });
    await t.setWallet(testTpub(4));
    const l = await link(t, {
      title: 'Workshop ticket', slug: 'workshop', description: 'One seat.\n<script>alert(1)</script>',
      amount: '25.00', currency: 'EUR', redirect_url: 'https://shop.example/thanks',
    });
    const p = await page(t, 'workshop');
    expect(p.status).to.equal(200);
    expect(p.headers.get('content-type')).to.match(/^text\/html/);
    expectPageHeaders(p.headers);
    expect(p.headers.get('onion-location')).to.equal(`${ONION}/pay/workshop`);
    expect(p.text).to.match(/^<!doctype html>/);
    expect(p.text).to.include('Corner Café').and.include('Workshop ticket').and.include('25.00 EUR');
    expect(p.text).to.include('One seat.<br>&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(p.text).to.include('<form method="post" action="/pay/workshop"').and.not.include('name="amount"');
    expect(p.text).to.not.match(/<script>/);

    const r1 = await submit(t, 'workshop', '');
    expect(r1.status).to.equal(303);
    expectPageHeaders(r1.headers);
    const inv = await invoiceAt(t, r1.headers.get('location'));
    expect(inv.status).to.equal('pending');
    expect(inv.dialect).to.equal('link');
    expect(inv.payment_link_id).to.equal(l.id ?? (await t.till.db.read('payment_links').where({ slug: 'workshop' }).first()).id);
    expect(inv.currency).to.equal('EUR');
    expect(String(inv.total)).to.equal('2500');
    expect(inv.address_id).to.not.equal(null);
    expect(JSON.parse(inv.dialect_data)).to.deep.include({ currency: 'EUR', redirectUrl: 'https://shop.example/thanks' });

    // A second payer gets an invoice of their own, and its page shows the link's title.
    const r2 = await submit(t, 'workshop', '');
    const inv2 = await invoiceAt(t, r2.headers.get('location'));
    expect(inv2.id).to.not.equal(inv.id);
    expect(inv2.address_id).to.not.equal(inv.address_id);
    const checkout = await (await fetch(`${t.url}${r2.headers.get('location')}`)).text();
    expect(checkout).to.include('Workshop ticket').and.include('25.00 EUR');
  });

  it('takes a payer-chosen amount within the bounds, exactly in the currency', async () => {
    t = await startTill();
    await t.setWallet(testTpub(5));
    await link(t, { title: 'Tip jar', slug: 'tips', amount: null, currency: 'USD' });
    const p = await page(t, 'tips');
    expect(p.status).to.equal(200);
    expect(p.text).to.include('name="amount"').and.include('<label for="amount-input">Amount (USD)</label>');
    // 546 sats at 70862.71 USD/BTC is 0.387 USD; 1 BTC (TILL_LINK_MAX_SATS) 70862.71.
    expect(p.text).to.include('From 0.39 to 70862.71 USD.');
    const r = await submit(t, 'tips', { amount: '12.34' });
    expect(r.status).to.equal(303);
    const inv = await invoiceAt(t, r.headers.get('location'));
    expect(String(inv.total)).to.equal('1234');
    expect(inv.dialect).to.equal('link');
    expect(inv.status).to.equal('pending');
  });

  it('holds a payer-chosen amount to the link\'s own min_amount and max_amount', async () => {
    t = await startTill();
    await t.setWallet(testTpub(7));
    const l = await link(t, { title: 'Donation', slug: 'give', amount: null, currency: 'USD', min_amount: '5', max_amount: '250.00' });
    expect(l).to.include({ min_amount: '5.00', max_amount: '250.00' });
    expect((await page(t, 'give')).text).to.include('From 5.00 to 250.00 USD.');
    const before = await t.count('invoices');
    expect((await submit(t, 'give', { amount: '4.99' })).text).to.match(/smallest amount is 5\.00 USD/);
    expect((await submit(t, 'give', { amount: '250.01' })).text).to.match(/largest amount is 250\.00 USD/);
    expect(await t.count('invoices')).to.equal(before);
    expect((await submit(t, 'give', { amount: '250' })).status).to.equal(303);

    // Bounds belong to a payer-chosen amount, low to high, in the link's currency.
    const bad: Record<string, unknown>[] = [
      { title: 'x', amount: '10.00', min_amount: '5' },
      { title: 'x', amount: null, min_amount: '9', max_amount: '8' },
      { title: 'x', amount: null, min_amount: '1.234' },
      { title: 'x', amount: null, max_amount: '0' },
    ];
    for (const body of bad) {
      const r = await t.request('POST', '/api/v1/payment-links', { body });
      expect(r.status, JSON.stringify(body)).to.equal(400);
    }
    expect(await t.count('payment_links')).to.equal(1);
  });

  it('a wire-only link opens a wire invoice: no address, rate or deadline, the bank details instead of a QR', async () => {
    t = await startTill({ env: { TILL_BANK_INSTRUCTIONS: 'IBAN DE89 3704 0044 0532 0130 00' } });
    await link(t, { title: 'Catering', slug: 'catering', amount: null, min_amount: '100.00', currency: 'EUR', payment_methods: ['wire'] });
    expect((await page(t, 'catering')).text).to.include('At least 100.00 EUR.');
    expect((await submit(t, 'catering', { amount: '99.99' })).status).to.equal(400);
    const r = await submit(t, 'catering', { amount: '2500.00' });
    expect(r.status, r.text).to.equal(303);
    const inv = await invoiceAt(t, r.headers.get('location'));
    expect(inv).to.include({ status: 'pending', address_id: null, due_sats: null, rate: null, quote_expires_at: null });
    expect(await t.count('addresses'), 'no wallet needed, no address used').to.equal(0);
    const checkout = await (await fetch(`${t.url}${r.headers.get('location')}`)).text();
    expect(checkout).to.include('Waiting for your bank transfer').and.include('IBAN DE89').and.include('2500.00 EUR');
    expect(checkout).not.to.include('bitcoin:').and.not.include('id="countdown"');
  });

  it('a payer\'s Host header never becomes the page a merchant\'s webhooks name', async () => {
    t = await startTill();
    await t.setWallet(testTpub(10));
    await link(t, { title: 'Coffee', slug: 'coffee', amount: '3.50', currency: 'USD' });
    const status = await new Promise<{ status: number; location: string }>((resolve, reject) => {
      const u = new URL(t.url);
      const req = http.request({ host: u.hostname, port: u.port, path: '/pay/coffee', method: 'POST',
        headers: { Host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status.status).to.equal(303);
    const inv = await invoiceAt(t, status.location);
    expect(inv.page_base).to.equal(null);
    const events = await t.till.db.read('outbox').where({ invoice_id: inv.id });
    for (const e of events) expect(e.payload).not.to.include('evil.example');
    // The merchant reading it through the API gets the page on the host they asked through.
    const v1 = (await t.request('GET', `/api/v1/invoices/${inv.ref}`)).body;
    expect(v1.checkout_url).to.equal(`${t.url}/i/${inv.public_id}`);
  });

  it('a link whose smallest amount is above the largest Till takes says it cannot be paid', async () => {
    t = await startTill({ env: { TILL_LINK_MAX_SATS: '100000' } });
    await t.setWallet(testTpub(11));
    await link(t, { title: 'Big', slug: 'big', amount: null, min_amount: '500.00', currency: 'USD' });
    const p = await page(t, 'big');
    expect(p.status).to.equal(503);
    expect(p.text).to.include('This link cannot take a payment now').and.not.include('name="amount"');
    expect((await submit(t, 'big', { amount: '600' })).status).to.equal(503);
    expect(await t.count('invoices')).to.equal(0);
  });

  it('shows the form again with the error for a bad amount (400), writing nothing', async () => {
    t = await startTill({ env: { TILL_LINK_MAX_SATS: '10000000' } });
    await t.setWallet(testTpub(6));
    await link(t, { title: 'Tip jar', slug: 'tips', amount: null, currency: 'USD' });
    const before = await t.count('invoices');
    const cases: [string, RegExp][] = [
      ['', /Enter an amount/],
      ['abc', /not an amount in USD/],
      ['1.234', /not an amount in USD/],
      ['-5', /not an amount in USD/],
      ['0', /not an amount in USD/],
      ['0.38', /smallest amount is 0\.39 USD/],
      ['7086.28', /largest amount is 7086\.27 USD/],
    ];
    for (const [amount, err] of cases) {
      const r = await submit(t, 'tips', { amount });
      expect(r.status, amount).to.equal(400);
      expectPageHeaders(r.headers);
      expect(r.text, amount).to.match(err).and.include('role="alert"').and.include('aria-invalid="true"');
    }
    // What the payer typed comes back escaped.
    const x = await submit(t, 'tips', { amount: '"><script>' });
    expect(x.status).to.equal(400);
    expect(x.text).to.include('value="&quot;&gt;&lt;script&gt;"');
    // Not the form: refused.
    const json = await submit(t, 'tips', JSON.stringify({ amount: '5.00' }), 'application/json');
    expect(json.status).to.equal(415);
    const text = await submit(t, 'tips', 'amount=5.00', 'text/plain');
    expect(text.status).to.be.within(400, 499);
    // The bounds hold exactly: 0.39 and 7086.27 are taken.
    expect((await submit(t, 'tips', { amount: '0.39' })).status).to.equal(303);
    expect((await submit(t, 'tips', { amount: '7086.27' })).status).to.equal(303);
    expect(await t.count('invoices')).to.equal(before + 2);
  });

  it('answers an HTML 404 for an unknown or deactivated slug, and for other methods', async () => {
    t = await startTill();
    await t.setWallet(testTpub(7));
    await link(t, { title: 'Old offer', slug: 'old', amount: '5.00', currency: 'USD' });
    expect((await t.request('DELETE', '/api/v1/payment-links/old')).status).to.be.within(200, 204);
    for (const slug of ['nope', 'old', '%E0%A4%A', 'a/b']) {
      const p = await page(t, slug);
      expect(p.status, slug).to.equal(404);
      expect(p.headers.get('content-type')).to.match(/^text\/html/);
      expectPageHeaders(p.headers);
      expect(p.text).to.include('Page not found');
    }
    expect((await submit(t, 'old', '')).status).to.equal(404);
    expect(await t.count('invoices')).to.equal(0);
    const put = await fetch(`${t.url}/pay/old`, { method: 'PUT' });
    expect(put.status).to.equal(404);
  });

  it('rate-limits invoices per client address and overall, per hour, with a friendly 429 page', async () => {
    t = await startTill({ env: { TILL_LINK_RATE_PER_IP: '2', TILL_LINK_RATE_TOTAL: '3' } });
    await t.setWallet(testTpub(8));
    await link(t, { title: 'Coffee', slug: 'coffee', amount: '3.50', currency: 'USD' });
    expect((await submit(t, 'coffee', '')).status).to.equal(303);
    expect((await submit(t, 'coffee', '')).status).to.equal(303);
    const r = await submit(t, 'coffee', '');
    expect(r.status).to.equal(429);
    expect(r.headers.get('content-type')).to.match(/^text\/html/);
    expect(r.headers.get('retry-after')).to.match(/^\d+$/);
    expectPageHeaders(r.headers);
    expect(r.text).to.include('Too many payments just now');
    expect(await t.count('invoices')).to.equal(2);
    // The page itself stays readable.
    expect((await page(t, 'coffee')).status).to.equal(200);
    // Another client address has its own two, but the overall three are used up after one.
    expect((await submitFrom('127.0.0.2', t, 'coffee')).status).to.equal(303);
    expect((await submitFrom('127.0.0.2', t, 'coffee')).status).to.equal(429);
    expect(await t.count('invoices')).to.equal(3);
    // An hour later the windows are empty again.
    t.clock.advance(3_600_001);
    expect((await submit(t, 'coffee', '')).status).to.equal(303);
    expect(await t.count('invoices')).to.equal(4);
  });

  it('behind a trusted reverse proxy each payer has their own limit; a forged X-Forwarded-For from anyone else counts for nothing', async () => {
    t = await startTill({ env: { TILL_LINK_RATE_PER_IP: '1', TILL_LINK_RATE_TOTAL: '100', TILL_TRUST_PROXY: '127.0.0.1' } });
    await t.setWallet(testTpub(9));
    await link(t, { title: 'Coffee', slug: 'coffee', amount: '3.50', currency: 'USD' });
    // Through the proxy (127.0.0.1): the client is the address it forwards.
    expect((await submitFrom('127.0.0.1', t, 'coffee', { 'X-Forwarded-For': '203.0.113.7' })).status).to.equal(303);
    expect((await submitFrom('127.0.0.1', t, 'coffee', { 'X-Forwarded-For': '203.0.113.7' })).status).to.equal(429);
    expect((await submitFrom('127.0.0.1', t, 'coffee', { 'X-Forwarded-For': '203.0.113.8' })).status).to.equal(303);
    // A client that is not the proxy cannot pick its address by the header.
    expect((await submitFrom('127.0.0.3', t, 'coffee', { 'X-Forwarded-For': '198.51.100.1' })).status).to.equal(303);
    expect((await submitFrom('127.0.0.3', t, 'coffee', { 'X-Forwarded-For': '198.51.100.2' })).status).to.equal(429);
    expect(await t.count('invoices')).to.equal(3);
  });

  it('counts an IPv6 payer by its /64: one host cannot pass for many payers', async () => {
    t = await startTill({ env: { TILL_LINK_RATE_PER_IP: '2', TILL_LINK_RATE_TOTAL: '100', TILL_TRUST_PROXY: '127.0.0.1' } });
    await t.setWallet(testTpub(9));
    await link(t, { title: 'Coffee', slug: 'coffee', amount: '3.50', currency: 'USD' });
    const from = (ip: string) => submitFrom('127.0.0.1', t, 'coffee', { 'X-Forwarded-For': ip });
    expect((await from('2001:db8:1:2::1')).status).to.equal(303);
    expect((await from('2001:db8:1:2::2')).status).to.equal(303);
    // Another address of the same /64 is the same payer.
    expect((await from('2001:db8:1:2:ffff::8')).status).to.equal(429);
    // Another /64 is another payer.
    expect((await from('2001:db8:1:3::1')).status).to.equal(303);
    expect(await t.count('invoices')).to.equal(3);
  });
});


/** A POST from another loopback address (Linux answers all of 127/8): another client to the server. */
function submitFrom(localAddress: string, t: TestTill, slug: string, extra: Record<string, string> = {}): Promise<{ status: number }> {
  const u = new URL(`${t.url}/pay/${slug}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0', ...extra } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
