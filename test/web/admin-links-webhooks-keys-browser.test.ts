/**
 * The merchant UI's payment links, webhooks and API keys in real headless Chromium, at
 * phone (360 px) and desktop widths: a merchant makes a key (shown once, copied with the
 * button the admin script shows) and revokes it after the confirmation; makes a webhook
 * (a private URL refused first), sends a test ping to a loopback receiver and opens the
 * delivery; makes a payment link (errors first), edits it, and sees the invoice a payer
 * opened. No console errors (the CSP would report a blocked script or style). Screenshots
 * of every page land in test/web/screenshots/ (git-ignored).
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';
import { startTill, testClock, testTpub, type TestTill } from '../helpers/till.js';
import { receiver } from '../notify/helpers.js';
import { AdminClient, PASSWORD } from './admin-client.js';

withChromium('merchant UI links, webhooks, keys in Chromium', () => {
  describe('merchant UI links, webhooks, keys in Chromium', () => {
    let browser: Browser;
    let t: TestTill | undefined;
    let rec: Awaited<ReturnType<typeof receiver>> | undefined;
    chromiumHooks((b) => (browser = b), async () => {
      await rec?.close();
      await t?.stop();
      t = undefined;
    });

    it('a merchant makes and revokes a key, makes and pings a webhook, makes and edits a payment link, at phone and desktop widths', async function () {
      this.timeout(120_000);
      t = await startTill({
        notify: true,
        clock: testClock(Date.now()),
        env: { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_PUBLIC_URL: 'https://pay.corner-cafe.example', TILL_SHOP_NAME: 'Corner Café' },
      });
      await t.setWallet(testTpub(randomBytes(32)));
      await t.till.services.auth.setPassword(PASSWORD);
      rec = await receiver();
      const errors: string[] = [];

      for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const ui = new AdminClient(t.url);
        await ui.login();
        const ctx = await browser.newContext({ viewport });
        await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
        await ctx.addCookies([{ name: 'till_session', value: ui.cookies.get('till_session')!, url: `${t.url}/admin` }]);
        const page: Page = await ctx.newPage();
        page.on('console', (m) => {
          // The forms answered 400 on purpose are the only resource errors expected.
          if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(`${name}: ${m.text()}`);
        });
        page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
        page.on('dialog', (d) => void d.accept());

        // API keys.
        await page.goto(`${t.url}/admin/keys/new`);
        await shot(page, `admin-keys-new-${name}`);
        await page.getByLabel('Name').fill(`Web shop (${name})`);
        await page.getByRole('button', { name: 'Create API key' }).click();
        await page.locator('h1', { hasText: 'API key created' }).waitFor();
        const key = (await page.locator('#api-key').textContent())!;
        await page.getByRole('button', { name: 'Copy the key' }).click();
        await page.getByRole('button', { name: 'Copied' }).waitFor();
        expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(key);
        await shot(page, `admin-keys-created-${name}`);
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot(page, `admin-keys-created-dark-${name}`);
        await page.emulateMedia({ colorScheme: 'light' });
        await page.getByRole('link', { name: /back to the keys/ }).click();
        await page.locator('h1', { hasText: 'API keys' }).waitFor();
        expect(await page.content()).to.not.include(key);
        await shot(page, `admin-keys-list-${name}`);
        await page.locator('tr', { hasText: `Web shop (${name})` }).getByRole('button', { name: 'Revoke' }).click();
        await page.locator('.flash', { hasText: 'revoked' }).waitFor();
        await shot(page, `admin-keys-revoked-${name}`);

        // Webhooks.
        await page.goto(`${t.url}/admin/webhooks/new`);
        await shot(page, `admin-webhooks-new-${name}`);
        await page.getByLabel('Receiver URL').fill('https://192.168.1.20/hook');
        await page.getByRole('button', { name: 'Create webhook' }).click();
        await page.locator('#f-url-error').waitFor();
        await shot(page, `admin-webhooks-error-${name}`);
        await page.getByLabel('Receiver URL').fill(`${rec.url}?from=${name}`);
        await page.getByLabel('Description').fill('Order system');
        await page.getByRole('button', { name: 'Create webhook' }).click();
        await page.locator('h1', { hasText: 'Webhook created' }).waitFor();
        expect(await page.getByRole('button', { name: 'Copy the secret' }).isVisible()).to.equal(true);
        await shot(page, `admin-webhooks-created-${name}`);
        await page.getByRole('link', { name: /go to the webhook/ }).click();
        await page.getByRole('button', { name: 'Send a test ping' }).click();
        await page.locator('.flash', { hasText: 'Test ping queued' }).waitFor();
        for (let i = 0; i < 50 && !(await page.locator('.chip', { hasText: 'delivered' }).count()); i++) {
          await new Promise((r) => setTimeout(r, 100));
          await page.reload();
        }
        await page.locator('.chip', { hasText: 'delivered' }).waitFor();
        await shot(page, `admin-webhook-log-${name}`);
        await page.getByRole('link', { name: 'webhook.test' }).click();
        await page.locator('h1', { hasText: 'Delivery of' }).waitFor();
        await shot(page, `admin-webhook-delivery-${name}`);
        await page.getByRole('link', { name: /^http:/ }).click();
        await page.getByRole('button', { name: 'New secret' }).click();
        await page.locator('h1', { hasText: 'New secret' }).waitFor();
        expect(await page.locator('#hook-secret').textContent()).to.match(/^whsec_/);
        await shot(page, `admin-webhooks-rotated-${name}`);
        await page.goto(`${t.url}/admin/webhooks`);
        await shot(page, `admin-webhooks-list-${name}`);

        // Payment links.
        await page.goto(`${t.url}/admin/links/new`);
        await shot(page, `admin-links-new-${name}`);
        await page.getByLabel('Title').fill(`Workshop ticket ${name}`);
        await page.getByLabel('Fixed amount').fill('25.005');
        await page.getByLabel('Currency').selectOption('EUR');
        await page.getByRole('button', { name: 'Create payment link' }).click();
        await page.locator('#f-amount-error').waitFor();
        await shot(page, `admin-links-error-${name}`);
        await page.getByLabel('Fixed amount').fill('25.00');
        await page.getByLabel('Description').fill('One seat, Saturday 10:00, coffee included.');
        await page.getByRole('button', { name: 'Create payment link' }).click();
        await page.locator('.flash', { hasText: 'created' }).waitFor();
        const slug = `workshop-ticket-${name}`;
        const pay = await fetch(`${t.url}/pay/${slug}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
        expect(pay.status).to.equal(303);
        await page.reload();
        await page.locator('a', { hasText: /^INV-/ }).waitFor();
        await shot(page, `admin-link-page-${name}`);
        await page.getByRole('link', { name: 'Edit' }).click();
        await shot(page, `admin-links-edit-${name}`);
        await page.getByLabel('Fixed amount').fill('');
        await page.getByLabel('Smallest amount a payer may choose').fill('5');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.locator('.flash', { hasText: 'saved' }).waitFor();
        expect(await page.locator('dl.facts').textContent()).to.include('Payer chooses from 5.00 EUR');
        await page.getByRole('button', { name: 'Deactivate' }).click();
        await page.locator('.flash', { hasText: 'deactivated' }).waitFor();
        await shot(page, `admin-link-deactivated-${name}`);
        await page.goto(`${t.url}/admin/links`);
        await shot(page, `admin-links-list-${name}`);
        await ctx.close();
      }
      expect(errors).to.deep.equal([]);
    });
  });
});
