/**
 * The merchant UI's payment links, webhooks and API keys on the real server, over HTTP
 * with a logged-in merchant: a key made in the UI works against /api/v1 until revoked and
 * is shown once (never on the list, in the audit log or the database); a webhook's secret
 * is shown once, a private URL refused beside its field, a test ping delivered to a real
 * loopback receiver and logged, redelivered, the secret rotated; links created, edited and
 * deactivated with errors beside their fields, and the invoices a link made; CSRF; audit.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTill, testClock, testTpub, type TestTill } from '../helpers/till.js';
import { waitFor } from '../helpers/wait.js';
import { receiver } from '../notify/helpers.js';
import { AdminClient, PASSWORD } from './admin-client.js';

async function setup(): Promise<{ t: TestTill; ui: AdminClient }> {
  const t = await startTill({
    notify: true,
    clock: testClock(Date.now()),
    env: { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_PUBLIC_URL: 'https://pay.example.com' },
  });
  await t.setWallet(testTpub(randomBytes(32)));
  await t.till.services.auth.setPassword(PASSWORD);
  const ui = new AdminClient(t.url);
  await ui.login();
  return { t, ui };
}

/** The text of the element with this id (a shown-once secret). */
function textOf(html: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([^<]+)<`).exec(html);
  expect(m, `#${id} on the page`).to.not.equal(null);
  return m![1]!;
}

/** The error shown beside field `name` (its `f-<name>-error` paragraph). */
function errorBeside(html: string, name: string): string | null {
  const m = new RegExp(`id="f-${name.replace(/[.*]/g, '\\$&')}-error"[^>]*>([^<]*)<`).exec(html);
  return m ? m[1]! : null;
}

async function auditRows(t: TestTill): Promise<any[]> {
  return t.till.db.read('audit_log').orderBy('id');
}

