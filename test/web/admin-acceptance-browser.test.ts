/**
 * Issue 11's acceptance, end to end in headless Chromium against a regtest node: a
 * merchant sets the password on the first-run page (with the code from the log), logs
 * in, makes an API key and uses it against /api/v1, sets a wallet and sees its first
 * addresses, creates and finalizes an invoice, the invoice is paid on the node, the
 * dashboard and the list show it paid, and the payments CSV has its row at the locked
 * rate; then a form post without the CSRF token is refused, ten wrong passwords are
 * rate-limited, a page without a session goes to the login, and a note holding
 * <script> is shown as text.
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { describeEachNode } from '../../regtest/find-nodes.js';
import { nodeEnv, statusOf } from '../chain/helpers.js';
import { captureLog } from '../helpers/capture-log.js';
import { realClock, startTill, testTpub, type TestTill } from '../helpers/till.js';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';

const PASSWORD = 'a long merchant password';

withChromium('merchant UI acceptance in Chromium', () => {
  describeEachNode('merchant UI acceptance in Chromium', [], (node) => {
    let browser: Browser;
    let t: TestTill | undefined;
    chromiumHooks((b) => (browser = b), async () => {
      await t?.stop();
      t = undefined;
    });

    it('password, key, wallet, invoice paid on the node, dashboard, list and CSV; CSRF, rate limit, login redirect, escaping', async function () {
      this.timeout(120_000);
      const cap = captureLog('info');
      t = await startTill({ followChain: true, env: nodeEnv(node(), { TILL_SHOP_NAME: 'Corner Café' }), clock: realClock(), log: cap.log });
      const code = cap.lines.map((l) => JSON.parse(l) as { setup_code?: string }).find((l) => l.setup_code)!.setup_code!;
      const errors: string[] = [];
      const ctx = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
      const page = await ctx.newPage();
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      const dialogs: string[] = [];
      page.on('dialog', async (d) => {
        dialogs.push(d.message());
        await d.accept();
      });

      // The password, on the first-run page.
      await page.goto(`${t.url}/`);
      expect(new URL(page.url()).pathname).to.equal('/admin/setup');
      await page.fill('#f-code', code);
      await page.fill('#f-password', PASSWORD);
      await page.fill('#f-confirm', PASSWORD);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/admin\?done=/);
      await shot(page, 'admin-e2e-1-first-dashboard');

      // An API key, used against the API.
      await page.goto(`${t.url}/admin/keys/new`);
      await page.fill('#f-name', 'Web shop');
      await page.click('button:has-text("Create API key")');
      const key = (await page.locator('#api-key').textContent())!.trim();
      expect(key).to.match(/^till_/);
      const api = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${t!.url}${path}`, {
          method, headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: r.status, body: await r.json() as any };
      };
      expect((await api('GET', '/api/v1/invoices')).status).to.equal(200);

      // The wallet, in two steps, and its first addresses.
      const tpub = testTpub(41);
      await page.goto(`${t.url}/admin/wallet`);
      await page.fill('#f-key', tpub);
      await page.click('button:has-text("Show its first addresses")');
      await page.click('button:has-text("Use this wallet")');
      await page.waitForURL(/\/admin\/wallet/);
      const shown = await page.locator('#check-h').locator('xpath=..').innerText();
      const active = (await t.till.services.pool.activeWallet(t.till.db.read))!;
      for (let i = 0; i < 5; i++) expect(shown).to.include(active.wallet.derive(i).address);
      await shot(page, 'admin-e2e-2-wallet');

      // An invoice, created and finalized in the UI, its note holding a script.
      await page.goto(`${t.url}/admin/invoices/new`);
      await page.fill('#f-currency', 'USD');
      await page.fill('#f-line0_description', 'Espresso machine service');
      await page.fill('#f-line0_quantity', '2');
      await page.fill('#f-line0_unit_price', '37.50');
      await page.fill('#f-notes', '<script>alert("note")</script> thanks');
      await page.locator('#t-total').filter({ hasText: '75.00' }).waitFor();
      await page.click('button[name=intent][value=finalize]');
      await page.waitForURL(/\/admin\/invoices\/[0-9A-F]{8}-[0-9A-F]{8}/);
      expect(await page.locator('#invoice-notes').textContent()).to.equal('<script>alert("note")</script> thanks');
      const ref = new URL(page.url()).pathname.split('/').pop()!;
      const inv = (await api('GET', `/api/v1/invoices/${ref}`)).body;
      expect(inv).to.include({ status: 'pending', total: '75.00', currency: 'USD' });
      await shot(page, 'admin-e2e-3-invoice-pending');

      // Paid on the node, then a block.
      const sats = BigInt(inv.btc_amount.replace('.', ''));
      await node().pay(inv.payment_address, sats);
      await statusOf(t, inv.ref, 'paid');
      await node().mine(1);
      await statusOf(t, inv.ref, 'confirmed');

      // The dashboard and the list say so.
      await page.goto(`${t.url}/admin`);
      const dash = await page.locator('main').innerText();
      expect(dash).to.include(inv.btc_amount.replace(/0+$/, '')).and.include('75.00');
      await shot(page, 'admin-e2e-4-dashboard-paid');
      await page.goto(`${t.url}/admin/invoices`);
      const row = page.locator('tr', { hasText: inv.invoice_number });
      expect(await row.innerText()).to.include('confirmed');
      for (const viewport of [PHONE, DESKTOP]) {
        await page.setViewportSize(viewport);
        await shot(page, `admin-e2e-5-list-${viewport === PHONE ? 'phone' : 'desktop'}`);
      }
      await page.setViewportSize(DESKTOP);

      // The payments CSV has the row, its value at the locked rate.
      const csv = await page.evaluate(async () => (await fetch('/admin/export/payments.csv')).text());
      const lines = csv.trim().split(/\r\n/);
      const header = lines[0]!.split(',');
      const cells = lines.find((l) => l.includes(inv.invoice_number))!.split(',');
      const col = (name: string) => cells[header.indexOf(name)];
      expect(col('btc')).to.equal(inv.btc_amount);
      expect(col('rate')).to.equal(inv.btc_rate);
      expect(col('currency')).to.equal('USD');
      // 75.00 USD bought `sats` at the locked rate; the payment is worth it, to the cent below.
      const fiat = Number(col('fiat_value'));
      expect(fiat).to.be.within(74.99, 75.0);

      // A form post without the CSRF token is refused.
      const refused = await page.evaluate(async () => (await fetch('/admin/keys', {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=sneaky&scope_invoices%3Aread=on',
      })).status);
      expect(refused).to.equal(403);
      expect((await api('GET', '/api/v1/invoices')).status).to.equal(200);

      // A page without a session goes to the login.
      const anon = await (await browser.newContext({ viewport: PHONE })).newPage();
      await anon.goto(`${t.url}/admin/invoices`);
      expect(new URL(anon.url()).pathname).to.equal('/admin/login');
      await shot(anon, 'admin-e2e-6-login-phone');
      // Ten wrong passwords, then even the right one waits.
      for (let i = 0; i < 10; i++) {
        await anon.fill('#f-password', `wrong password ${i}`);
        await anon.click('button[type=submit]');
        await anon.locator('#login-error').waitFor();
      }
      await anon.fill('#f-password', PASSWORD);
      await anon.click('button[type=submit]');
      expect(await anon.locator('#login-error').textContent()).to.include('Too many wrong passwords');
      await shot(anon, 'admin-e2e-7-rate-limited-phone');

      expect(dialogs, 'no script of the note ran').to.deep.equal([]);
      // The one console line is the refused post's own 403.
      expect(errors.filter((e) => !/status of 403/.test(e))).to.deep.equal([]);
    });
  }, { kinds: ['sim'] });
});
