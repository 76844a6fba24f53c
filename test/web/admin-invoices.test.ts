/**
 * The merchant UI's invoices over HTTP: the list with its filters, search and paging; one
 * invoice with its payments, events and deliveries; the new-invoice form (errors beside
 * their fields, totals worked out by the server without JavaScript); finalize, cancel and
 * mark paid with their audit lines; CSRF on every form; what people typed shown as text.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { testTpub, type TestTill } from '../helpers/till.js';
import { adminTill, type AdminClient } from './admin-client.js';

const rnd = () => randomBytes(32).toString('hex');

function usd(extra: Record<string, unknown> = {}) {
  return { currency: 'USD', lines: [{ description: 'Widget', quantity: '2', unit_price: '12.50' }], ...extra };
}

async function apiInvoice(t: TestTill, body: Record<string, unknown> = usd()): Promise<any> {
  const r = await t.request('POST', '/api/v1/invoices', { body });
  expect(r.status, r.text).to.equal(201);
  return r.body;
}

/** The invoice numbers a list page shows, in order. */
function numbersOn(html: string): string[] {
  return [...html.matchAll(/<td class="first nowrap" data-label="Number"><a href="[^"]+">(INV-[0-9]+)<\/a>/g)].map((m) => m[1]!);
}

/** An empty create form's fields, as a browser without JavaScript posts them. */
function createForm(extra: Record<string, string> = {}): Record<string, string> {
  const f: Record<string, string> = {
    rows: '5', currency: 'USD', customer_name: '', customer_email: '', customer_company: '', tax_rate: '', discount_amount: '', notes: '', method_onchain: 'on',
  };
  for (let i = 0; i < 5; i++) Object.assign(f, { [`line${i}_description`]: '', [`line${i}_quantity`]: '', [`line${i}_unit_price`]: '' });
  return { ...f, ...extra };
}

/** The error paragraph of a field (Field's `f-<name>-error`), or null. */
function errorOf(html: string, field: string): string | null {
  const m = new RegExp(`<p id="f-${field.replace(/[[\].]/g, '\\$&')}-error" class="error">([^<]*)</p>`).exec(html);
  return m ? m[1]! : null;
}

describe('merchant UI: invoices', function () {
  this.timeout(60_000);
  let t: TestTill | undefined;
  let ui: AdminClient;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('lists invoices newest first, 50 a page, with newer/older links that keep the filters', async () => {
    ({ t, ui } = await adminTill());
    for (let i = 0; i < 55; i++) await apiInvoice(t, usd({ customer_email: i % 2 ? `odd${i}@example.com` : `even${i}@example.com` }));
    let p = await ui.get('/admin/invoices');
    expect(p.status).to.equal(200);
    const first = numbersOn(p.text);
    expect(first).to.have.length(50);
    expect(first[0]).to.equal('INV-0055');
    expect(first[49]).to.equal('INV-0006');
    expect(p.text).to.include('1–50 of 55 invoices');
    expect(p.text).to.include('href="/admin/invoices?page=2" rel="next"');
    expect(p.text).not.to.include('rel="prev"');
    // Each row: number, status, customer, total in its currency, BTC due/paid, created date.
    expect(p.text).to.include('<span class="chip">draft</span>').and.include('odd53@example.com').and.include('25.00 USD').and.include('0.00000000 BTC');
    expect(p.text).to.match(/data-label="Created">\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    p = await ui.get('/admin/invoices?page=2');
    expect(numbersOn(p.text)).to.deep.equal(['INV-0005', 'INV-0004', 'INV-0003', 'INV-0002', 'INV-0001']);
    expect(p.text).to.include('href="/admin/invoices" rel="prev"');
    // Filters go into the paging links; a search narrows the count.
    p = await ui.get('/admin/invoices?q=example.com&status=draft');
    expect(p.text).to.include('1–50 of 55 invoices matching');
    expect(p.text).to.include('href="/admin/invoices?q=example.com&amp;status=draft&amp;page=2" rel="next"');
    p = await ui.get('/admin/invoices?q=example.com&status=draft&page=2');
    expect(numbersOn(p.text)).to.have.length(5);
    expect(p.text).to.include('href="/admin/invoices?q=example.com&amp;status=draft" rel="prev"');
    // The filter form is a GET form showing what was chosen.
    expect(p.text).to.include('<form method="get" action="/admin/invoices"');
    expect(p.text).to.include('<option value="draft" selected="">draft</option>');
    expect(p.text).to.include('name="q" value="example.com"');
  });

  it('filters by status, dialect and created date (UTC), and searches number, ref, email', async () => {
    ({ t, ui } = await adminTill());
    await t.setWallet(testTpub(21));
    t.clock.set(Date.UTC(2026, 2, 10, 23, 30));
    const a = await apiInvoice(t, usd({ customer_email: 'ada@example.com', customer_name: 'Ada' }));
    t.clock.set(Date.UTC(2026, 2, 11, 0, 30));
    const b = await apiInvoice(t);
    const fin = await t.request('POST', `/api/v1/invoices/${b.ref}/finalize`);
    expect(fin.status, fin.text).to.equal(200);
    t.clock.set(Date.UTC(2026, 2, 12, 12, 0));
    const c = await t.request('POST', '/api/checkout/invoices', { headers: { 'X-Api-Key': t.key }, key: null, body: { amountUsd: 10, productName: 'Mug' } });
    expect(c.status, c.text).to.equal(201);

    const list = async (qs: string) => numbersOn((await ui.get(`/admin/invoices?${qs}`)).text);
    expect(await list('status=pending')).to.deep.equal(['INV-0003', 'INV-0002']);
    expect(await list('status=draft')).to.deep.equal(['INV-0001']);
    expect(await list('dialect=checkout')).to.deep.equal(['INV-0003']);
    expect(await list('dialect=v1')).to.deep.equal(['INV-0002', 'INV-0001']);
    expect(await list('dialect=link')).to.deep.equal([]);
    expect(await list('from=2026-03-11&to=2026-03-11')).to.deep.equal(['INV-0002']);
    expect(await list('to=2026-03-10')).to.deep.equal(['INV-0001']);
    expect(await list('from=2026-03-11')).to.deep.equal(['INV-0003', 'INV-0002']);
    expect(await list('q=INV-0002')).to.deep.equal(['INV-0002']);
    expect(await list(`q=${b.ref.toLowerCase()}`)).to.deep.equal(['INV-0002']);
    expect(await list('q=ADA%40example')).to.deep.equal(['INV-0001']);
    expect(await list('q=nobody')).to.deep.equal([]);
    expect(a.invoice_number).to.equal('INV-0001');
    expect((await ui.get('/admin/invoices?q=nobody')).text).to.include('No invoice matches these filters.');
  });

  it('answers bad filter values with the list and a message, never a 500', async () => {
    ({ t, ui } = await adminTill());
    await apiInvoice(t);
    for (const [qs, says] of [
      ['status=bogus', 'There is no status &quot;bogus&quot;'],
      ['dialect=soap', '&quot;soap&quot; is not one of v1, checkout, bitpay, link'],
      ['from=2026-02-30', '&quot;2026-02-30&quot; is not a date'],
      ['to=yesterday', '&quot;yesterday&quot; is not a date'],
      ['from=2026-03-02&to=2026-03-01', 'The start date is after the end date'],
      ['page=-1', '&quot;-1&quot; is not a page number'],
      ['page=1e9', '&quot;1e9&quot; is not a page number'],
      ['status=draft&status=pending', 'Status: give one value, not 2'],
      ['q=%25%27%22%3Cb%3E', null],
    ] as const) {
      const p = await ui.get(`/admin/invoices?${qs}`);
      expect(p.status, qs).to.equal(says === null ? 200 : 400);
      if (says) expect(p.text, qs).to.include(says);
      expect(p.text, qs).to.include('<h1>Invoices</h1>');
    }
    // The list still shows without the bad filter.
    expect(numbersOn((await ui.get('/admin/invoices?status=bogus')).text)).to.deep.equal(['INV-0001']);
    // Far past the last page: an empty page, with a way back.
    const far = await ui.get('/admin/invoices?page=999');
    expect(far.status).to.equal(200);
    expect(far.text).to.include('rel="prev"');
  });

  it('finds an invoice by its txid and its address after a payment; its page shows the payment and deliveries', async () => {
    ({ t, ui } = await adminTill());
    await t.setWallet(testTpub(22));
    const hook = await t.request('POST', '/api/v1/webhooks', { body: { url: 'https://hooks.example/till' } });
    expect(hook.status, hook.text).to.equal(201);
    await apiInvoice(t);
    const inv = await apiInvoice(t, usd({ customer_email: 'payer@example.com' }));
    const fin = await t.request('POST', `/api/v1/invoices/${inv.ref}/finalize`);
    expect(fin.status, fin.text).to.equal(200);
    const address = fin.body.payment_address;
    expect(address, JSON.stringify(fin.body)).to.be.a('string');
    const row = await t.till.db.read('addresses').where({ address }).first();
    const txid = rnd();
    const due = BigInt(String(fin.body.btc_amount).replace('.', ''));
    await t.till.services.payments.apply({ seen: [{ txid, vout: 1, sats: due / 2n, addressId: row.id }] });

    expect(numbersOn((await ui.get(`/admin/invoices?q=${txid}`)).text)).to.deep.equal(['INV-0002']);
    expect(numbersOn((await ui.get(`/admin/invoices?q=${txid.toUpperCase()}`)).text)).to.deep.equal(['INV-0002']);
    expect(numbersOn((await ui.get(`/admin/invoices?q=${address}`)).text)).to.deep.equal(['INV-0002']);
    const listed = await ui.get('/admin/invoices?status=partial');
    expect(numbersOn(listed.text)).to.deep.equal(['INV-0002']);
    expect(listed.text).to.include('<span class="chip warn">partial</span>');

    // Events go out as deliveries; one failed attempt is recorded as the worker would.
    await t.till.services.notifier.fanOut();
    const deliveries = await t.till.db.read('deliveries').orderBy('id');
    expect(deliveries.length).to.be.greaterThan(0);
    await t.till.db.write('deliveries').where({ id: deliveries[deliveries.length - 1].id }).update({ status: 'failed', attempts: 3, last_status_code: 502, last_error: 'Bad gateway' });

    for (const key of [inv.ref, 'INV-0002', String(inv.id), inv.ref.toLowerCase()]) {
      const p = await ui.get(`/admin/invoices/${key}`);
      expect(p.status, key).to.equal(200);
      expect(p.text).to.include('<h1>Invoice INV-0002</h1>');
    }
    const p = await ui.get(`/admin/invoices/${inv.ref}`);
    expect(p.text).to.include(`<code>${txid}:1</code>`).and.include('>mempool</span>');
    expect(p.text).to.include(`<code>${address}</code>`);
    expect(p.text).to.include('Widget').and.include('12.50 USD').and.include('25.00 USD');
    expect(p.text).to.include('70862.71 USD per BTC');
    expect(p.text).to.match(new RegExp(`href="${t.url}/i/[0-9a-f-]{36}"`));
    expect(p.text).to.include('<code>invoice.created</code>').and.include('<code>payment.received</code>');
    expect(p.text).to.include('https://hooks.example/till');
    expect(p.text).to.include('>pending</span>').and.include('0 attempts');
    expect(p.text).to.include('>failed</span>').and.include('3 attempts, last answer HTTP 502, Bad gateway');
    expect(p.text).to.include('payer@example.com');
    // Not found: an HTML 404.
    for (const bad of ['INV-9999', 'nonsense', '0']) {
      const nf = await ui.get(`/admin/invoices/${bad}`);
      expect(nf.status, bad).to.equal(404);
      expect(nf.text).to.include('not found');
    }
  });

  it('create: each error beside its field, what was typed kept, 400 and nothing written', async () => {
    ({ t, ui } = await adminTill());
    const form = await ui.get('/admin/invoices/new');
    expect(form.status).to.equal(200);
    expect(form.text).to.include('name="line4_unit_price"').and.not.include('name="line5_unit_price"');
    expect(form.text).to.include('name="currency" type="text" value="USD"');
    const r = await ui.post('/admin/invoices/new', createForm({
      intent: 'create', customer_email: 'not-an-email', customer_name: 'Bob',
      line0_description: 'Good line', line0_quantity: '1', line0_unit_price: '5.00',
      line2_description: 'Bad price', line2_quantity: '1', line2_unit_price: '12.345',
      line3_description: 'Bad quantity', line3_quantity: 'lots', line3_unit_price: '1',
      tax_rate: 'ten',
    }));
    expect(r.status, r.text.slice(0, 500)).to.equal(400);
    expect(errorOf(r.text, 'customer_email'), 'email').to.match(/^Email /);
    expect(errorOf(r.text, 'line3_quantity'), 'quantity').to.match(/^Quantity /);
    expect(errorOf(r.text, 'tax_rate'), 'tax').to.match(/^Tax rate /);
    expect(r.text).to.include('value="not-an-email"').and.include('value="Bob"').and.include('value="12.345"').and.include('value="lots"');
    expect(r.text).to.include('id="f-line3_quantity" name="line3_quantity" type="text" value="lots" inputmode="decimal" placeholder="1" aria-invalid="true"');
    expect(await t.count('invoices')).to.equal(0);

    // The schema passes, the totals do not: 12.345 USD has too many decimals — beside line 3's price.
    const r2 = await ui.post('/admin/invoices/new', createForm({
      intent: 'create', line0_description: 'Good line', line0_unit_price: '5.00', line2_description: 'Bad price', line2_unit_price: '12.345',
    }));
    expect(r2.status).to.equal(400);
    expect(errorOf(r2.text, 'line2_unit_price'), r2.text.match(/class="error">[^<]*/g)?.join('|')).to.match(/^Unit price /);
    expect(errorOf(r2.text, 'line0_unit_price')).to.equal(null);
    // No lines at all; no payment method; an unknown currency.
    const r3 = await ui.post('/admin/invoices/new', createForm({ intent: 'create', currency: 'XYZ', method_onchain: '' }));
    expect(r3.status).to.equal(400);
    expect(r3.text).to.include('Add at least one line');
    expect(errorOf(r3.text, 'payment_methods')).to.equal('Payment methods: choose at least one.');
    const r4 = await ui.post('/admin/invoices/new', createForm({ intent: 'create', currency: 'XYZ', line0_description: 'x', line0_unit_price: '1' }));
    expect(r4.status).to.equal(400);
    expect(errorOf(r4.text, 'currency')).to.match(/currency/i);
    expect(await t.count('invoices')).to.equal(0);
    expect(await t.count('audit_log')).to.equal(0);
  });

  it('create without JavaScript: another line and the totals by posting back, then the draft', async () => {
    ({ t, ui } = await adminTill());
    await ui.get('/admin/invoices/new');
    const typed = createForm({
      line0_description: 'Hours', line0_quantity: '1.5', line0_unit_price: '80.00',
      line1_description: 'Travel', line1_unit_price: '20',
      tax_rate: '10', discount_amount: '4.00', customer_name: 'Cy', method_wire: 'on',
    });
    let r = await ui.post('/admin/invoices/new', { ...typed, intent: 'add' });
    expect(r.status).to.equal(200);
    expect(r.text).to.include('name="line5_description"').and.include('name="rows" value="6"');
    expect(r.text).to.include('value="Hours"').and.include('value="Cy"');
    // 1.5 × 80 + 20 = 140.00; tax 14.00; − 4.00 → 150.00
    r = await ui.post('/admin/invoices/new', { ...typed, intent: 'totals' });
    expect(r.text).to.include('<dd id="t-subtotal">140.00</dd>').and.include('<dd id="t-tax">14.00</dd>').and.include('<span id="t-total">150.00</span>');
    expect(r.text).to.include('<output data-amount="">120.00</output>');
    expect(await t.count('invoices')).to.equal(0);

    r = await ui.post('/admin/invoices/new', { ...typed, rows: '6', line5_description: '', line5_quantity: '', line5_unit_price: '', intent: 'create' });
    expect(r.status, r.text.slice(0, 400)).to.equal(303);
    const [row] = await t.till.db.read('invoices');
    expect(r.location).to.equal(`/admin/invoices/${row.ref}?done=${encodeURIComponent('Draft invoice INV-0001 created.')}`);
    expect(row.status).to.equal('draft');
    expect(row.dialect).to.equal('v1');
    expect(Number(row.total)).to.equal(15000);
    expect(JSON.parse(row.payment_methods)).to.deep.equal(['onchain_btc', 'wire']);
    expect(row.page_base).to.equal(t.url);
    const p = await ui.get(r.location!);
    expect(p.text).to.include('Draft invoice INV-0001 created.').and.include('150.00 USD').and.include('Hours');
    expect(p.text).to.include('after it is finalized');
    const audit = await t.till.db.read('audit_log');
    expect(audit.map((a: any) => [a.action, a.subject])).to.deep.equal([['invoice.created', 'INV-0001']]);
  });

  it('create and finalize in one submit; with no wallet nothing is written', async () => {
    ({ t, ui } = await adminTill());
    await ui.get('/admin/invoices/new');
    const form = createForm({ intent: 'finalize', line0_description: 'Tea', line0_unit_price: '30' });
    let r = await ui.post('/admin/invoices/new', form);
    expect(r.status).to.equal(400);
    expect(r.text).to.include('No active wallet').and.include('value="Tea"');
    expect(await t.count('invoices')).to.equal(0);
    await t.setWallet(testTpub(23));
    r = await ui.post('/admin/invoices/new', form);
    expect(r.status, r.text.slice(0, 300)).to.equal(303);
    const [row] = await t.till.db.read('invoices');
    expect(row.status).to.equal('pending');
    expect(row.address_id).to.be.a('number');
    const audit = await t.till.db.read('audit_log').orderBy('id');
    expect(audit.map((a: any) => [a.action, a.subject])).to.deep.equal([['invoice.created', 'INV-0001'], ['invoice.finalized', 'INV-0001']]);
  });

  it('finalize, cancel and mark paid, each with its audit line; a refusal shows on the page', async () => {
    ({ t, ui } = await adminTill());
    const a = await apiInvoice(t);
    const b = await apiInvoice(t, usd({ payment_methods: ['onchain_btc', 'wire'] }));
    // Finalize with no wallet: refused on the page, still a draft.
    let p = await ui.get(`/admin/invoices/${a.ref}`);
    expect(p.text).to.include(`action="/admin/invoices/${a.ref}/finalize"`);
    expect(p.text).to.include(`action="/admin/invoices/${a.ref}/cancel" data-confirm="Cancel invoice INV-0001?`);
    expect(p.text).not.to.include('/mark-paid"');
    let r = await ui.post(`/admin/invoices/${a.ref}/finalize`, {});
    expect(r.status).to.equal(400);
    expect(r.text).to.include('No active wallet').and.include('<h1>Invoice INV-0001</h1>');
    await t.setWallet(testTpub(24));
    r = await ui.post(`/admin/invoices/${a.ref}/finalize`, {});
    expect(r.status).to.equal(303);
    p = await ui.follow(r.location!);
    expect(p.text).to.include('Invoice INV-0001 finalized.').and.include('<span class="chip">pending</span>');
    expect(p.text).not.to.include('/finalize"');
    r = await ui.post(`/admin/invoices/${a.ref}/cancel`, {});
    expect(r.status).to.equal(303);
    expect((await t.till.db.read('invoices').where({ ref: a.ref }).first()).status).to.equal('cancelled');
    p = await ui.follow(r.location!);
    expect(p.text).to.include('<span class="chip bad">cancelled</span>').and.not.include('/cancel"');
    expect(p.text).to.match(/href="http:\/\/127\.0\.0\.1:[0-9]+\/i\/[0-9a-f-]{36}"/);
    // A draft cancelled never had a checkout page.
    const c = await apiInvoice(t);
    r = await ui.post(`/admin/invoices/${c.ref}/cancel`, {});
    expect(r.status).to.equal(303);
    p = await ui.follow(r.location!);
    expect(p.text).to.include('none: it was never finalized').and.not.include('/i/');
    // Cancelling again is refused on the page, not a 500.
    r = await ui.post(`/admin/invoices/${a.ref}/cancel`, {});
    expect(r.status).to.equal(400);
    expect(r.text).to.include('cannot be cancelled');

    // Mark paid needs a note.
    p = await ui.get(`/admin/invoices/${b.ref}`);
    expect(p.text).to.include(`action="/admin/invoices/${b.ref}/mark-paid"`);
    r = await ui.post(`/admin/invoices/${b.ref}/mark-paid`, { note: '   ' });
    expect(r.status).to.equal(400);
    expect(r.text).to.match(/<p id="f-note-error" class="error">Say what came in/);
    expect((await t.till.db.read('invoices').where({ ref: b.ref }).first()).status).to.equal('draft');
    r = await ui.post(`/admin/invoices/${b.ref}/mark-paid`, { note: 'Bank ref 4471, 25.00 USD on 3 March' });
    expect(r.status).to.equal(303);
    const row = await t.till.db.read('invoices').where({ ref: b.ref }).first();
    expect(row.status).to.equal('confirmed');
    expect(JSON.parse(row.dialect_data).marked_paid.note).to.equal('Bank ref 4471, 25.00 USD on 3 March');
    p = await ui.follow(r.location!);
    expect(p.text).to.include('Bank ref 4471, 25.00 USD on 3 March').and.include('<span class="chip ok">confirmed</span>');

    const audit = await t.till.db.read('audit_log').orderBy('id');
    expect(audit.map((x: any) => [x.action, x.subject])).to.deep.equal([
      ['invoice.finalized', 'INV-0001'], ['invoice.cancelled', 'INV-0001'], ['invoice.cancelled', 'INV-0003'], ['invoice.marked_paid', 'INV-0002'],
    ]);
    expect(JSON.parse(audit[3].detail).note).to.equal('Bank ref 4471, 25.00 USD on 3 March');
    expect(audit[0].actor).to.match(/^session /);
  });

  it('refuses every invoice form without the session\'s CSRF token', async () => {
    ({ t, ui } = await adminTill());
    await t.setWallet(testTpub(25));
    const inv = await apiInvoice(t, usd({ payment_methods: ['wire'] }));
    await ui.get(`/admin/invoices/${inv.ref}`);
    for (const [path, form] of [
      ['/admin/invoices/new', createForm({ intent: 'create', line0_description: 'x', line0_unit_price: '1' })],
      [`/admin/invoices/${inv.ref}/finalize`, {}],
      [`/admin/invoices/${inv.ref}/cancel`, {}],
      [`/admin/invoices/${inv.ref}/mark-paid`, { note: 'paid' }],
    ] as const) {
      for (const csrf of [null, 'x'.repeat(43)]) {
        const r = await ui.post(path, form, { csrf });
        expect(r.status, `${path} ${csrf}`).to.equal(403);
        expect(r.text).to.include('This form has expired');
      }
    }
    expect(await t.count('invoices')).to.equal(1);
    expect((await t.till.db.read('invoices').first()).status).to.equal('draft');
    expect(await t.count('audit_log')).to.equal(0);
  });

  it('shows what merchants and payers typed as text: <script> in a note, a line, a customer, metadata', async () => {
    ({ t, ui } = await adminTill());
    const evil = '<script>alert(1)</script>';
    await apiInvoice(t, usd({
      notes: `${evil} & "quotes"\nsecond line`, customer_name: `${evil}name`, customer_company: '<b>co</b>',
      lines: [{ description: `${evil}line`, quantity: '1', unit_price: '1.00' }], metadata: { order: evil },
    }));
    // And through the form.
    await ui.get('/admin/invoices/new');
    const r = await ui.post('/admin/invoices/new', createForm({ intent: 'create', notes: `${evil}form`, line0_description: `${evil}formline`, line0_unit_price: '2' }));
    expect(r.status).to.equal(303);
    for (const path of ['/admin/invoices', '/admin/invoices/INV-0001', '/admin/invoices/INV-0002', `/admin/invoices?q=${encodeURIComponent(evil)}`]) {
      const p = await ui.get(path);
      expect(p.text, path).not.to.include('<script>alert');
      expect(p.text, path).not.to.include('<b>co</b>');
    }
    const p = await ui.get('/admin/invoices/INV-0001');
    expect(p.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;\nsecond line');
    expect(p.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;line').and.include('&lt;script&gt;alert(1)&lt;/script&gt;name');
    expect(p.text).to.include('&quot;order&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
    const q = await ui.get('/admin/invoices/INV-0002');
    expect(q.text).to.include('&lt;script&gt;alert(1)&lt;/script&gt;form').and.include('&lt;script&gt;alert(1)&lt;/script&gt;formline');
    // A form sent back with errors keeps the text escaped too.
    const back = await ui.post('/admin/invoices/new', createForm({ intent: 'create', customer_email: evil, line0_description: evil, line0_unit_price: '1' }));
    expect(back.status).to.equal(400);
    expect(back.text).not.to.include('<script>alert');
    expect(back.text).to.include('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
  });
});
