import { createRequire } from 'node:module';
import { expect } from 'chai';
import { createFixedRateProvider } from '../../src/rates/index.js';
import { fixture, type Vectors } from '../helpers/fixtures.js';
import { startTill, type Response, type StartOptions, type TestTill } from '../helpers/till.js';
import { receiver, until } from '../notify/helpers.js';

const seed = fixture<Vectors<{ rates: string; request: Record<string, unknown>; response: Record<string, any> }>>('bitpay', 'seed-invoice');
const SEED = seed.valid[0]!;

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const basic = (key: string, password = '') => ({ Authorization: `Basic ${Buffer.from(`${key}:${password}`).toString('base64')}` });

/** A request the way a BitPay client makes it: Basic auth, a JSON body or a form. */
function bp(
  t: TestTill, method: string, path: string,
  o: { body?: unknown; form?: string; key?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const k = o.key === undefined ? t.key : o.key;
  const headers = { ...(k === null ? {} : basic(k)), ...o.headers };
  if (o.form !== undefined) {
    return t.request(method, path, { key: null, raw: o.form, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
  }
  return t.request(method, path, { key: null, body: o.body, headers });
}

/** Rows a refused request must not leave behind. */
async function rows(t: TestTill): Promise<number[]> {
  return Promise.all(['invoices', 'invoice_lines', 'outbox'].map((n) => t.count(n)));
}

/** JSON's type words, with null and arrays told apart. */
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

async function till(opts: StartOptions = {}): Promise<TestTill> {
  const t = await startTill({
    rateProviders: [createFixedRateProvider('USD=289.72,EUR=61919.68,JPY=10500000,BHD=26700.125')],
    ...opts,
  });
  await t.setWallet();
  return t;
}

describe('BitPay legacy API (seed 004)', () => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it("answers the seed's example request with the seed's invoice object: same field names, same JSON types", async () => {
    t = await till();
    const res = await bp(t, 'POST', '/invoices', { body: SEED.request });
    expect(res.status, res.text).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    const inv = res.body;
    const want = SEED.response;
    // Every field of the seed, and no other; paymentUrls without the BIP70 ones (no BIP70 endpoint).
    expect(Object.keys(inv)).to.deep.equal(Object.keys(want));
    for (const k of Object.keys(want)) expect(typeOf(inv[k]), k).to.equal(typeOf(want[k]));
    expect(Object.keys(inv.paymentUrls)).to.deep.equal(['BIP21']);
    expect(Object.keys(inv.exRates)).to.deep.equal(Object.keys(want.exRates));

    const v1 = (await t.request('GET', `/api/v1/invoices/${inv.guid}`)).body;
    expect(inv).to.deep.include({
      url: `${t.url}/i/${inv.guid}`,
      posData: want.posData,
      status: 'new',
      // ceil(20 × 1e8 / 289.72) = 6,903,217 satoshis: the payer never pays less than the price (the
      // seed's BitPay rounded down to 0.069032); six decimals where they suffice.
      btcPrice: '0.06903217',
      btcDue: '0.06903217',
      price: 20,
      currency: 'USD',
      exRates: { USD: 289.72 },
      itemDesc: 'Lawncare, March',
      invoiceTime: t.clock.now(),
      expirationTime: t.clock.now() + 15 * 60_000,
      currentTime: t.clock.now(),
      btcPaid: want.btcPaid,
      rate: want.rate,
      exceptionStatus: false,
      paymentUrls: { BIP21: `bitcoin:${v1.payment_address}?amount=0.06903217` },
    });
    expect(want.expirationTime - want.invoiceTime).to.equal(inv.expirationTime - inv.invoiceTime);
    expect(inv.btcPrice).to.match(/^[0-9]+\.[0-9]{6,8}$/);
    expect(inv.id).to.match(BASE58).and.have.length(want.id.length);
    expect(inv.token).to.match(BASE58).and.have.length(want.token.length);
    expect(inv.guid).to.match(UUID);
    // The numbers are written from the stored decimals, digit for digit.
    expect(res.text).to.contain('"price":20,').and.contain('"exRates":{"USD":289.72}').and.contain('"rate":289.72,');
    // One invoice, readable in v1 too: the same money.
    expect(v1).to.deep.include({ status: 'pending', currency: 'USD', total: '20.00', btc_amount: '0.06903217', btc_rate: '289.72' });
  });

  it('GET /invoices/:id and /api/invoice/:id answer the same object; HEAD too', async () => {
    t = await till();
    const created = (await bp(t, 'POST', '/api/invoice', { body: SEED.request })).body;
    t.clock.advance(1234);
    for (const path of [`/invoices/${created.id}`, `/api/invoice/${created.id}`]) {
      const res = await bp(t, 'GET', path);
      expect(res.status, res.text).to.equal(200);
      expect(res.body).to.deep.equal({ ...created, currentTime: created.currentTime + 1234 });
      expect(res.headers.get('cache-control')).to.equal('no-store');
    }
    expect((await bp(t, 'HEAD', `/invoices/${created.id}`)).status).to.equal(200);
  });

  it('takes the same request as a form (numbers as text) at /api/invoice and at /invoices', async () => {
    t = await till();
    const json = (await bp(t, 'POST', '/invoices', { body: { ...SEED.request, price: '20.00' } })).body;
    const form = new URLSearchParams({ price: '20.00', currency: 'USD', posData: SEED.request.posData as string, itemDesc: 'Lawncare, March' }).toString();
    for (const path of ['/api/invoice', '/invoices']) {
      const res = await bp(t, 'POST', path, { form });
      expect(res.status, res.text).to.equal(200);
      const differ = ['url', 'guid', 'id', 'token', 'paymentUrls'];
      const strip = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([k]) => !differ.includes(k)));
      expect(strip(res.body)).to.deep.equal(strip(json));
    }
  });

  it('keeps every field of the seed with the invoice, flags and speeds from form text alike', async () => {
    t = await till();
    const fields = {
      price: '12.50', currency: 'eur', posData: '{"ref":1}', notificationURL: 'https://shop.example/ipn', transactionSpeed: 'low',
      fullNotifications: '1', notificationEmail: 'shop@example.com', redirectURL: 'https://shop.example/thanks', orderID: 'A-17',
      itemDesc: 'Two widgets', itemCode: 'W-2', physical: 'true', buyerName: 'Alice', buyerAddress1: '1 Main St',
      buyerAddress2: 'Flat 2', buyerCity: 'Springfield', buyerState: 'IL', buyerZip: '62701', buyerCountry: 'US',
      buyerEmail: 'alice@example.com', buyerPhone: '+1 555 0100',
    };
    const res = await bp(t, 'POST', '/api/invoice', { form: new URLSearchParams(fields).toString() });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ price: 12.5, currency: 'EUR', posData: '{"ref":1}', itemDesc: 'Two widgets' });
    const row = await t.till.db.read('invoices').where({ bitpay_id: res.body.id }).first();
    expect(row.dialect).to.equal('bitpay');
    expect(row.required_confirmations).to.equal(6);
    expect(row.customer_name).to.equal('Alice');
    expect(JSON.parse(row.dialect_data)).to.deep.equal({
      posData: '{"ref":1}', notificationURL: 'https://shop.example/ipn', transactionSpeed: 'low', fullNotifications: true,
      notificationEmail: 'shop@example.com', redirectURL: 'https://shop.example/thanks', orderID: 'A-17', itemDesc: 'Two widgets',
      itemCode: 'W-2', physical: true,
      buyer: {
        buyerName: 'Alice', buyerAddress1: '1 Main St', buyerAddress2: 'Flat 2', buyerCity: 'Springfield', buyerState: 'IL',
        buyerZip: '62701', buyerCountry: 'US', buyerEmail: 'alice@example.com', buyerPhone: '+1 555 0100',
      },
      token: res.body.token,
    });
    const line = await t.till.db.read('invoice_lines').where({ invoice_id: row.id }).first();
    expect(line).to.include({ description: 'Two widgets', quantity: '1', unit_price: 1250 });
  });

  it('transactionSpeed high/medium/low is 0/1/6 confirmations; without it, TILL_CONFIRMATIONS', async () => {
    t = await till({ env: { TILL_CONFIRMATIONS: '3' } });
    const speeds: [unknown, number][] = [['high', 0], ['medium', 1], ['low', 6], [undefined, 3]];
    for (const [speed, confirmations] of speeds) {
      const res = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD', transactionSpeed: speed } });
      expect(res.status, res.text).to.equal(200);
      const v1 = (await t.request('GET', `/api/v1/invoices/${res.body.guid}`)).body;
      expect(v1.required_confirmations, String(speed)).to.equal(confirmations);
    }
  });

  it('null and empty fields mean "not given"; fields the seed does not name are ignored', async () => {
    t = await till();
    const res = await bp(t, 'POST', '/invoices', {
      body: { price: 5, currency: 'USD', posData: null, notificationURL: '', buyerName: null, itemDesc: '', pluginVersion: '1.2', guid: 'x' },
    });
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.not.have.any.keys('posData', 'itemDesc');
    const row = await t.till.db.read('invoices').where({ bitpay_id: res.body.id }).first();
    expect(Object.keys(JSON.parse(row.dialect_data)).sort()).to.deep.equal(['token']);
  });

  it('prices in any rate currency or in BTC, with that currency\'s decimals', async () => {
    t = await till();
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [{ price: '0.001', currency: 'BTC' }, { price: 0.001, currency: 'BTC', btcPrice: '0.001000', rate: 1, exRates: { BTC: 1 } }],
      [{ price: 5000, currency: 'jpy' }, { price: 5000, currency: 'JPY', btcPrice: '0.0004762', rate: 10500000 }],
      [{ price: '12.345', currency: 'BHD' }, { price: 12.345, currency: 'BHD', rate: 26700.125 }],
      [{ price: 20, currency: 'USD' }, { price: 20, btcDue: '0.06903217' }],
    ];
    for (const [body, want] of cases) {
      const res = await bp(t, 'POST', '/invoices', { body });
      expect(res.status, res.text).to.equal(200);
      expect(res.body, JSON.stringify(body)).to.deep.include(want);
    }
  });

  it('url is the checkout page under TILL_PUBLIC_URL when it is set', async () => {
    t = await till({ env: { TILL_PUBLIC_URL: 'https://pay.example.com/' } });
    const res = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(res.body.url).to.equal(`https://pay.example.com/i/${res.body.guid}`);
  });

  it('an invoice made in v1 reads through BitPay once finalized (a draft is not found there)', async () => {
    t = await till();
    const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'USD', lines: [{ description: 'x', quantity: 1, unit_price: '7.00' }] } });
    const row = await t.till.db.read('invoices').where({ ref: c.body.ref }).first();
    const draft = await bp(t, 'GET', `/invoices/${row.bitpay_id}`);
    expect(draft.status).to.equal(404);
    expect(draft.body).to.deep.equal({ error: { type: 'notFound', message: `Invoice ${row.bitpay_id} not found` } });
    await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
    const res = await bp(t, 'GET', `/api/invoice/${row.bitpay_id}`);
    expect(res.status, res.text).to.equal(200);
    expect(res.body).to.include({ id: row.bitpay_id, status: 'new', price: 7, currency: 'USD' });
    // Made elsewhere: no BitPay token, no posData.
    expect(res.body).to.not.have.any.keys('token', 'posData');
  });

  it('takes an http notificationURL only for an allowed host, like webhooks', async () => {
    t = await till({ env: { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
    const ok = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD', notificationURL: 'http://127.0.0.1:9/ipn' } });
    expect(ok.status, ok.text).to.equal(200);
    const no = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD', notificationURL: 'http://10.1.2.3/ipn' } });
    expect(no.status).to.equal(400);
    expect(no.body.error.message).to.match(/^notificationURL must use https/);
  });

  it('refuses form bodies in v1 and checkout as before (415), and text bodies in BitPay', async () => {
    t = await till();
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const v1 = await t.request('POST', '/api/v1/invoices', { raw: 'currency=USD', headers: form });
    expect(v1.status).to.equal(415);
    expect(v1.body.code).to.equal('unsupported_media_type');
    const checkout = await t.request('POST', '/api/checkout/invoices', { key: null, raw: 'amountUsd=5', headers: { ...form, 'X-Api-Key': t.key } });
    expect(checkout.status).to.equal(415);
    const text = await bp(t, 'POST', '/invoices', { body: undefined, headers: { 'Content-Type': 'text/plain' } });
    expect(text.status).to.equal(400);
    const plain = await t.request('POST', '/invoices', { key: null, raw: 'price=5', headers: { ...basic(t.key), 'Content-Type': 'text/plain' } });
    expect(plain.status).to.equal(415);
    expect(plain.body.error).to.deep.equal({
      type: 'unsupportedMediaType',
      message: 'Request body must be JSON (Content-Type: application/json) or a form (application/x-www-form-urlencoded)',
    });
  });

  it('scopes: creating needs invoices:write, reading invoices:read', async () => {
    t = await till();
    const reader = await t.newKey(['invoices:read']);
    const writer = await t.newKey(['invoices:write']);
    const denied = await bp(t, 'POST', '/invoices', { key: reader, body: { price: 5, currency: 'USD' } });
    expect(denied.status).to.equal(403);
    expect(denied.body.error).to.deep.equal({ type: 'forbidden', message: 'This API key lacks the invoices:write scope' });
    const created = await bp(t, 'POST', '/invoices', { key: writer, body: { price: 5, currency: 'USD' } });
    expect(created.status).to.equal(200);
    expect((await bp(t, 'GET', `/invoices/${created.body.id}`, { key: writer })).status).to.equal(403);
    expect((await bp(t, 'GET', `/invoices/${created.body.id}`, { key: reader })).status).to.equal(200);
  });

  it('ids, methods and paths under the mounts: 404 and 405 in BitPay\'s shape', async () => {
    t = await till();
    const cases: [string, string, number, string | null][] = [
      ['GET', '/invoices/7MxRGVuBC1XvV138b3AqAR', 404, null],
      ['GET', '/api/invoice/not-an-id', 404, null],
      ['GET', '/invoices/7mxrgvubc1xvv138b3aqar', 404, null],
      ['GET', '/invoices/INV-0001', 404, null],
      ['GET', '/invoices', 405, 'POST'],
      ['DELETE', '/api/invoice', 405, 'POST'],
      ['OPTIONS', '/invoices', 405, 'POST'],
      ['PUT', '/invoices/7MxRGVuBC1XvV138b3AqAR', 405, 'GET, HEAD'],
      ['POST', '/api/invoice/7MxRGVuBC1XvV138b3AqAR', 405, 'GET, HEAD'],
      ['GET', '/invoices/7MxRGVuBC1XvV138b3AqAR/status', 404, null],
    ];
    for (const [method, path, status, allow] of cases) {
      const res = await bp(t, method, path);
      expect(res.status, `${method} ${path}: ${res.text}`).to.equal(status);
      expect(res.body.error.type).to.equal(status === 404 ? 'notFound' : 'methodNotAllowed');
      if (allow) expect(res.headers.get('allow')).to.equal(allow);
    }
    // Without a key, nothing under the mounts says more than 401.
    expect((await bp(t, 'GET', '/invoices/7MxRGVuBC1XvV138b3AqAR', { key: null })).status).to.equal(401);
  });

  it('never a 5xx on hostile paths under the mounts, always BitPay\'s shape', async () => {
    t = await till();
    for (const p of ['/invoices/%', '/invoices/%E0%A4%A', `/invoices/${'a'.repeat(5000)}`, '/api/invoice/..%2f..%2fapi%2fv1', '/invoices/%00', '/invoices/%2F', '/invoices//x', '/api/invoice/x%20y']) {
      const res = await bp(t, 'GET', p);
      expect(res.status, p).to.equal(404);
      expect(res.body.error.type, p).to.equal('notFound');
    }
  });

  it('one invoice, read through every dialect; v1 webhooks hear of BitPay invoices', async () => {
    t = await till({ notify: true, env: { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' } });
    const hook = await receiver();
    try {
      expect((await t.request('POST', '/api/v1/webhooks', { body: { url: hook.url, events: ['invoice.created'] } })).status).to.equal(201);
      const inv = (await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } })).body;
      const v1 = await t.request('GET', `/api/v1/invoices/${inv.guid}`);
      const [whole, frac] = (inv.btcPrice as string).split('.');
      expect(v1.body).to.include({ status: 'pending', total: '5.00', btc_amount: `${whole}.${frac!.padEnd(8, '0')}` });
      const checkout = await t.request('GET', `/api/checkout/invoices/${inv.guid}`, { key: null, headers: { 'X-Api-Key': t.key } });
      expect(checkout.status, checkout.text).to.equal(200);
      expect(checkout.body).to.include({ id: inv.guid, status: 'pending' });
      const got = await until(() => hook.got[0], 'the invoice.created webhook');
      expect(JSON.parse(got.body)).to.deep.include({ event: 'invoice.created' });
      expect(JSON.parse(got.body).data).to.include({ ref: v1.body.ref });
    } finally {
      await hook.close();
    }
  });

  it('a cancelled invoice is invalid with nothing due and no payment URL', async () => {
    t = await till();
    const made = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(made.body.paymentUrls).to.have.property('BIP21');
    expect((await t.request('DELETE', `/api/v1/invoices/${made.body.guid}`)).status).to.equal(200);
    const got = await bp(t, 'GET', `/invoices/${made.body.id}`);
    expect(got.body).to.deep.include({ status: 'invalid', exceptionStatus: false, paymentUrls: {} });
    expect(Number(got.body.btcDue)).to.equal(0);
  });

  it('an id or a flag sent as a JSON number (as PHP encodes integers) is read as its text', async () => {
    t = await till();
    const made = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD', orderID: 123, itemCode: 42, fullNotifications: 1, physical: 0 } });
    expect(made.status, made.text).to.equal(200);
    const row = await t.till.db.read('invoices').where({ bitpay_id: made.body.id }).first();
    const data = JSON.parse(row.dialect_data);
    expect(data).to.include({ orderID: '123', itemCode: '42', fullNotifications: true, physical: false });
    expect((await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD', orderID: 1.5 } })).status).to.equal(400);
  });

  it('no wallet: 400 and nothing written', async () => {
    t = await startTill();
    const res = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(res.status).to.equal(400);
    expect(res.body.error.type).to.equal('noWallet');
    expect(await rows(t)).to.deep.equal([0, 0, 0]);
  });

  it('100 invoices per hour per key: the 101st is a 429 with Retry-After; another key is not affected', async function () {
    this.timeout(60_000);
    t = await till({ env: { TILL_API_RATE_LIMIT: '1000' } });
    for (let i = 0; i < 100; i++) {
      t.clock.advance(1000);
      const res = await bp(t, 'POST', i % 2 ? '/invoices' : '/api/invoice', { body: { price: 5, currency: 'USD' } });
      expect(res.status, `invoice ${i}: ${res.text}`).to.equal(200);
    }
    // Bad requests are not invoices: they do not count, and are still told what is wrong.
    expect((await bp(t, 'POST', '/invoices', { body: { price: 'x', currency: 'USD' } })).status).to.equal(400);
    const before = await rows(t);
    const limited = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(limited.status).to.equal(429);
    expect(limited.body.error.type).to.equal('rateLimited');
    expect(limited.body.error.message).to.match(/^Rate limited: 100 invoices per hour per API key/);
    expect(limited.headers.get('retry-after')).to.equal(String(3600 - 99));
    expect(await rows(t)).to.deep.equal(before);
    // Reading is not creating.
    expect((await bp(t, 'GET', `/invoices/${(await t.till.db.read('invoices').first()).bitpay_id}`)).status).to.equal(200);
    const other = await t.newKey(['invoices:write']);
    expect((await bp(t, 'POST', '/invoices', { key: other, body: { price: 5, currency: 'USD' } })).status).to.equal(200);
    t.clock.advance(3600_000 - 99_000);
    expect((await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } })).status).to.equal(200);
  });

  it('creates refused by the core (no wallet) give their hour back: a plugin retrying through a fault keeps its quota', async function () {
    this.timeout(60_000);
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000' } });
    for (let i = 0; i < 120; i++) {
      const res = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
      expect(res.status, `attempt ${i}: ${res.text}`).to.equal(400);
    }
    await t.setWallet();
    const made = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(made.status, made.text).to.equal(200);
  });

  it('the per-minute API limit applies as well, shared with the other dialects', async () => {
    t = await till({ env: { TILL_API_RATE_LIMIT: '3' } });
    expect((await t.request('GET', '/api/v1/invoices')).status).to.equal(200);
    const created = await bp(t, 'POST', '/invoices', { body: { price: 5, currency: 'USD' } });
    expect(created.status).to.equal(200);
    expect((await bp(t, 'GET', `/invoices/${created.body.id}`)).status).to.equal(200);
    const limited = await bp(t, 'GET', `/invoices/${created.body.id}`);
    expect(limited.status).to.equal(429);
    expect(limited.body.error.message).to.match(/^Rate limited: 3 requests per minute per API key/);
    expect(limited.headers.get('ratelimit-policy')).to.equal('3;w=60');
  });
});

