/**
 * The merchant UI against what a cold review tried: bodies it cannot read answer as
 * HTML pages; two first-run posts at once set one password; a webhook form with no
 * event ticked is refused; an IPv6 client counts by its /64 at the login; an address
 * searched in upper case (as QR codes show it) is found; a `next` keeps its query.
 */
import { expect } from 'chai';
import { captureLog } from '../helpers/capture-log.js';
import { startTill, type TestTill } from '../helpers/till.js';
import { clientKey } from '../../src/web/admin/session.js';
import { AdminClient, adminTill, PASSWORD } from './admin-client.js';

describe('merchant UI: hardening', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('a body it cannot read is an HTML page (400, 413, 415), never the API\'s JSON, and nothing is made', async () => {
    const s = await adminTill({ TILL_MAX_BODY_BYTES: '4096' });
    t = s.t;
    await s.ui.get('/admin/keys/new');
    const token = s.ui.csrf!;
    const cases: [string, string, number][] = [
      [`_csrf=${token}&name=a&name=b`, 'application/x-www-form-urlencoded', 400],
      [`_csrf=${token}&name=a`, 'text/plain', 415],
      [`_csrf=${token}&name=${'x'.repeat(5000)}`, 'application/x-www-form-urlencoded', 413],
    ];
    for (const [body, type, status] of cases) {
      const r = await s.ui.request('POST', '/admin/keys', body, { 'Content-Type': type });
      expect(r.status, type).to.equal(status);
      expect(r.headers.get('content-type'), type).to.match(/^text\/html/);
      expect(r.text).to.include('That form could not be read');
    }
    expect(await t.count('api_keys')).to.equal(1);
    // The payer's link page too.
    await t.request('POST', '/api/v1/payment-links', { body: { title: 'Tips', slug: 'tips', amount: '1.00', currency: 'USD' } });
    const pay = await fetch(`${t.url}/pay/tips`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'amount=1&amount=2' });
    expect(pay.status).to.equal(400);
    expect(pay.headers.get('content-type')).to.match(/^text\/html/);
  });

  it('two first-run posts at once: one sets the password, the other is told one was set', async () => {
    const cap = captureLog('info');
    t = await startTill({ log: cap.log });
    const code = cap.lines.map((l) => JSON.parse(l) as { setup_code?: string }).find((l) => l.setup_code)!.setup_code!;
    const a = new AdminClient(t.url);
    const b = new AdminClient(t.url);
    await a.get('/admin/setup');
    await b.get('/admin/setup');
    const [ra, rb] = await Promise.all([
      a.post('/admin/setup', { code, password: PASSWORD, confirm: PASSWORD }),
      b.post('/admin/setup', { code, password: 'the other long password', confirm: 'the other long password' }),
    ]);
    expect([ra.status, rb.status].sort()).to.deep.equal([303, 400]);
    const loser = ra.status === 400 ? ra : rb;
    expect(loser.text).to.include('A password was set meanwhile');
    const winner = ra.status === 303 ? PASSWORD : 'the other long password';
    expect(await t.till.services.auth.checkPassword(winner)).to.equal(true);
  });

  it('a webhook form with no event ticked is refused beside the events', async () => {
    const s = await adminTill({ TILL_WEBHOOK_ALLOW_HOSTS: 'example.com' });
    t = s.t;
    await s.ui.get('/admin/webhooks/new');
    const r = await s.ui.post('/admin/webhooks', { url: 'https://example.com/hook' });
    expect(r.status).to.equal(400);
    expect(r.text).to.include('id="f-events-error"').and.include('Tick at least one event');
    expect(await t.count('webhooks')).to.equal(0);
  });

  it('a receiver behind basic auth: its password never shows on a page or in the audit log', async () => {
    const s = await adminTill({ TILL_WEBHOOK_ALLOW_HOSTS: 'example.com' });
    t = s.t;
    await s.ui.get('/admin/webhooks/new');
    const made = await s.ui.post('/admin/webhooks', { url: 'https://shop:hunter2hunter2@example.com/hook', 'ev_*': 'on' });
    expect(made.status).to.equal(201);
    const id = (await t.till.db.read('webhooks').first()).id;
    await t.request('POST', `/api/v1/webhooks/${id}/rotate-secret`);
    for (const page of [made.text, (await s.ui.get('/admin/webhooks')).text, (await s.ui.get(`/admin/webhooks/${id}`)).text, (await s.ui.get('/admin/audit')).text]) {
      expect(page).to.include('shop:****@example.com').and.not.include('hunter2');
    }
    expect(JSON.stringify(await t.till.db.read('audit_log'))).not.to.include('hunter2');
  });

  it('an IPv6 client counts by its /64 at the login; every IPv4 address on its own', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).to.equal(clientKey('2001:db8:1:2:ffff:1:2:3'));
    expect(clientKey('2001:db8:1:2::1')).to.not.equal(clientKey('2001:db8:1:3::1'));
    expect(clientKey('192.0.2.1')).to.not.equal(clientKey('192.0.2.2'));
    expect(clientKey('::ffff:192.0.2.1')).to.equal(clientKey('192.0.2.1'));
  });

  it('finds an invoice by its address in upper case; a `next` with a query survives the login', async () => {
    const s = await adminTill();
    t = s.t;
    await t.setWallet();
    const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] } });
    const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
    const list = await s.ui.get(`/admin/invoices?q=${f.body.payment_address.toUpperCase()}`);
    expect(list.text).to.include(f.body.invoice_number);
    const anon = new AdminClient(t.url);
    await anon.get('/admin/login');
    const next = '/admin/invoices?q=a%20b&status=paid';
    const r = await anon.post('/admin/login', { password: PASSWORD, next });
    expect(r.location).to.equal(next);
  });
});
