import { expect } from 'chai';
import http from 'node:http';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

describe('v1 invoices', () => {
  let t: TestTill;
  beforeEach(async () => {
    t = await startTill();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('creates the seed example as written: 201, INV-0001, draft, total 220.00', async () => {
    const res = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    expect(res.status).to.equal(201);
    expect(res.headers.get('content-type')).to.match(/application\/json/);
    expect(res.body).to.include({ invoice_number: 'INV-0001', status: 'draft', total: '220.00' });
    expect(res.body.ref).to.match(/^[0-9A-F]{8}-[0-9A-F]{8}$/);
    expect(res.body).to.include({
      subtotal: '200.00', tax_amount: '20.00', discount_amount: '0', amount_paid: '0', currency: 'USD',
      customer_email: 'alice@example.com', customer_name: 'Alice', customer_company: 'Acme Inc',
      notes: 'Payment due within 30 days', btc_rate: null, btc_amount: null,
    });
    expect(res.body.lines).to.deep.equal([
      { description: 'Consulting (1 hour)', quantity: '1', unit_price: '150.00', amount: '150.00' },
      { description: 'Hardware wallet setup', quantity: '2', unit_price: '25.00', amount: '50.00' },
    ]);
    expect(res.body.created_at).to.equal(Math.floor(t.clock.now() / 1000));
    expect(await t.count('invoices')).to.equal(1);
    expect(await t.count('invoice_lines')).to.equal(2);
    const [event] = await t.till.db.read('outbox');
    expect(event.type).to.equal('invoice.created');
  });

  it('reads the same invoice back by number, ref, numeric id and lower-case ref', async () => {
    const created = (await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })).body;
    for (const key of ['INV-0001', 'inv-0001', created.ref, created.ref.toLowerCase(), String(created.id)]) {
      const res = await t.request('GET', `/api/v1/invoices/${key}`);
      expect(res.status, key).to.equal(200);
      expect(res.body).to.deep.equal(created);
    }
    const withPayments = await t.request('GET', '/api/v1/invoices/INV-0001?include_payments=true');
    expect(withPayments.body.payments).to.deep.equal([]);
    const without = await t.request('GET', '/api/v1/invoices/INV-0001?include_payments=false');
    expect(without.body).to.not.have.property('payments');
  });

  it('reads back many lines in order (a twelfth after the eleventh), with any text and the largest amounts exact', async () => {
    const texts = ['plain', 'a "quoted" word', 'back\\slash', 'tab\tand\nnewline', 'naïve café', '日本語', '🙂 emoji', "it's", '', '<b>not html</b>', '{"json": [1]}', 'twelfth'];
    const lines = texts.map((description, i) => ({ description: description || 'x', quantity: i === 11 ? 1 : i + 1, unit_price: i === 11 ? '999999990000.999' : `${i}.001` }));
    const created = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BHD', lines } });
    expect(created.status, created.text).to.equal(201);
    const back = await t.request('GET', `/api/v1/invoices/${created.body.ref}`);
    expect(back.body.lines).to.deep.equal(created.body.lines);
    expect(back.body.lines.map((l: { description: string }) => l.description)).to.deep.equal(lines.map((l) => l.description));
    // Near the largest total allowed, to the last fils.
    expect(back.body.lines[11]).to.include({ quantity: '1', unit_price: '999999990000.999', amount: '999999990000.999' });
  });

  it('404s for an invoice that does not exist, in every spelling', async () => {
    for (const key of ['INV-0099', '99', 'AAAAAAAA-BBBBBBBB', 'nonsense', '0', '99999999999999999999']) {
      const res = await t.request('GET', `/api/v1/invoices/${key}`);
      expect(res.status, key).to.equal(404);
      expect(res.body.error).to.be.a('string');
    }
  });

  it('lists newest first with total, filters by status and paginates', async () => {
    for (let i = 0; i < 7; i++) await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices/INV-0002/finalize');
    await t.request('POST', '/api/v1/invoices/INV-0003/finalize');
    await t.request('DELETE', '/api/v1/invoices/INV-0004');

    const all = await t.request('GET', '/api/v1/invoices');
    expect(all.status).to.equal(200);
    expect(all.body).to.include({ total: 7, limit: 50, offset: 0 });
    expect(all.body.invoices.map((i: any) => i.invoice_number)).to.deep.equal(
      ['INV-0007', 'INV-0006', 'INV-0005', 'INV-0004', 'INV-0003', 'INV-0002', 'INV-0001'],
    );

    const page = await t.request('GET', '/api/v1/invoices?limit=2&offset=2');
    expect(page.body).to.include({ total: 7, limit: 2, offset: 2 });
    expect(page.body.invoices.map((i: any) => i.invoice_number)).to.deep.equal(['INV-0005', 'INV-0004']);

    const beyond = await t.request('GET', '/api/v1/invoices?offset=100');
    expect(beyond.body.invoices).to.deep.equal([]);
    expect(beyond.body.total).to.equal(7);

    const pending = await t.request('GET', '/api/v1/invoices?status=pending');
    expect(pending.body.total).to.equal(2);
    expect(pending.body.invoices.map((i: any) => i.status)).to.deep.equal(['pending', 'pending']);
    const drafts = await t.request('GET', '/api/v1/invoices?status=draft&limit=100');
    expect(drafts.body.total).to.equal(4);
    const cancelled = await t.request('GET', '/api/v1/invoices?status=cancelled');
    expect(cancelled.body.invoices.map((i: any) => i.invoice_number)).to.deep.equal(['INV-0004']);
    const paid = await t.request('GET', '/api/v1/invoices?status=paid');
    expect(paid.body).to.include({ total: 0 });
  });

  it('refuses to finalize without a wallet: 400 "no active wallet configured", nothing changed', async () => {
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const res = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(res.status).to.equal(400);
    expect(res.body.error.toLowerCase()).to.contain('no active wallet configured');
    expect((await t.request('GET', '/api/v1/invoices/INV-0001')).body.status).to.equal('draft');
    expect(await t.count('addresses')).to.equal(0);
  });

  it('finalizes: locks the rate, converts with ceil, assigns an address, sets the deadline', async () => {
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const res = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal('pending');
    expect(res.body.btc_rate).to.equal('70862.71');
    // 220.00 USD / 70862.71 = 0.003104599… BTC, rounded up to the satoshi.
    expect(res.body.btc_amount).to.equal('0.00310460');
    expect(res.body.payment_address).to.match(/^bcrt1q[02-9ac-hj-np-z]{38}$/);
    expect(res.body.payment_uri).to.equal(`bitcoin:${res.body.payment_address}?amount=0.0031046`);
    expect(res.body.expires_at).to.equal(Math.floor(t.clock.now() / 1000) + 15 * 60);

    const again = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(again.status).to.equal(400);
    expect(again.body.error).to.match(/not a draft/);

    const status = await t.request('GET', '/api/v1/invoices/INV-0001/status');
    expect(status.status).to.equal(200);
    expect(status.body).to.deep.equal({
      invoice_number: 'INV-0001', status: 'pending', exception: null, total: '220.00',
      amount_paid: '0', amount_due: '220.00', currency: 'USD',
    });
  });

  it('prices a BTC invoice in satoshis with no rate source at all', async () => {
    const dead = { name: 'dead', fetchRates: async () => { throw new Error('offline'); } };
    await t.stop();
    t = await startTill({ rateProviders: [dead] });
    await t.setWallet();
    const res = await t.request('POST', '/api/v1/invoices', {
      body: { currency: 'BTC', lines: [{ description: 'Sats', quantity: 3, unit_price: '0.00100001' }] },
    });
    expect(res.status).to.equal(201);
    expect(res.body.total).to.equal('0.00300003');
    const fin = await t.request('POST', `/api/v1/invoices/${res.body.ref}/finalize`);
    expect(fin.status).to.equal(200);
    expect(fin.body).to.include({ btc_amount: '0.00300003', btc_rate: '1' });

    const usd = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const refused = await t.request('POST', `/api/v1/invoices/${usd.body.ref}/finalize`);
    expect(refused.status).to.equal(503);
    expect(refused.body.code).to.equal('rate_unavailable');
    expect((await t.request('GET', `/api/v1/invoices/${usd.body.ref}`)).body.status).to.equal('draft');
  });

  it('refuses to finalize an invoice too small to pay on-chain', async () => {
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: { lines: [{ description: 'gum', quantity: 1, unit_price: '0.10' }] } });
    const res = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(res.status).to.equal(400);
    expect(res.body.error).to.match(/dust/);
    expect(await t.count('addresses')).to.equal(0);
  });

  it('gives each pending invoice its own address and reuses a cancelled one first, once it has cooled down', async () => {
    await t.setWallet();
    for (let i = 0; i < 3; i++) await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const a1 = (await t.request('POST', '/api/v1/invoices/INV-0001/finalize')).body.payment_address;
    const a2 = (await t.request('POST', '/api/v1/invoices/INV-0002/finalize')).body.payment_address;
    expect(a1).to.not.equal(a2);

    const del = await t.request('DELETE', '/api/v1/invoices/INV-0001');
    expect(del.status).to.equal(200);
    expect(del.body).to.deep.equal({ ok: true, status: 'cancelled' });
    // TILL_ADDRESS_COOLDOWN_MINUTES defaults to a day: a payer may still use the old QR.
    t.clock.advance(24 * 3600_000);
    const a3 = (await t.request('POST', '/api/v1/invoices/INV-0003/finalize')).body.payment_address;
    expect(a3).to.equal(a1);
    expect(await t.count('addresses')).to.equal(2);
    const events = (await t.till.db.read('outbox').orderBy('id')).map((e: any) => e.type);
    expect(events.filter((e: string) => e === 'invoice.cancelled')).to.have.length(1);
  });

  it('cancels drafts and pending invoices only', async () => {
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    expect((await t.request('DELETE', '/api/v1/invoices/INV-0001')).status).to.equal(200);
    const twice = await t.request('DELETE', '/api/v1/invoices/INV-0001');
    expect(twice.status).to.equal(400);
    expect(twice.body.error).to.match(/cannot be cancelled/);
    const fin = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(fin.status).to.equal(400);
    expect((await t.request('DELETE', '/api/v1/invoices/INV-0404')).status).to.equal(404);
  });

  it('expires a pending invoice once its quote deadline passes, and keeps its address out of the pool', async () => {
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const first = (await t.request('POST', '/api/v1/invoices/INV-0001/finalize')).body;

    t.clock.advance(15 * 60_000 - 1);
    expect(await t.till.services.invoices.expireDue()).to.equal(0);
    t.clock.advance(1);
    expect(await t.till.services.invoices.expireDue()).to.equal(1);
    expect(await t.till.services.invoices.expireDue()).to.equal(0);

    const res = await t.request('GET', '/api/v1/invoices/INV-0001/status');
    expect(res.body.status).to.equal('expired');
    expect((await t.request('DELETE', '/api/v1/invoices/INV-0001')).status).to.equal(400);
    // A late payment may still arrive at an expired invoice's address: never hand it out again.
    const second = (await t.request('POST', '/api/v1/invoices/INV-0002/finalize')).body;
    expect(second.payment_address).to.not.equal(first.payment_address);
    const types = (await t.till.db.read('outbox').orderBy('id')).map((e: any) => e.type);
    expect(types).to.deep.equal(['invoice.created', 'invoice.created', 'invoice.expired']);
  });

  it('status polls see every change at once (the in-memory summary is dropped on commit)', async () => {
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const poll = async () => (await t.request('GET', '/api/v1/invoices/INV-0001/status')).body.status;
    expect(await poll()).to.equal('draft');
    expect(await poll()).to.equal('draft');
    await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
    expect(await poll()).to.equal('pending');
    t.clock.advance(16 * 60_000);
    await t.till.services.invoices.expireDue();
    expect(await poll()).to.equal('expired');
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const ref = (await t.request('GET', '/api/v1/invoices/INV-0002')).body.ref;
    expect((await t.request('GET', `/api/v1/invoices/${ref}/status`)).body.status).to.equal('draft');
    await t.request('DELETE', '/api/v1/invoices/2');
    expect((await t.request('GET', `/api/v1/invoices/${ref}/status`)).body.status).to.equal('cancelled');
    expect((await t.request('GET', '/api/v1/invoices/INV-0002/status')).body.status).to.equal('cancelled');
  });

  it('marks a wire-transfer invoice paid by hand; the chain leaves it alone after', async () => {
    await t.setWallet();
    const wire = await t.request('POST', '/api/v1/invoices', { body: { ...SEED_INVOICE, payment_methods: ['onchain_btc', 'wire'] } });
    const btcOnly = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    await t.request('POST', `/api/v1/invoices/${wire.body.ref}/finalize`);

    const refused = await t.request('POST', `/api/v1/invoices/${btcOnly.body.ref}/mark-paid`);
    expect(refused.status).to.equal(400);
    expect(refused.body.error).to.match(/does not accept wire/);
    const badBody = await t.request('POST', `/api/v1/invoices/${wire.body.ref}/mark-paid`, { body: { note: 5 } });
    expect(badBody.status).to.equal(400);

    const res = await t.request('POST', `/api/v1/invoices/${wire.body.ref}/mark-paid`, { body: { note: 'SEPA ref 4711' } });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'confirmed', exception: null, marked_paid_at: Math.floor(t.clock.now() / 1000) });
    const types = (await t.till.db.read('outbox').where({ invoice_id: wire.body.id }).orderBy('id')).map((e: any) => e.type);
    expect(types).to.deep.equal(['invoice.created', 'invoice.paid', 'invoice.confirmed']);
    const row = await t.till.db.read('invoices').where({ id: wire.body.id }).first();
    expect(JSON.parse(row.dialect_data).marked_paid).to.include({ note: 'SEPA ref 4711' });

    expect((await t.request('POST', `/api/v1/invoices/${wire.body.ref}/mark-paid`)).status).to.equal(400);
    t.clock.advance(24 * 3600_000);
    await t.till.services.invoices.expireDue();
    await t.till.services.payments.apply({ connected: [{ hash: 'ab'.repeat(32), height: 5, prevHash: 'cd'.repeat(32), outputs: [] }] });
    expect((await t.request('GET', `/api/v1/invoices/${wire.body.ref}/status`)).body.status).to.equal('confirmed');
  });

  it('numbers invoices without gaps or repeats under concurrent creates', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, () => t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })),
    );
    expect(results.every((r) => r.status === 201)).to.equal(true);
    const numbers = results.map((r) => r.body.invoice_number).sort();
    expect(numbers).to.deep.equal(Array.from({ length: 60 }, (_, i) => `INV-${String(i + 1).padStart(4, '0')}`));
    expect(new Set(results.map((r) => r.body.ref)).size).to.equal(60);
  });

  it('never hands one address to two open invoices under concurrent finalizes', async () => {
    await t.setWallet();
    for (let i = 0; i < 30; i++) await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.request('POST', `/api/v1/invoices/${i + 1}/finalize`)),
    );
    expect(results.map((r) => r.status)).to.deep.equal(Array(30).fill(200));
    expect(new Set(results.map((r) => r.body.payment_address)).size).to.equal(30);
  });

  it('rounds line amounts half-up and computes tax and discount in minor units', async () => {
    const res = await t.request('POST', '/api/v1/invoices', {
      body: {
        currency: 'usd',
        tax_rate: '7.25',
        discount_amount: '1.00',
        lines: [{ description: 'Coffee beans (kg)', quantity: '0.333', unit_price: '19.99' }],
      },
    });
    expect(res.status).to.equal(201);
    // 0.333 × 19.99 = 6.65667 → 6.66; tax 7.25 % of 6.66 = 0.48285 → 0.48; − 1.00
    expect(res.body).to.include({ currency: 'USD', subtotal: '6.66', tax_amount: '0.48', discount_amount: '1.00', total: '6.14' });
    expect(res.body.lines[0]).to.include({ quantity: '0.333', amount: '6.66' });
  });

  it('prices in zero- and three-decimal currencies', async () => {
    const jpy = await t.request('POST', '/api/v1/invoices', { body: { currency: 'JPY', lines: [{ description: 'Ramen', quantity: 2, unit_price: 1200 }] } });
    expect(jpy.status).to.equal(201);
    expect(jpy.body.total).to.equal('2400');
    const bhd = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BHD', lines: [{ description: 'Tea', quantity: 1, unit_price: '1.250' }] } });
    expect(bhd.body.total).to.equal('1.250');
    const badJpy = await t.request('POST', '/api/v1/invoices', { body: { currency: 'JPY', lines: [{ description: 'Ramen', quantity: 1, unit_price: '1200.5' }] } });
    expect(badJpy.status).to.equal(400);
  });
});

