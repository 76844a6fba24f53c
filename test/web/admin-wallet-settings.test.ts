/**
 * The merchant UI's wallet, settings and audit log pages on the real server: a key set in
 * two steps (its first addresses, then "Use this wallet"), bad and wrong-network keys
 * refused beside the field, settings stored over the environment's and applied at once,
 * where each value comes from, a test email through a real SMTP server, the audit log.
 */
import { expect } from 'chai';
import { networks } from 'bitcoinjs-lib';
import { startSmtp, type TestSmtp } from '../unit/email/smtp-helper.js';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';
import { bip32Api } from '../../src/wallet/ecc.js';
import { AdminClient, adminTill, PASSWORD, type Page } from './admin-client.js';
import { lifecycle, notifyTill, until } from '../notify/helpers.js';

const usd = { currency: 'USD', lines: [{ description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' }] };

/** The derived addresses of a page's address table, in order: [index, address]. */
function addressRows(html: string): [number, string][] {
  const body = /<table class="addresses">[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr><td>(\d+)<\/td><td class="addr">([^<]+)<\/td><\/tr>/g)].map((m) => [Number(m[1]), m[2]!]);
}

/** The text of the error beside a field (`<p id="f-<name>-error">`), or null. */
function fieldError(p: Page, name: string): string | null {
  return new RegExp(`<p id="f-${name.replace('.', '\\.')}-error" class="error">([^<]*)</p>`).exec(p.text)?.[1] ?? null;
}

function hidden(html: string, name: string): string {
  const m = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden ${name}`);
  return m[1]!;
}

/** The origin line under a setting's field. */
function origin(html: string, key: string): string {
  return /<p class="origin" id="o-[^"]+">([\s\S]*?)<\/p>/.exec(html.slice(html.indexOf(`id="o-${key}"`) - 30))?.[1]?.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() ?? '';
}

async function finalized(t: TestTill): Promise<{ ref: string; uuid: string; address: string; required_confirmations: number }> {
  const c = await t.request('POST', '/api/v1/invoices', { body: usd });
  expect(c.status, c.text).to.equal(201);
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  expect(f.status, f.text).to.equal(200);
  const row = await t.till.db.read('invoices').where({ ref: c.body.ref }).first();
  return { ref: c.body.ref, uuid: row.public_id, address: f.body.payment_address, required_confirmations: f.body.required_confirmations };
}

/** Saves the settings form as the page shows it, with `changes` typed over it. */
async function saveSettings(ui: AdminClient, changes: Record<string, string>, unchecked: string[] = []): Promise<Page> {
  const p = await ui.get('/admin/settings');
  const form: Record<string, string> = {};
  const main = p.text.slice(p.text.indexOf('action="/admin/settings"'), p.text.indexOf('Save settings'));
  for (const m of main.matchAll(/<input id="f-(\w+)" name="\w+" type="(?:text|email)"[^>]*? value="([^"]*)"/g)) form[m[1]!] = m[2]!.replace(/&amp;/g, '&');
  for (const m of main.matchAll(/<textarea id="f-(\w+)"[^>]*>([^<]*)<\/textarea>/g)) form[m[1]!] = m[2]!;
  form['rateSources.shown'] = '1';
  for (const m of main.matchAll(/name="(rateSources\.\w+)" value="on" checked=""/g)) form[m[1]!] = 'on';
  for (const u of unchecked) delete form[u];
  return ui.post('/admin/settings', { ...form, ...changes });
}

describe('merchant UI: wallet, settings, audit log', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  let smtp: TestSmtp | undefined;
  afterEach(async () => {
    await t?.stop();
    await smtp?.close();
    t = undefined;
    smtp = undefined;
  });

  it('sets a wallet in two steps: the first five addresses of the new key, then "Use this wallet"; the next invoice pays to index 0', async () => {
    const s = await adminTill();
    t = s.t;
    const ui = s.ui;
    const empty = await ui.get('/admin/wallet');
    expect(empty.status).to.equal(200);
    expect(empty.text).to.include('No wallet yet');

    const key = testTpub(7);
    const preview = await ui.post('/admin/wallet', { key, first_index: '0' });
    expect(preview.status, preview.text.slice(0, 500)).to.equal(200);
    expect(preview.text).to.include('Use this wallet');
    const shown = addressRows(preview.text);
    expect(shown.map(([i]) => i)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(await t.count('wallets'), 'nothing changed by the first step').to.equal(0);
    expect(hidden(preview.text, 'key')).to.equal(key);

    const set = await ui.post('/admin/wallet/set', { key: hidden(preview.text, 'key'), first_index: hidden(preview.text, 'first_index') });
    expect(set.status).to.equal(303);
    expect(set.location).to.match(/^\/admin\/wallet\?done=/);
    const active = (await t.till.services.pool.activeWallet(t.till.db.read))!;
    expect(active, 'the wallet is active').to.not.equal(null);
    const derived = [0, 1, 2, 3, 4].map((i) => active.wallet.derive(i).address);
    expect(shown.map(([, a]) => a)).to.deep.equal(derived);

    const page = await ui.follow(set.location!);
    expect(page.text).to.include('Wallet set');
    expect(addressRows(page.text).map(([, a]) => a)).to.deep.equal(derived);
    expect(page.text).to.include(active.row.descriptor.replace(/'/g, '&#39;'));
    expect(page.text).to.include('Gap limit');
    expect(page.text).to.include('TILL_ADDRESS_COOLDOWN_MINUTES');

    const inv = await finalized(t);
    expect(inv.address).to.equal(derived[0]);
    const after = await ui.get('/admin/wallet');
    expect(after.text).to.match(/Addresses handed out<\/dt>\s*<dd>1 \(next index 1\)/);
    // Derived, not only handed out: still the first five.
    expect(addressRows(after.text).map(([, a]) => a)).to.deep.equal(derived);

    const audit = await t.till.db.read('audit_log').where({ action: 'wallet.set' });
    expect(audit).to.have.length(1);
    expect(audit[0].subject).to.equal(`${key.slice(0, 10)}…${key.slice(-6)}`);
    expect(audit[0].subject.length).to.be.below(20);
    expect(JSON.parse(audit[0].detail)).to.deep.equal({ network: 'regtest', script_type: 'p2pkh', first_index: 0 });
  });

  it('a first index shifts the addresses; a descriptor is taken as it is', async () => {
    const s = await adminTill();
    t = s.t;
    const key = testTpub(8);
    await s.ui.get('/admin/wallet');
    const p = await s.ui.post('/admin/wallet', { key: `wpkh(${key}/0/*)`, first_index: '10' });
    expect(p.status).to.equal(200);
    expect(addressRows(p.text).map(([i]) => i)).to.deep.equal([10, 11, 12, 13, 14]);
    const set = await s.ui.post('/admin/wallet/set', { key: hidden(p.text, 'key'), first_index: hidden(p.text, 'first_index') });
    expect(set.status).to.equal(303);
    const active = (await t.till.services.pool.activeWallet(t.till.db.read))!;
    expect(active.row.firstIndex).to.equal(10);
    expect(addressRows(p.text).map(([, a]) => a)).to.deep.equal([10, 11, 12, 13, 14].map((i) => active.wallet.derive(i).address));
    expect((await finalized(t)).address).to.equal(active.wallet.derive(10).address);
  });

  it('a bad key, a bad first index and a mainnet xpub on regtest are shown beside their field, and nothing changes', async () => {
    const s = await adminTill();
    t = s.t;
    const ui = s.ui;
    await t.setWallet(testTpub(2));
    const before = await t.till.db.read('wallets');
    await ui.get('/admin/wallet');

    let p = await ui.post('/admin/wallet', { key: 'tpubnotakeyatall', first_index: '0' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'key')).to.be.a('string').and.not.equal('');
    expect(p.text).to.include('tpubnotakeyatall</textarea>');

    p = await ui.post('/admin/wallet', { key: testTpub(3), first_index: 'ten' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'first_index')).to.include('whole number');

    const xpub = bip32Api().fromSeed(Buffer.alloc(32, 9), networks.bitcoin).derivePath("m/84'/0'/0'").neutered().toBase58();
    expect(xpub.startsWith('xpub')).to.equal(true);
    p = await ui.post('/admin/wallet', { key: xpub, first_index: '0' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'key')).to.include('mainnet');
    // Straight to the second step: refused the same way.
    p = await ui.post('/admin/wallet/set', { key: xpub, first_index: '0' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'key')).to.include('mainnet');

    expect(await t.till.db.read('wallets')).to.deep.equal(before);
    expect(await t.count('audit_log')).to.equal(0);
  });

  it('settings: where each value comes from; a change applies at once (shop name on the checkout page, confirmations of the next invoice); clear goes back to the environment', async () => {
    const s = await adminTill({ TILL_CONFIRMATIONS: '3' });
    t = s.t;
    const ui = s.ui;
    await t.setWallet();
    let p = await ui.get('/admin/settings');
    expect(p.status).to.equal(200);
    expect(origin(p.text, 'confirmations')).to.include('From the environment (TILL_CONFIRMATIONS)');
    expect(origin(p.text, 'shopName')).to.equal('Default');
    expect(origin(p.text, 'rateSources')).to.include('Takes effect when Till restarts');
    expect(p.text).to.include('href="/admin/password"');

    const inv = await finalized(t);
    expect(inv.required_confirmations).to.equal(3);
    expect((await fetch(`${t.url}/i/${inv.uuid}`).then((r) => r.text()))).to.not.include('Corner Café');

    p = await saveSettings(ui, { shopName: 'Corner Café', confirmations: '2' });
    expect(p.status, p.text.slice(0, 400)).to.equal(303);
    p = await ui.follow(p.location!);
    expect(p.text).to.include('Saved: Store name, Confirmations.');
    expect(origin(p.text, 'shopName')).to.include('Set on this page');
    expect(origin(p.text, 'confirmations')).to.include('Set on this page');
    expect(origin(p.text, 'quoteDeadlineMinutes')).to.equal('Default');
    expect(p.text).to.include('TILL_CONFIRMATIONS from the environment, “3”');
    // The shop name shows on the open invoice's checkout page and this UI at once.
    expect(await fetch(`${t.url}/i/${inv.uuid}`).then((r) => r.text())).to.include('Corner Café');
    expect(p.text).to.include('Corner Café · Till');
    expect((await finalized(t)).required_confirmations).to.equal(2);
    const stored = await t.till.db.read('settings').orderBy('key');
    expect(stored.map((r: any) => [r.key, r.value])).to.deep.equal([['TILL_CONFIRMATIONS', '2'], ['TILL_SHOP_NAME', 'Corner Café']]);
    expect(stored[0].updated_at).to.equal(t.clock.now());

    // Saving again unchanged stores nothing more.
    p = await saveSettings(ui, {});
    expect(p.location).to.include(encodeURIComponent('Nothing changed.'));

    // Clear: back to the environment's 3.
    await ui.get('/admin/settings');
    p = await ui.post('/admin/settings/clear', { key: 'confirmations' });
    expect(p.status).to.equal(303);
    p = await ui.follow(p.location!);
    expect(origin(p.text, 'confirmations')).to.include('From the environment');
    expect(p.text).to.include('id="f-confirmations" name="confirmations" type="text" inputmode="numeric" value="3"');
    expect((await finalized(t)).required_confirmations).to.equal(3);
    expect((await t.till.db.read('settings')).map((r: any) => r.key)).to.deep.equal(['TILL_SHOP_NAME']);

    const audit = await t.till.db.read('audit_log').orderBy('id');
    expect(audit.map((a: any) => [a.action, a.subject])).to.deep.equal([
      ['settings.changed', 'TILL_SHOP_NAME, TILL_CONFIRMATIONS'],
      ['settings.cleared', 'TILL_CONFIRMATIONS'],
    ]);
    expect(JSON.parse(audit[0].detail)).to.deep.equal({ TILL_SHOP_NAME: 'Corner Café', TILL_CONFIRMATIONS: '2' });
  });

  it('stored values are applied over the environment when Till starts again', async () => {
    const s = await adminTill({ TILL_CONFIRMATIONS: '3' });
    t = s.t;
    await t.setWallet();
    let p = await saveSettings(s.ui, { confirmations: '5', shopName: 'Night Market' }, ['rateSources.coinbase', 'rateSources.bitstamp', 'rateSources.coingecko']);
    expect(p.status).to.equal(303);
    expect(decodeURIComponent(p.location!)).to.include('Restart Till for the exchange rate sources to take effect.');
    p = await s.ui.get('/admin/settings');
    expect(origin(p.text, 'rateSources')).to.include('Restart Till to use this value');
    expect(t.till.config.confirmations).to.equal(3);
    const dir = t.dir;
    await t.close();
    t = await startTill({ dir, env: { TILL_CONFIRMATIONS: '3' } });
    expect(t.till.config.confirmations).to.equal(5);
    expect(t.till.config.shopName).to.equal('Night Market');
    expect(t.till.config.rateSources).to.deep.equal(['kraken']);
    expect((await finalized(t)).required_confirmations).to.equal(5);
    const ui = new AdminClient(t.url);
    await ui.login();
    p = await ui.get('/admin/settings');
    expect(origin(p.text, 'rateSources')).to.not.include('Restart Till');
    expect(origin(p.text, 'confirmations')).to.include('Set on this page');
  });

  it('bank instructions: a \\n in the environment shows as line breaks; a saved text keeps its lines', async () => {
    const s = await adminTill({ TILL_BANK_INSTRUCTIONS: 'IBAN DE00 1234\\nBIC TESTDEFF' });
    t = s.t;
    let p = await s.ui.get('/admin/settings');
    expect(p.text).to.include('>IBAN DE00 1234\nBIC TESTDEFF</textarea>');
    expect(origin(p.text, 'bankInstructions')).to.include('From the environment (TILL_BANK_INSTRUCTIONS)');
    p = await saveSettings(s.ui, {});
    expect(p.location).to.include(encodeURIComponent('Nothing changed.'));
    p = await saveSettings(s.ui, { bankInstructions: 'Account 42\r\nSort code 00-00-00\r\n' });
    expect(p.status).to.equal(303);
    expect((await t.till.db.read('settings').where({ key: 'TILL_BANK_INSTRUCTIONS' }).first()).value).to.equal('Account 42\nSort code 00-00-00');
  });

  it('a bad value is shown beside its field, keeping what was typed, and nothing is stored', async () => {
    const s = await adminTill();
    t = s.t;
    const ui = s.ui;
    let p = await saveSettings(ui, { confirmations: 'abc', shopName: 'Half Saved' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'confirmations')).to.equal('Must be a whole number from 0 to 100.');
    expect(p.text).to.include('value="abc"');
    expect(p.text).to.include('value="Half Saved"');
    p = await saveSettings(ui, { confirmations: '99999' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'confirmations')).to.equal('Must be a whole number from 0 to 100.');
    p = await saveSettings(ui, { defaultCurrency: 'euro', quoteDeadlineMinutes: '0', notifyEmail: 'not an address', smtpUrl: 'http://mail.example' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'defaultCurrency')).to.include('three-letter currency code');
    expect(fieldError(p, 'quoteDeadlineMinutes')).to.equal('Must be a whole number from 1 to 10080.');
    expect(fieldError(p, 'notifyEmail')).to.include('merchant address');
    expect(fieldError(p, 'smtpUrl')).to.include('smtp://');
    // Every rate source unchecked.
    p = await saveSettings(ui, {}, ['rateSources.kraken', 'rateSources.coinbase', 'rateSources.bitstamp', 'rateSources.coingecko']);
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'rateSources')).to.equal('Choose at least one rate source.');
    expect(await t.count('settings')).to.equal(0);
    expect(await t.count('audit_log')).to.equal(0);
  });

  it('SMTP: the password is never shown back nor logged; a test email goes through a real SMTP server', async () => {
    smtp = await startSmtp({ users: { shop: 's3cret-pw' } });
    const s = await adminTill();
    t = s.t;
    const ui = s.ui;
    await ui.get('/admin/settings');
    let p = await ui.post('/admin/settings/test-email', { to: 'me@shop.test' });
    expect(p.status).to.equal(200);
    expect(fieldError(p, 'to')).to.include('No SMTP server is set');

    const url = `smtp://shop:s3cret-pw@127.0.0.1:${smtp.port}?secure=none`;
    p = await saveSettings(ui, { smtpUrl: url, smtpFrom: 'till@shop.test', notifyEmail: 'owner@shop.test' });
    expect(p.status, p.text.slice(0, 400)).to.equal(303);
    p = await ui.follow(p.location!);
    expect(p.text).to.not.include('s3cret-pw');
    expect(p.text).to.include(`smtp://shop:********@127.0.0.1:${smtp.port}?secure=none`);
    // Saved again with the mask in place: the password is kept.
    p = await saveSettings(ui, { shopName: 'Mask Test' });
    expect(p.status).to.equal(303);
    const row = await t.till.db.read('settings').where({ key: 'TILL_SMTP_URL' }).first();
    expect(row.value).to.equal(url);

    await ui.get('/admin/settings');
    p = await ui.post('/admin/settings/test-email', { to: 'owner@shop.test' });
    expect(p.status, p.text.slice(0, 400)).to.equal(303);
    p = await ui.follow(p.location!);
    expect(p.text).to.include('Test email sent to owner@shop.test');
    expect(smtp.messages).to.have.length(1);
    expect(smtp.messages[0]!.rcptTo).to.deep.equal(['owner@shop.test']);
    expect(smtp.messages[0]!.user).to.equal('shop');
    expect(smtp.messages[0]!.raw).to.match(/^Subject: Test email from Mask Test/m);

    // A bad address for the test: beside the field.
    p = await ui.post('/admin/settings/test-email', { to: 'nobody' });
    expect(p.status).to.equal(400);
    expect(fieldError(p, 'to')).to.include('one address');

    const audit = await t.till.db.read('audit_log').orderBy('id');
    expect(JSON.stringify(audit)).to.not.include('s3cret');
    expect(JSON.parse(audit[0].detail).TILL_SMTP_URL).to.equal('(secret, not recorded)');
    expect(JSON.parse(audit[0].detail).TILL_SMTP_FROM).to.equal('till@shop.test');
  });

  it('SMTP and the notice address set in the UI take effect without a restart: the next paid invoice is emailed there', async () => {
    smtp = await startSmtp();
    t = await notifyTill({});
    await t.till.services.auth.setPassword(PASSWORD);
    const ui = new AdminClient(t.url);
    await ui.login();
    const p = await saveSettings(ui, {
      smtpUrl: `smtp://127.0.0.1:${smtp.port}?secure=none`, smtpFrom: 'till@night-market.test', notifyEmail: 'owner@night-market.test', shopName: 'Night Market',
    });
    expect(p.status, p.text.slice(0, 400)).to.equal(303);
    await lifecycle(t, 50_000n);
    await until(() => smtp!.messages.length >= 2, 'the paid and confirmed emails');
    expect(smtp.messages.every((m) => m.rcptTo.join() === 'owner@night-market.test' && m.mailFrom === 'till@night-market.test')).to.equal(true);
    expect(smtp.messages.map((m) => m.raw).join('\n')).to.include('Night Market');
  });

  it('the audit page lists the entries, 50 a page, newest first, with time, action, subject, detail, actor and address', async () => {
    const s = await adminTill();
    t = s.t;
    for (let i = 0; i < 55; i++) {
      await t.till.services.audit.record({ actor: 'cli', ip: null }, 'key.created', `key-${i}`, { scopes: ['invoices:read'], n: i });
    }
    await s.ui.get('/admin/settings');
    await saveSettings(s.ui, { shopName: '<b>Shop</b>' });
    let p = await s.ui.get('/admin/audit');
    expect(p.status).to.equal(200);
    expect(p.text).to.include('56 entries');
    const rows = p.text.match(/<td data-label="Action">/g) ?? [];
    expect(rows).to.have.length(50);
    expect(p.text).to.include('<code>settings.changed</code>');
    expect(p.text).to.include('TILL_SHOP_NAME: &lt;b&gt;Shop&lt;/b&gt;');
    expect(p.text).to.match(/<td data-label="Actor" class="actor">session \d+<\/td>/);
    expect(p.text).to.include('<td data-label="Address">127.0.0.1</td>');
    expect(p.text).to.include('scopes: [&quot;invoices:read&quot;], n: 54');
    expect(p.text).to.include('Page 1 of 2');
    p = await s.ui.get('/admin/audit?page=2');
    expect(p.text.match(/<td data-label="Action">/g) ?? []).to.have.length(6);
    expect(p.text).to.include('key-0');
    p = await s.ui.get('/admin/audit?page=9');
    expect(p.text).to.include('No entries on this page');
  });

  it('refuses a form without its CSRF token, and pages without a session', async () => {
    const s = await adminTill();
    t = s.t;
    await s.ui.get('/admin/settings');
    let p = await s.ui.post('/admin/settings', { shopName: 'Forged' }, { csrf: null });
    expect(p.status).to.equal(403);
    p = await s.ui.post('/admin/wallet/set', { key: testTpub(), first_index: '0' }, { csrf: 'x'.repeat(43) });
    expect(p.status).to.equal(403);
    p = await s.ui.post('/admin/settings/clear', { key: 'shopName' }, { csrf: null });
    expect(p.status).to.equal(403);
    expect(await t.count('settings')).to.equal(0);
    expect(await t.count('wallets')).to.equal(0);
    for (const path of ['/admin/wallet', '/admin/settings', '/admin/audit']) {
      const r = await fetch(t.url + path, { redirect: 'manual' });
      expect(r.status).to.equal(303);
      expect(r.headers.get('location')).to.match(/^\/admin\/login/);
    }
  });
});