describe('merchant UI: payment links, webhooks, API keys', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  let ui: AdminClient;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    ({ t, ui } = await setup());
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await t?.stop();
    t = undefined;
  });

  it('API keys: a key made in the UI works against /api/v1, is shown once (only its hash is kept), and stops working when revoked', async () => {
    const form = await ui.get('/admin/keys/new');
    expect(form.status).to.equal(200);
    expect(form.text).to.include('name="scope_invoices:read"');
    // No name, no scope: errors beside the fields, nothing made.
    const keysBefore = await t!.count('api_keys');
    let r = await ui.post('/admin/keys', { name: '  ' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'name')).to.include('name');
    expect(errorBeside(r.text, 'scopes')).to.include('scope');
    expect(await t!.count('api_keys')).to.equal(keysBefore);

    r = await ui.post('/admin/keys', { name: 'Web shop', 'scope_invoices:read': 'on', 'scope_invoices:write': 'on' });
    expect(r.status).to.equal(201);
    expect(r.headers.get('cache-control')).to.equal('no-store');
    const key = textOf(r.text, 'api-key');
    expect(key.length).to.be.greaterThan(20);
    expect(r.text).to.include('only this once').and.include('hash');
    expect(r.text).to.include('data-copy="api-key"');

    const api = (k: string) => fetch(`${t!.url}/api/v1/invoices`, { headers: { Authorization: `Bearer ${k}` } });
    expect((await api(key)).status).to.equal(200);

    const row = await t!.till.db.read('api_keys').where({ name: 'Web shop' }).first();
    const list = await ui.get('/admin/keys');
    expect(list.status).to.equal(200);
    expect(list.text).to.include('Web shop').and.include(`${row.prefix}…`).and.include('invoices:write');
    expect(list.text).to.not.include(key);
    // The database holds no copy of the key, only its hash and prefix.
    const dump = JSON.stringify(await t!.till.db.read('api_keys')) + JSON.stringify(await auditRows(t!));
    expect(dump).to.not.include(key);
    expect(JSON.stringify(await t!.till.db.read('sessions').catch(() => []))).to.not.include(key);

    // Revoke: a POST with the page's token (the list's form asks to confirm first).
    expect(list.text).to.include(`action="/admin/keys/${row.id}/revoke"`).and.include('data-confirm=');
    r = await ui.post(`/admin/keys/${row.id}/revoke`, {});
    expect(r.status).to.equal(303);
    expect((await api(key)).status).to.equal(401);
    const after = await ui.follow(r.location!);
    expect(after.text).to.include('revoked').and.include('Revoked');
    expect(after.text).to.not.include(key);
    expect((await ui.post('/admin/keys/999999/revoke', {})).status).to.equal(404);

    const audit = await auditRows(t!);
    const mine = audit.filter((a) => a.action.startsWith('key.'));
    expect(mine.map((a) => [a.action, a.subject])).to.deep.equal([['key.created', row.prefix], ['key.revoked', row.prefix]]);
    expect(JSON.stringify(audit)).to.not.include(key);
  });

  it('webhooks: the secret is shown once, a private URL is refused beside the field, a test ping is delivered and logged, redelivered, the secret rotated, the webhook deleted', async () => {
    const rec = await receiver();
    closers.push(rec.close);
    let r = await ui.get('/admin/webhooks/new');
    expect(r.text).to.include('name="ev_invoice.paid"').and.include('name="ev_*"');

    // The SSRF guard refuses a private address: the error beside the url field, nothing made.
    r = await ui.post('/admin/webhooks', { url: 'https://10.0.0.5/hook', 'ev_*': 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'url')).to.match(/private address/);
    expect(r.text).to.include('value="https://10.0.0.5/hook"');
    r = await ui.post('/admin/webhooks', { url: '', description: 'x' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'url')).to.not.equal(null);
    expect(await t!.count('webhooks')).to.equal(0);

    r = await ui.post('/admin/webhooks', { url: rec.url, 'ev_invoice.paid': 'on', 'ev_invoice.expired': 'on', description: 'Shop server' });
    expect(r.status).to.equal(201);
    const secret = textOf(r.text, 'hook-secret');
    const hook = await t!.till.db.read('webhooks').first();
    expect(hook.secret).to.equal(secret);
    expect(JSON.parse(hook.events)).to.deep.equal(['invoice.paid', 'invoice.expired']);

    // Never again: not on the list, the webhook's page, or in the audit log.
    const list = await ui.get('/admin/webhooks');
    expect(list.text).to.include(rec.url).and.include('Shop server');
    const page = await ui.get(`/admin/webhooks/${hook.id}`);
    expect(page.status).to.equal(200);
    for (const p of [list, page]) expect(p.text).to.not.include(secret);
    expect(page.text).to.include('Nothing sent yet');

    // A test ping reaches the receiver and shows in the log with its attempt.
    r = await ui.post(`/admin/webhooks/${hook.id}/test`, {});
    expect(r.status).to.equal(303);
    await waitFor(() => rec.got.length >= 1, 'the test ping');
    expect(JSON.parse(rec.got[0]!.body).event).to.equal('webhook.test');
    const delivery = await waitFor(async () => {
      const d = await t!.till.db.read('deliveries').where({ target_id: hook.id }).first();
      return d && d.status === 'delivered' ? d : null;
    }, 'the delivery written down');
    const log = await ui.follow(r.location!);
    expect(log.text).to.include('Test ping queued').and.include('webhook.test').and.include('delivered').and.include('HTTP 200');
    const dpage = await ui.get(`/admin/webhooks/${hook.id}/deliveries/${delivery.delivery_id}`);
    expect(dpage.status).to.equal(200);
    expect(dpage.text).to.include(delivery.delivery_id).and.include('Attempts').and.include('ok');
    expect((await ui.get(`/admin/webhooks/${hook.id}/deliveries/00000000-0000-0000-0000-000000000000`)).status).to.equal(404);

    // Redeliver: the same delivery id goes out again.
    ui.csrf = /name="_csrf" value="([^"]+)"/.exec(dpage.text)![1]!;
    r = await ui.post(`/admin/webhooks/${hook.id}/deliveries/${delivery.delivery_id}/redeliver`, {});
    expect(r.status).to.equal(303);
    await waitFor(() => rec.got.length >= 2, 'the redelivery');
    expect(rec.got[1]!.headers['x-btpay-delivery']).to.equal(delivery.delivery_id);
    expect(rec.got[1]!.body).to.equal(rec.got[0]!.body);
    await waitFor(async () => ((await t!.till.db.read('delivery_attempts').count({ n: '*' })) as [{ n: number }])[0].n >= 2, 'the second attempt');
    const again = await ui.follow(r.location!);
    expect(again.text).to.include('Queued to be sent again');
    expect((again.text.match(/data-label="Attempt"/g) ?? []).length).to.equal(2);

    // Rotate: a new secret, shown once on the answer; the old one is gone.
    r = await ui.post(`/admin/webhooks/${hook.id}/rotate`, {});
    expect(r.status).to.equal(200);
    const fresh = textOf(r.text, 'hook-secret');
    expect(fresh).to.not.equal(secret);
    expect((await t!.till.db.read('webhooks').first()).secret).to.equal(fresh);
    expect((await ui.get(`/admin/webhooks/${hook.id}`)).text).to.not.include(fresh);

    // The log is paged, newest first: 25 a page.
    for (let i = 0; i < 25; i++) await t!.till.services.webhooks.test(hook.id);
    const first = await ui.get(`/admin/webhooks/${hook.id}`);
    expect((first.text.match(/data-label="Event"/g) ?? []).length).to.equal(25);
    expect(first.text).to.include('1–25 of 26').and.include(`href="/admin/webhooks/${hook.id}?page=2"`);
    const second = await ui.get(`/admin/webhooks/${hook.id}?page=2`);
    expect((second.text.match(/data-label="Event"/g) ?? []).length).to.equal(1);
    expect(second.text).to.include(delivery.delivery_id).and.include('26–26 of 26');
    expect(first.text).to.not.include(delivery.delivery_id);

    // Delete.
    r = await ui.post(`/admin/webhooks/${hook.id}/delete`, {});
    expect(r.status).to.equal(303);
    expect((await ui.follow(r.location!)).text).to.include('deleted');
    expect((await ui.get(`/admin/webhooks/${hook.id}`)).status).to.equal(404);

    const audit = await auditRows(t!);
    const subject = `${hook.id} ${rec.url}`;
    expect(audit.filter((a) => a.action.startsWith('webhook.')).map((a) => [a.action, a.subject])).to.deep.equal([
      ['webhook.created', subject], ['webhook.tested', subject], ['webhook.redelivered', subject],
      ['webhook.secret_rotated', subject], ['webhook.deleted', subject],
    ]);
    const dump = JSON.stringify(audit);
    expect(dump).to.not.include(secret);
    expect(dump).to.not.include(fresh);
  });

  it('payment links: create, edit and deactivate with errors beside the fields; the invoices a link made', async () => {
    let r = await ui.get('/admin/links/new');
    expect(r.status).to.equal(200);
    // Errors beside their fields, what was typed kept, nothing written.
    r = await ui.post('/admin/links', { title: '', redirect_url: 'ftp://x', amount: '3' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'title')).to.not.equal(null);
    expect(errorBeside(r.text, 'redirect_url')).to.not.equal(null);
    expect(errorBeside(r.text, 'payment_methods')).to.not.equal(null);
    expect(r.text).to.include('value="ftp://x"');
    r = await ui.post('/admin/links', { title: 'Tip jar', amount: 'lots', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'amount')).to.not.equal(null);
    expect(r.text).to.include('value="lots"').and.include('value="Tip jar"');
    r = await ui.post('/admin/links', { title: 'Tip jar', amount: '5', min_amount: '1', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(r.text).to.include('min_amount and max_amount bound a payer-chosen amount');
    r = await ui.post('/admin/links', { title: 'Tip jar', slug: 'Bad Slug!', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'slug')).to.match(/slug/);
    r = await ui.post('/admin/links', { title: 'Tip jar', currency: 'USD', min_amount: '9', max_amount: '2', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'min_amount')).to.include('not be more than');
    r = await ui.post('/admin/links', { title: 'Tip jar' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'payment_methods')).to.not.equal(null);
    expect(await t!.count('payment_links')).to.equal(0);

    r = await ui.post('/admin/links', { title: 'Workshop ticket', amount: '25.00', currency: 'EUR', pm_onchain_btc: 'on', description: 'One seat' });
    expect(r.status).to.equal(303);
    const link = await t!.till.db.read('payment_links').first();
    expect(link.slug).to.equal('workshop-ticket');
    expect(r.location).to.match(new RegExp(`^/admin/links/${link.ref}\\?done=`));
    let page = await ui.follow(r.location!);
    expect(page.text).to.include('https://pay.example.com/pay/workshop-ticket').and.include('data-copy="link-url"').and.include('25.00 EUR');
    expect(page.text).to.include('No one has opened this link to pay yet');
    const listPage = await ui.get('/admin/links');
    expect(listPage.text).to.include('Workshop ticket').and.include('https://pay.example.com/pay/workshop-ticket').and.include('Active');

    // A second link holds a slug the edit then tries to take.
    r = await ui.post('/admin/links', { title: 'Donations', slug: 'give', currency: 'USD', min_amount: '5', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(303);
    expect((await ui.get('/admin/links')).text).to.include('Payer chooses from 5.00 USD');

    // Edit: a slug taken by another active link is refused beside the field.
    const edit = await ui.get(`/admin/links/${link.ref}/edit`);
    expect(edit.text).to.include('value="Workshop ticket"').and.include('value="25.00"');
    r = await ui.post(`/admin/links/${link.ref}`, { title: 'Workshop ticket', slug: 'give', amount: '25.00', currency: 'EUR', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'slug')).to.include('already used');
    r = await ui.post(`/admin/links/${link.ref}`, { title: 'Workshop', amount: '-3', currency: 'EUR', pm_onchain_btc: 'on' });
    expect(r.status).to.equal(400);
    expect(errorBeside(r.text, 'amount')).to.not.equal(null);
    expect((await t!.till.db.read('payment_links').where({ id: link.id }).first()).title).to.equal('Workshop ticket');
    r = await ui.post(`/admin/links/${link.ref}`, { title: 'Workshop (full day)', slug: 'workshop', amount: '30.00', currency: 'EUR', pm_onchain_btc: 'on', redirect_url: 'https://shop.example/thanks' });
    expect(r.status).to.equal(303);
    const edited = await t!.till.db.read('payment_links').where({ id: link.id }).first();
    expect([edited.title, edited.slug, String(edited.amount), edited.redirect_url]).to.deep.equal(['Workshop (full day)', 'workshop', '3000', 'https://shop.example/thanks']);

    // A payer opens the link: the invoice it made is on the link's page.
    const pay = await fetch(`${t!.url}/pay/workshop`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(pay.status).to.equal(303);
    const inv = await t!.till.db.read('invoices').where({ payment_link_id: link.id }).first();
    page = await ui.get(`/admin/links/${link.ref}`);
    expect(page.text).to.include(`href="/admin/invoices/${inv.ref}"`).and.include('INV-').and.include('30.00 EUR');
    const other = await t!.till.db.read('payment_links').where({ slug: 'give' }).first();
    expect((await ui.get(`/admin/links/${other.ref}`)).text).to.not.include(inv.ref);

    // Deactivate: the public page is gone, the link listed as deactivated, its invoices kept.
    expect(page.text).to.include(`action="/admin/links/${link.ref}/deactivate"`).and.include('data-confirm=');
    r = await ui.post(`/admin/links/${link.ref}/deactivate`, {});
    expect(r.status).to.equal(303);
    expect((await fetch(`${t!.url}/pay/workshop`)).status).to.equal(404);
    page = await ui.follow(r.location!);
    expect(page.text).to.include('Deactivated').and.include(inv.ref);
    expect((await ui.get('/admin/links')).text).to.include('Deactivated');
    expect((await ui.get(`/admin/links/${link.ref}/edit`)).status).to.equal(404);
    expect((await ui.get('/admin/links/nope')).status).to.equal(404);

    const audit = (await auditRows(t!)).filter((a) => a.action.startsWith('link.'));
    expect(audit.map((a) => [a.action, a.subject])).to.deep.equal([
      ['link.created', 'workshop-ticket'], ['link.created', 'give'], ['link.updated', 'workshop'], ['link.deactivated', 'workshop'],
    ]);
    expect(JSON.parse(audit[2].detail).old_slug).to.equal('workshop-ticket');
  });

  it('refuses every form without the session\'s CSRF token, and changes nothing', async () => {
    await ui.get('/admin/keys/new');
    const forged = [
      ['/admin/keys', { name: 'x', scope_admin: 'on' }],
      ['/admin/webhooks', { url: 'https://hooks.example.com/x' }],
      ['/admin/links', { title: 'Forged', pm_onchain_btc: 'on' }],
    ] as const;
    const before = [await t!.count('api_keys'), await t!.count('webhooks'), await t!.count('payment_links')];
    for (const [path, form] of forged) {
      expect((await ui.post(path, { ...form }, { csrf: null })).status, path).to.equal(403);
      expect((await ui.post(path, { ...form }, { csrf: 'A'.repeat(32) })).status, path).to.equal(403);
    }
    expect([await t!.count('api_keys'), await t!.count('webhooks'), await t!.count('payment_links')]).to.deep.equal(before);
    const keyId = (await t!.till.db.read('api_keys').first()).id;
    expect((await ui.post(`/admin/keys/${keyId}/revoke`, {}, { csrf: null })).status).to.equal(403);
    expect((await t!.till.db.read('api_keys').where({ id: keyId }).first()).revoked_at).to.equal(null);
    // Logged out: a page asks for the login, a POST is refused.
    const stranger = new AdminClient(t!.url);
    expect((await stranger.get('/admin/keys')).location).to.match(/^\/admin\/login/);
    expect((await stranger.post('/admin/keys', { name: 'x' }, { csrf: null })).status).to.equal(401);
  });
});
