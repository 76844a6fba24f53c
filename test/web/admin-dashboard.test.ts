/**
 * The merchant's dashboard and CSV exports on the real server: what came in today, in 7
 * and 30 days (BTC, and each invoice currency at its locked rate), the chart's days, the
 * recent payments; the exports' rows, quoting and formula neutralising, date filters,
 * streaming page by page, and the login they need.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { csvField, csvLine } from '../../src/invoicing/csv.js';
import { formatBtc, formatMoney, satsToFiatMinor } from '../../src/domain/money.js';
import { INVOICE_CSV_HEADER, PAYMENT_CSV_HEADER, ReportService } from '../../src/invoicing/reports.js';
import type { Invoice } from '../../src/domain/invoice.js';
import type { TestTill } from '../helpers/till.js';
import { AdminClient, adminTill } from './admin-client.js';
import { insertShop } from './shop-fixture.js';

const rnd = () => randomBytes(32).toString('hex');
const DAY = 86_400_000;

/** A finalized invoice of one line. */
async function invoice(t: TestTill, currency: string, price: string, o: { email?: string } = {}): Promise<Invoice> {
  const draft = await t.till.services.invoices.create({
    currency,
    lines: [{ description: 'Coffee beans', quantity: '1', unit_price: price }],
    customerEmail: o.email ?? null,
    dialect: 'v1',
  });
  return t.till.services.invoices.finalize(draft.ref);
}

/** Pays `sats` to the invoice's address, seen in the mempool now. */
async function pay(t: TestTill, inv: Invoice, sats: bigint, o: { spends?: string[] } = {}): Promise<{ txid: string; vout: number; sats: bigint; addressId: number }> {
  const out = { txid: rnd(), vout: 0, sats, addressId: inv.addressId!, ...(o.spends && { spends: o.spends }) };
  await t.till.services.payments.apply({ seen: [out] });
  return out;
}

/** The figures of one "Received" box: BTC, fiat lines, count. */
function box(html: string, label: string): { btc: string; fiat: string[]; count: string } {
  const start = html.indexOf(`<div class="label">${label}</div>`);
  expect(start, `box ${label}`).to.be.greaterThan(-1);
  const end = html.indexOf('</p>', start);
  const part = html.slice(start, end);
  return {
    btc: /<div class="value">([^<]+) BTC<\/div>/.exec(part)![1]!,
    fiat: [...part.matchAll(/<li>([^<]+)<\/li>/g)].map((m) => m[1]!),
    count: /<p class="count">([^<]+)$/.exec(part)![1]!,
  };
}