describe('v1 invoices: the checkout page they name', function () {
  this.timeout(20_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  /** A request with a Host header of our choosing (fetch does not let one set it). */
  function withHost(host: string, method: string, p: string, key: string): Promise<any> {
    const u = new URL(t.url);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method, path: p, headers: { Host: host, Authorization: `Bearer ${key}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(JSON.parse(text)));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('gives each invoice its uuid, and a finalized one its checkout_url on the host it was asked through', async () => {
    t = await startTill();
    await t.setWallet();
    const draft = (await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })).body;
    expect(draft.uuid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(draft.checkout_url, 'a draft has no page yet').to.equal(null);
    const inv = (await t.request('POST', `/api/v1/invoices/${draft.ref}/finalize`)).body;
    expect(inv.uuid).to.equal(draft.uuid);
    expect(inv.checkout_url).to.equal(`${t.url}/i/${inv.uuid}`);
    const page = await fetch(inv.checkout_url);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include(inv.invoice_number).and.include(inv.payment_address);

    const viaLan = await withHost('till.lan:8080', 'GET', `/api/v1/invoices/${inv.ref}`, t.key);
    expect(viaLan.checkout_url).to.equal(`http://till.lan:8080/i/${inv.uuid}`);
    // A Host header crafted to point the link elsewhere names no other site.
    const crafted = await withHost('evil.example/phish?', 'GET', `/api/v1/invoices/${inv.ref}`, t.key);
    expect(crafted.checkout_url).to.equal(`http://localhost/i/${inv.uuid}`);
    const listed = (await t.request('GET', '/api/v1/invoices')).body.invoices[0];
    expect(listed).to.include({ uuid: inv.uuid, checkout_url: inv.checkout_url });
  });

  it('TILL_PUBLIC_URL names the page whatever host the request came through', async () => {
    t = await startTill({ env: { TILL_PUBLIC_URL: 'https://pay.shop.example/' } });
    await t.setWallet();
    const draft = (await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })).body;
    const inv = (await t.request('POST', `/api/v1/invoices/${draft.ref}/finalize`)).body;
    expect(inv.checkout_url).to.equal(`https://pay.shop.example/i/${inv.uuid}`);
    const viaLan = await withHost('till.lan:8080', 'GET', `/api/v1/invoices/${inv.ref}`, t.key);
    expect(viaLan.checkout_url).to.equal(`https://pay.shop.example/i/${inv.uuid}`);
  });
});
