/**
 * The merchant UI's wallet, settings and audit log pages in real headless Chromium, at
 * phone (360 px) and desktop widths: a merchant pastes a bad key (the error beside the
 * field), then a good one, checks its first five addresses and uses it; changes the store
 * name and the confirmations (a bad value first); reads the audit log. No console errors
 * (the CSP would report a blocked script or style). Screenshots of every page land in
 * test/web/screenshots/ (git-ignored).
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';
import { AdminClient, PASSWORD } from './admin-client.js';

withChromium('merchant UI wallet, settings, audit in Chromium', () => {
  describe('merchant UI wallet, settings, audit in Chromium', () => {
    let browser: Browser;
    let t: TestTill | undefined;
    chromiumHooks((b) => (browser = b), async () => {
      await t?.stop();
      t = undefined;
    });

    for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
      it(`a merchant sets the wallet, changes settings and reads the audit log (${name})`, async function () {
        this.timeout(120_000);
        t = await startTill({ env: { TILL_CONFIRMATIONS: '2', TILL_SMTP_URL: 'smtp://shop:hunter2-secret@mail.corner-cafe.example:587', TILL_SMTP_FROM: 'till@corner-cafe.example' } });
        await t.till.services.auth.setPassword(PASSWORD);
        const ui = new AdminClient(t.url);
        await ui.login();
        const errors: string[] = [];
        const ctx = await browser.newContext({ viewport });
        await ctx.addCookies([{ name: 'till_session', value: ui.cookies.get('till_session')!, url: `${t.url}/admin` }]);
        const page: Page = await ctx.newPage();
        page.on('console', (m) => {
          // The forms answered 400 on purpose are the only resource errors expected.
          if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));

        // Wallet: none yet, a bad key, then a good one in two steps.
        await page.goto(`${t.url}/admin/wallet`);
        await page.locator('h2', { hasText: 'No wallet yet' }).waitFor();
        await shot(page, `admin-wallet-empty-${name}`);
        await page.getByLabel('Extended public key or descriptor').fill('xpub-not-a-key');
        await page.getByRole('button', { name: 'Show its first addresses' }).click();
        await page.locator('#f-key-error').waitFor();
        await shot(page, `admin-wallet-error-${name}`);
        const key = testTpub(5);
        await page.getByLabel('Extended public key or descriptor').fill(`wpkh(${key}/0/*)`);
        await page.getByRole('button', { name: 'Show its first addresses' }).click();
        await page.locator('h1', { hasText: 'Check the new wallet' }).waitFor();
        await shot(page, `admin-wallet-preview-${name}`);
        const shown = await page.locator('table.addresses td.addr').allTextContents();
        expect(shown).to.have.length(5);
        await page.getByRole('button', { name: 'Use this wallet' }).click();
        await page.locator('.flash', { hasText: 'Wallet set' }).waitFor();
        const active = (await t.till.services.pool.activeWallet(t.till.db.read))!;
        expect(shown).to.deep.equal([0, 1, 2, 3, 4].map((i) => active.wallet.derive(i).address));
        // A few invoices handed addresses out; one cancelled (its address cools down).
        for (let i = 0; i < 3; i++) {
          const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'USD', lines: [{ description: 'Flat white', quantity: 2, unit_price: '4.50' }] } });
          await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
          if (i === 1) expect((await t.request('DELETE', `/api/v1/invoices/${c.body.ref}`)).status).to.equal(200);
        }
        await page.goto(`${t.url}/admin/wallet`);
        expect(await page.locator('table.addresses td.addr').allTextContents()).to.deep.equal(shown);
        await shot(page, `admin-wallet-set-${name}`);

        // Settings: a bad value beside its field, then saved.
        await page.goto(`${t.url}/admin/settings`);
        expect(await page.content()).to.not.include('hunter2-secret');
        await shot(page, `admin-settings-${name}`);
        await page.getByLabel('Store name').fill('Corner Café');
        await page.getByLabel('Confirmations').fill('abc');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.locator('#f-confirmations-error').waitFor();
        expect(await page.getByLabel('Store name').inputValue()).to.equal('Corner Café');
        await shot(page, `admin-settings-error-${name}`);
        await page.getByLabel('Confirmations').fill('3');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.locator('.flash', { hasText: 'Saved: Store name, Confirmations.' }).waitFor();
        expect(await page.locator('.brand').textContent()).to.equal('Corner Café · Till');
        await shot(page, `admin-settings-saved-${name}`);
        expect((await t.till.db.read('settings')).map((r: any) => r.key).sort()).to.deep.equal(['TILL_CONFIRMATIONS', 'TILL_SHOP_NAME']);

        // The audit log.
        await page.getByRole('link', { name: 'Audit log' }).click();
        await page.locator('h1', { hasText: 'Audit log' }).waitFor();
        expect(await page.locator('code', { hasText: 'wallet.set' }).count()).to.equal(1);
        expect(await page.locator('code', { hasText: 'settings.changed' }).count()).to.equal(1);
        await shot(page, `admin-audit-${name}`);

        expect(errors).to.deep.equal([]);
        await ctx.close();
      });
    }
  });
});