/** CSV text as rows of fields (RFC 4180: quoted fields may hold commas, quotes, line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; } else f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}

function records(text: string): Record<string, string>[] {
  const [head, ...rest] = parseCsv(text);
  return rest.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}

describe('merchant UI: dashboard and CSV exports', function () {
  this.timeout(60_000);
  let t: TestTill;
  let ui: AdminClient;
  beforeEach(async () => {
    ({ t, ui } = await adminTill());
    await t.setWallet();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('sums today, 7 and 30 days in BTC and per invoice currency at the locked rates; the chart has a bar per day with money', async () => {
    // Day 0 (13 Mar): A, USD, paid in full and confirmed.
    const a = await invoice(t, 'USD', '150.00');
    const pa = await pay(t, a, a.dueSats!);
    await t.till.services.payments.apply({ connected: [{ hash: rnd(), height: 1, prevHash: '00'.repeat(32), outputs: [pa] }] });
    // Day 5 (18 Mar): B in EUR, C in USD half paid.
    t.clock.advance(5 * DAY);
    const b = await invoice(t, 'EUR', '80.00');
    const pb = await pay(t, b, b.dueSats!);
    const c = await invoice(t, 'USD', '20.00');
    const pc = await pay(t, c, c.dueSats! / 2n);
    // Day 22 (4 Apr): D in USD.
    t.clock.advance(17 * DAY);
    const d = await invoice(t, 'USD', '10.00');
    const pd = await pay(t, d, d.dueSats!);
    // Day 25 (7 Apr): E in JPY, paid, then the payment replaced by a fee bump (counted once).
    t.clock.advance(3 * DAY);
    const e = await invoice(t, 'JPY', '1500');
    const spent = [`${rnd()}:0`];
    const first = await pay(t, e, e.dueSats!, { spends: spent });
    const pe = await pay(t, e, e.dueSats!, { spends: spent });
    expect((await t.till.db.read('payments').where({ txid: first.txid }).first()).status).to.equal('replaced');

    const usd = (ps: { sats: bigint }[]) => formatMoney(satsToFiatMinor(ps.reduce((s, p) => s + p.sats, 0n), 'USD', a.rate!), 'USD');
    expect(a.rate).to.equal(c.rate).and.equal(d.rate);
    const jpy = formatMoney(satsToFiatMinor(pe.sats, 'JPY', e.rate!), 'JPY');
    const eur = formatMoney(satsToFiatMinor(pb.sats, 'EUR', b.rate!), 'EUR');

    // Days went by: the session of the morning has timed out.
    await ui.login();
    let page = await ui.get('/admin');
    expect(page.status).to.equal(200);
    expect(box(page.text, 'Today')).to.deep.equal({ btc: formatBtc(pe.sats), fiat: [`${jpy} JPY`], count: '1 payment' });
    expect(box(page.text, 'Last 7 days')).to.deep.equal({
      btc: formatBtc(pd.sats + pe.sats), fiat: [`${jpy} JPY`, `${usd([pd])} USD`], count: '2 payments',
    });
    expect(box(page.text, 'Last 30 days')).to.deep.equal({
      btc: formatBtc(pa.sats + pb.sats + pc.sats + pd.sats + pe.sats),
      fiat: [`${eur} EUR`, `${jpy} JPY`, `${usd([pa, pc, pd])} USD`],
      count: '5 payments',
    });
    // The invoice prices come back (to the cent: each due amount was rounded up to a satoshi).
    expect(usd([pa, pc, pd])).to.equal('170.00');
    expect(eur).to.equal('80.00');
    // Four days with money: 13 Mar, 18 Mar, 4 Apr, 7 Apr.
    expect(page.text.match(/<rect class="bar"/g)).to.have.length(4);
    expect(page.text).to.include('<title id="chart-t">').and.include('<desc id="chart-d">');
    expect(page.text).to.match(/<caption>BTC received per day[^<]*<\/caption>/);
    expect(page.text).to.include(`<th scope="row">2026-03-18</th><td>${formatBtc(pb.sats + pc.sats)}</td><td>2</td>`);
    // Recent payments: newest first, shortened txid linked to its invoice, replaced shown as such.
    const recent = page.text.slice(page.text.indexOf('Recent payments'));
    expect(recent.indexOf(pe.txid.slice(0, 8))).to.be.lessThan(recent.indexOf(pd.txid.slice(0, 8)));
    expect(recent).to.include(`href="/admin/invoices/${a.ref}" title="${pa.txid}:0"`);
    expect(recent).to.include(`${pa.txid.slice(0, 8)}…${pa.txid.slice(-8)}`);
    expect(recent).to.include('1 confirmation').and.include('in mempool').and.include('replaced');
    // No inline style anywhere (the CSP blocks them).
    expect(page.text).to.not.include('style=');

    // A week later 13 Mar has left the 30 days.
    t.clock.advance(7 * DAY);
    await ui.login();
    page = await ui.get('/admin');
    expect(box(page.text, 'Today')).to.deep.equal({ btc: formatBtc(0n), fiat: [], count: '0 payments' });
    expect(box(page.text, 'Last 30 days').btc).to.equal(formatBtc(pb.sats + pc.sats + pd.sats + pe.sats));
    expect(page.text.match(/<rect class="bar"/g)).to.have.length(3);
  });

  it('exports invoices and payments as CSV: the locked rate and each payment\'s fiat value, quoting, formulas neutralised, date filters', async () => {
    const hostile = "=cmd|' /C calc'!A0";
    const a = await invoice(t, 'USD', '150.00', { email: hostile });
    const pa = await pay(t, a, a.dueSats!);
    await t.till.services.payments.apply({ connected: [{ hash: rnd(), height: 7, prevHash: '00'.repeat(32), outputs: [pa] }] });
    t.clock.advance(2 * DAY);
    const odd = 'o"brien, jr\nline2@example.com';
    const b = await invoice(t, 'EUR', '12.34', { email: odd });
    const pb = await pay(t, b, 1000n);

    await ui.login();
    let res = await ui.get('/admin/export/invoices.csv');
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="till-invoices-2026-03-15.csv"');
    expect(res.text.split('\r\n')[0]).to.equal(INVOICE_CSV_HEADER.join(','));
    expect(res.text.split('\r\n')[0]).to.equal(
      'created_at,finalized_at,paid_at,confirmed_at,number,ref,status,exception,currency,total,rate,btc_due,btc_paid,customer_email,txids',
    );
    let rows = records(res.text);
    expect(rows).to.have.length(2);
    const ra = rows.find((r) => r.number === a.number)!;
    const paid = (await t.till.services.invoices.get(a.ref)) as Invoice;
    expect(ra).to.deep.include({
      created_at: new Date(a.createdAt).toISOString(),
      ref: a.ref,
      status: paid.status,
      currency: 'USD',
      total: '150.00',
      rate: a.rate!,
      btc_due: formatBtc(a.dueSats!),
      btc_paid: formatBtc(pa.sats),
      customer_email: `'${hostile}`,
      txids: pa.txid,
    });
    expect(ra.paid_at).to.equal(new Date(paid.paidAt!).toISOString());
    // The odd one is quoted as RFC 4180 says and comes back whole.
    expect(res.text).to.include('"o""brien, jr\nline2@example.com"');
    expect(rows.find((r) => r.number === b.number)!.customer_email).to.equal(odd);

    res = await ui.get('/admin/export/payments.csv');
    expect(res.status).to.equal(200);
    expect(res.text.split('\r\n')[0]).to.equal(PAYMENT_CSV_HEADER.join(','));
    rows = records(res.text);
    expect(rows.map((r) => r.txid)).to.deep.equal([pa.txid, pb.txid]);
    expect(rows[0]).to.deep.include({
      invoice_number: a.number, vout: '0', btc: formatBtc(pa.sats), status: 'confirmed', block_height: '7',
      currency: 'USD', rate: a.rate!, fiat_value: formatMoney(satsToFiatMinor(pa.sats, 'USD', a.rate!), 'USD'),
    });
    expect(rows[0]!.fiat_value).to.equal('150.00');
    expect(rows[1]).to.deep.include({ status: 'mempool', currency: 'EUR', fiat_value: formatMoney(satsToFiatMinor(1000n, 'EUR', b.rate!), 'EUR'), block_height: '' });

    // Date filters: UTC days, both included.
    res = await ui.get('/admin/export/payments.csv?from=2026-03-14&to=2026-03-15');
    expect(records(res.text).map((r) => r.txid)).to.deep.equal([pb.txid]);
    expect(res.headers.get('content-disposition')).to.equal('attachment; filename="till-payments-2026-03-14-to-2026-03-15.csv"');
    res = await ui.get('/admin/export/invoices.csv?to=2026-03-13');
    expect(records(res.text).map((r) => r.number)).to.deep.equal([a.number]);
    res = await ui.get(`/admin/export/invoices.csv?status=${paid.status}`);
    expect(records(res.text).map((r) => r.number)).to.deep.equal([a.number]);
    res = await ui.get('/admin/export/invoices.csv?from=2026-03-16');
    expect(res.text).to.equal(`${INVOICE_CSV_HEADER.join(',')}\r\n`);
    // A bad date or status is a 400 page, not a 500 or a file.
    for (const q of ['from=yesterday', 'to=2026-02-30', 'from=2026-03-15&to=2026-03-14', 'status=lost']) {
      res = await ui.get(`/admin/export/invoices.csv?${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.headers.get('content-type')).to.match(/^text\/html/);
    }
    // Each export is in the audit log.
    const audit = await t.till.db.read('audit_log').select('action');
    expect(audit.map((r: any) => r.action)).to.include('export.invoices').and.include('export.payments');
    // The dashboard links the exports with a date-range form.
    const dash = await ui.get('/admin');
    expect(dash.text).to.include('action="/admin/export/invoices.csv"').and.include('formaction="/admin/export/payments.csv"');
    expect(dash.text).to.include('type="date" name="from"');
  });

  it('CSV fields: RFC 4180 quoting and spreadsheet formulas neutralised', () => {
    expect(csvField('plain')).to.equal('plain');
    expect(csvField('a,b')).to.equal('"a,b"');
    expect(csvField('say "hi"')).to.equal('"say ""hi"""');
    expect(csvField('two\nlines')).to.equal('"two\nlines"');
    expect(csvField('=1+1')).to.equal("'=1+1");
    expect(csvField('+44 20 7946 0000')).to.equal("'+44 20 7946 0000");
    expect(csvField('-2+3')).to.equal("'-2+3");
    expect(csvField('@SUM(A1)')).to.equal("'@SUM(A1)");
    expect(csvField('\t=x')).to.equal("'\t=x");
    expect(csvField('=HYPERLINK("http://x","y")')).to.equal('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvField('-0.50')).to.equal('-0.50');
    expect(csvField(null)).to.equal('');
    expect(csvLine(['a', 1, null])).to.equal('a,1,\r\n');
  });

  it('streams: 5,000 invoices come out page by page, each page read only when the last has gone out', async () => {
    const shop = await insertShop(t.till.db.write, { invoices: 5000, now: t.clock.now(), days: 365 });
    expect(shop.invoices).to.equal(5000);

    // Over HTTP: chunked (no length known up front), every row there, once.
    const res = await fetch(`${t.url}/admin/export/invoices.csv`, { headers: { Cookie: `till_session=${ui.cookies.get('till_session')}` } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('transfer-encoding')).to.equal('chunked');
    expect(res.headers.get('content-length')).to.equal(null);
    const reader = res.body!.getReader();
    let text = '';
    let chunks = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += Buffer.from(value).toString('utf8');
    }
    const rows = records(text);
    expect(rows).to.have.length(5000);
    expect(new Set(rows.map((r) => r.number)).size).to.equal(5000);
    expect(chunks).to.be.greaterThan(1);
    // Oldest first.
    expect(rows[0]!.created_at! < rows[4999]!.created_at!).to.equal(true);

    // The service reads a page only when asked for it: an invoice made after the first page
    // went out is in the last one, so no page was read (or held) before it was needed.
    const reports = new ReportService({ db: t.till.db, now: t.clock.now });
    const gen = reports.invoicesCsv({ from: null, to: null, status: null }, 1000);
    const header = await gen.next();
    expect(header.value).to.equal(`${INVOICE_CSV_HEADER.join(',')}\r\n`);
    const firstPage = await gen.next();
    expect((firstPage.value as string).split('\r\n').length - 1).to.equal(1000);
    t.clock.advance(60_000);
    const late = await invoice(t, 'USD', '1.00');
    let rest = '';
    let pages = 1;
    for await (const p of gen) {
      pages++;
      expect(p.split('\r\n').length - 1).to.be.at.most(1000);
      rest += p;
    }
    expect(pages).to.equal(6);
    expect(rest.trimEnd().split('\r\n').pop()).to.include(late.number);

    // Payments page through (received, id) the same way.
    const pay = records(await (async () => {
      let s = '';
      for await (const p of reports.paymentsCsv({ from: null, to: null }, 700)) s += p;
      return s;
    })());
    expect(pay).to.have.length(shop.payments);
    expect(new Set(pay.map((r) => `${r.txid}:${r.vout}`)).size).to.equal(shop.payments);
    const times = pay.map((r) => r.received_at);
    expect([...times].sort()).to.deep.equal(times);
  });

  it('needs a login: an anonymous request for a CSV is sent to the login page', async () => {
    const anon = new AdminClient(t.url);
    for (const p of ['/admin/export/invoices.csv', '/admin/export/payments.csv?from=2026-01-01']) {
      const res = await anon.get(p);
      expect(res.status).to.equal(303);
      expect(res.location).to.equal(`/admin/login?next=${encodeURIComponent(p)}`);
      expect(res.text).to.not.include('created_at');
    }
  });
});