describe('every bad request: a 4xx in BitPay\'s error shape, and no row written', () => {
  type Bad = { what: string; status: number; type: string; message: RegExp; body?: unknown; form?: string; raw?: string; key?: string | null; headers?: Record<string, string>; path?: string; method?: string };
  const ok = { price: 5, currency: 'USD' };
  const long = 'x'.repeat(101);
  const BAD: Bad[] = [
    { what: 'no credentials', key: null, body: ok, status: 401, type: 'unauthorized', message: /Missing API key: send it as HTTP Basic/ },
    { what: 'a Bearer key (v1\'s way)', key: null, headers: { Authorization: 'Bearer till_x' }, body: ok, status: 401, type: 'unauthorized', message: /HTTP Basic/ },
    { what: 'an unknown key', key: 'till_11111111111111111111111111111111111111111111', body: ok, status: 401, type: 'unauthorized', message: /Invalid or revoked API key/ },
    { what: 'a password', key: null, headers: { Authorization: `Basic ${Buffer.from('till_abc:pw').toString('base64')}` }, body: ok, status: 401, type: 'unauthorized', message: /empty password/ },
    { what: 'no price', body: { currency: 'USD' }, status: 400, type: 'validationError', message: /^price is required$/ },
    { what: 'no currency', body: { price: 5 }, status: 400, type: 'validationError', message: /^currency is required$/ },
    { what: 'an empty price', body: { price: '', currency: 'USD' }, status: 400, type: 'validationError', message: /^price is required$/ },
    { what: 'a price that is a word', body: { price: 'five', currency: 'USD' }, status: 400, type: 'validationError', message: /^price must be a decimal number/ },
    { what: 'a price as a form word', form: 'price=five&currency=USD', status: 400, type: 'validationError', message: /^price must be a decimal number/ },
    { what: 'a price with a comma', form: 'price=5%2C00&currency=USD', status: 400, type: 'validationError', message: /^price must be a decimal number/ },
    { what: 'a zero price', body: { price: 0, currency: 'USD' }, status: 400, type: 'validationError', message: /^price must be greater than 0/ },
    { what: 'a negative price', body: { price: '-5', currency: 'USD' }, status: 400, type: 'validationError', message: /^price must not be negative/ },
    { what: 'cents of a cent', body: { price: '5.001', currency: 'USD' }, status: 400, type: 'validationError', message: /^price must have at most 2 decimal places/ },
    { what: 'yen with decimals', body: { price: '5.5', currency: 'JPY' }, status: 400, type: 'validationError', message: /^price must be a whole number/ },
    { what: 'a price past any money', raw: '{"price": 1e400, "currency": "USD"}', headers: { 'Content-Type': 'application/json' }, status: 400, type: 'validationError', message: /^price/ },
    { what: 'a price as an object', body: { price: { v: 5 }, currency: 'USD' }, status: 400, type: 'validationError', message: /^price must be a decimal/ },
    { what: 'a dust price', body: { price: 1, currency: 'JPY' }, status: 400, type: 'validationError', message: /dust limit/ },
    { what: 'an unknown currency', body: { price: 5, currency: 'XYZ' }, status: 400, type: 'validationError', message: /^currency must be an ISO 4217 currency code or BTC/ },
    { what: 'a currency of two letters', body: { price: 5, currency: 'US' }, status: 400, type: 'validationError', message: /^currency must match/ },
    { what: 'a currency with no rate', body: { price: 5, currency: 'GBP' }, status: 400, type: 'unsupportedCurrency', message: /GBP/ },
    { what: 'posData over 100 characters', body: { ...ok, posData: long }, status: 400, type: 'validationError', message: /^posData must NOT have more than 100 characters/ },
    { what: 'posData as an object', body: { ...ok, posData: { ref: 1 } }, status: 400, type: 'validationError', message: /^posData must be a string/ },
    ...(['orderID', 'itemDesc', 'itemCode', 'buyerName', 'buyerAddress1', 'buyerAddress2', 'buyerCity', 'buyerState', 'buyerZip', 'buyerCountry', 'buyerEmail', 'buyerPhone'] as const).map(
      (f): Bad => ({ what: `${f} over 100 characters`, form: `price=5&currency=USD&${f}=${long}`, status: 400, type: 'validationError', message: new RegExp(`^${f} must NOT have more than 100 characters`) }),
    ),
    { what: 'an http notificationURL', body: { ...ok, notificationURL: 'http://shop.example/ipn' }, status: 400, type: 'validationError', message: /^notificationURL must use https \(plain http is allowed only for hosts listed/ },
    { what: 'a notificationURL that is no URL', body: { ...ok, notificationURL: 'shop' }, status: 400, type: 'validationError', message: /^notificationURL must be an absolute URL/ },
    { what: 'an ftp notificationURL', body: { ...ok, notificationURL: 'ftp://shop.example/ipn' }, status: 400, type: 'validationError', message: /^notificationURL must use https/ },
    { what: 'a notificationURL at a private address', body: { ...ok, notificationURL: 'https://192.168.1.5/ipn' }, status: 400, type: 'validationError', message: /^notificationURL points to 192\.168\.1\.5/ },
    { what: 'a notificationURL on loopback', body: { ...ok, notificationURL: 'https://localhost/ipn' }, status: 400, type: 'validationError', message: /^notificationURL/ },
    { what: 'an unknown transactionSpeed', body: { ...ok, transactionSpeed: 'fast' }, status: 400, type: 'validationError', message: /^transactionSpeed must be one of: high, medium, low/ },
    { what: 'fullNotifications as a word', form: 'price=5&currency=USD&fullNotifications=yes', status: 400, type: 'validationError', message: /^fullNotifications must be one of: true, false, 1, 0$/ },
    { what: 'physical as a number', body: { ...ok, physical: 2 }, status: 400, type: 'validationError', message: /^physical must be a string$/ },
    { what: 'notificationEmail that is no address', body: { ...ok, notificationEmail: 'shop' }, status: 400, type: 'validationError', message: /^notificationEmail must match format "email"/ },
    { what: 'a javascript: redirectURL', body: { ...ok, redirectURL: 'javascript:alert(1)' }, status: 400, type: 'validationError', message: /^redirectURL must match pattern/ },
    { what: 'a field given twice in a form', form: 'price=5&currency=USD&price=6', status: 400, type: 'validationError', message: /^Field price is given more than once/ },
    { what: 'a form that is not UTF-8', raw: 'price=5&currency=USD&itemDesc=\xff', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, status: 400, type: 'validationError', message: /not valid UTF-8/ },
    { what: 'malformed JSON', raw: '{"price": 5,', headers: { 'Content-Type': 'application/json' }, status: 400, type: 'validationError', message: /^Malformed JSON body/ },
    { what: 'a JSON array', body: [ok], status: 400, type: 'validationError', message: /^Request body must be a JSON object/ },
    { what: 'JSON null', raw: 'null', headers: { 'Content-Type': 'application/json' }, status: 400, type: 'validationError', message: /^price is required|must be a JSON object/ },
    { what: 'no body', status: 400, type: 'validationError', message: /^Request body is required/ },
    { what: 'JSON nested 40 deep', raw: `{"price":5,"currency":"USD","x":${'['.repeat(40)}${']'.repeat(40)}}`, headers: { 'Content-Type': 'application/json' }, status: 400, type: 'validationError', message: /nested deeper than 32/ },
    { what: 'a body past the size limit', raw: `{"price":5,"currency":"USD","x":"${'y'.repeat(70_000)}"}`, headers: { 'Content-Type': 'application/json' }, status: 413, type: 'bodyTooLarge', message: /larger than/ },
    { what: 'a query string', path: '/invoices?debug=1', body: ok, status: 400, type: 'validationError', message: /^Unknown field debug in the query string/ },
  ];

  let t: TestTill;
  before(async () => {
    t = await till({ env: { TILL_MAX_BODY_BYTES: '65536' } });
  });
  after(async () => {
    await t?.stop();
  });

  for (const c of BAD) {
    it(c.what, async () => {
      const before = await rows(t);
      const k = c.key === undefined ? t.key : c.key;
      const headers = { ...(k === null ? {} : basic(k)), ...c.headers };
      const path = c.path ?? '/api/invoice';
      const res = c.raw !== undefined
        ? await t.request(c.method ?? 'POST', path, { key: null, raw: Buffer.from(c.raw, 'latin1'), headers })
        : c.form !== undefined
          ? await bp(t, c.method ?? 'POST', path, { form: c.form, key: k, headers: c.headers })
          : await t.request(c.method ?? 'POST', path, { key: null, body: c.body, headers });
      expect(res.status, res.text).to.equal(c.status);
      expect(Object.keys(res.body)).to.deep.equal(['error']);
      expect(Object.keys(res.body.error)).to.deep.equal(['type', 'message']);
      expect(res.body.error.type, res.text).to.equal(c.type);
      expect(res.body.error.message).to.match(c.message);
      expect(await rows(t), 'rows').to.deep.equal(before);
    });
  }
});

/** bitpay-api's Client: `new Client({ apiKey, url })`, callbacks (err, body). */
interface LegacyClient {
  createInvoice(invoice: Record<string, unknown>, cb: (err: Error | null, body: any) => void): void;
  getInvoice(id: string, cb: (err: Error | null, body: any) => void): void;
}

describe('BitPay legacy API: an existing client (bitpay-api on npm), unchanged but for its base URL', () => {
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  it('creates an invoice with POST /api/invoice and reads it back with GET /api/invoice/:id', async () => {
    t = await till();
    const Client = createRequire(import.meta.url)('bitpay-api') as new (o: { apiKey: string; url: string }) => LegacyClient;
    const client = new Client({ apiKey: t.key, url: t.url });
    const call = <T>(f: (cb: (err: Error | null, body: T) => void) => void) =>
      new Promise<T>((resolve, reject) => f((err, body) => (err ? reject(err) : resolve(body))));
    const created = await call<any>((cb) => client.createInvoice({
      price: '20.00', currency: 'USD', posData: SEED.request.posData, itemDesc: 'Lawncare, March', orderID: 'A-1',
      transactionSpeed: 'medium', fullNotifications: true,
    }, cb));
    expect(created).to.include({ status: 'new', price: 20, currency: 'USD', posData: SEED.request.posData, btcPrice: '0.06903217' });
    expect(created.id).to.match(BASE58).and.have.length(22);
    const read = await call<any>((cb) => client.getInvoice(created.id, cb));
    expect(read).to.deep.equal({ ...created, currentTime: read.currentTime });
    const row = await t.till.db.read('invoices').where({ bitpay_id: created.id }).first();
    expect(row.required_confirmations).to.equal(1);
    expect(JSON.parse(row.dialect_data)).to.include({ orderID: 'A-1', fullNotifications: true });
  });

  it('hears a refusal as an error', async () => {
    t = await till();
    const Client = createRequire(import.meta.url)('bitpay-api') as new (o: { apiKey: string; url: string }) => LegacyClient;
    const client = new Client({ apiKey: 'till_11111111111111111111111111111111111111111111', url: t.url });
    const err = await new Promise<Error | null>((resolve) => client.getInvoice('7MxRGVuBC1XvV138b3AqAR', (e) => resolve(e)));
    expect(err).to.be.instanceOf(Error);
  });
});
