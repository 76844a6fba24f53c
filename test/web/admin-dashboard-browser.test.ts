/**
 * The merchant's dashboard in real headless Chromium, with a month of a shop's invoices in
 * the database: screenshots at phone and desktop width (test/web/screenshots/), no CSP
 * violation or console error, and the export form downloading a CSV for a date range.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, SHOTS, withChromium } from './chromium.js';
import type { TestTill } from '../helpers/till.js';
import { adminTill, type AdminClient } from './admin-client.js';
import { insertShop } from './shop-fixture.js';

withChromium('merchant dashboard in Chromium', () => {
  describe('merchant dashboard in Chromium', () => {
    let browser: Browser;
    let t: TestTill | undefined;
    let ui: AdminClient;
    chromiumHooks((b) => (browser = b), async () => {
      await t?.stop();
      t = undefined;
    });

    it('shows the money, the chart, the recent payments and the exports on a phone (light and dark) and a desktop; the export form downloads a CSV', async function () {
      this.timeout(90_000);
      ({ t, ui } = await adminTill({ TILL_SHOP_NAME: 'Corner Café' }));
      await t.setWallet();
      await insertShop(t.till.db.write, { invoices: 600, now: t.clock.now() - 60_000, days: 40, seed: 3 });
      // One paid now through the real services, so the newest payment is a live one.
      const draft = await t.till.services.invoices.create({
        currency: 'USD', lines: [{ description: 'Flat white', quantity: '2', unit_price: '4.50' }], customerEmail: 'ana@example.com', dialect: 'v1',
      });
      const inv = await t.till.services.invoices.finalize(draft.ref);
      await t.till.services.payments.apply({ seen: [{ txid: randomBytes(32).toString('hex'), vout: 0, sats: inv.dueSats!, addressId: inv.addressId! }] });

      const errors: string[] = [];
      for (const [name, viewport, colorScheme] of [['phone', PHONE, 'light'], ['desktop', DESKTOP, 'light'], ['phone-dark', PHONE, 'dark']] as const) {
        const ctx = await browser.newContext({ viewport, colorScheme, acceptDownloads: true });
        await ctx.addCookies([{ name: 'till_session', value: ui.cookies.get('till_session')!, url: `${t.url}/admin` }]);
        const page = await ctx.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('pageerror', (e) => errors.push(String(e)));
        await page.goto(`${t.url}/admin`);
        expect(await page.locator('h1').textContent()).to.equal('Dashboard');
        expect(await page.locator('svg.chart rect.bar').count()).to.be.greaterThan(20);
        // The page's own stylesheet applied (no inline style needed): bars take the accent colour.
        // Strings, not functions: the test's types have no DOM, and tsx's helpers are not in the page.
        const fill = (await page.evaluate(`getComputedStyle(document.querySelector('svg.chart rect.bar')).fill`)) as string;
        expect(fill).to.not.equal('rgb(0, 0, 0)');
        await shot(page, `admin-dashboard-${name}`);
        if (name === 'phone') {
          // The money and the recent payments at their real size, to read them as a merchant would.
          await page.locator('section.received').screenshot({ path: `${SHOTS}/admin-dashboard-received-phone.png` });
          await page.locator('section[aria-labelledby="recent-h"]').screenshot({ path: `${SHOTS}/admin-dashboard-recent-phone.png` });
        }
        // Nothing wider than the screen but the tables' own scrollers.
        const wide = (await page.evaluate(`(() => {
          const w = document.documentElement.clientWidth;
          return [...document.querySelectorAll('main *')]
            .filter((el) => el.getBoundingClientRect().right > w + 0.5 && !el.closest('.table-wrap') && !el.closest('.sr'))
            .map((el) => el.tagName + '.' + el.className).slice(0, 5);
        })()`)) as string[];
        expect(wide, `${name}: wider than the viewport`).to.deep.equal([]);

        if (name === 'desktop') {
          await page.getByLabel('From', { exact: true }).fill('2026-03-01');
          await page.getByLabel('To', { exact: true }).fill('2026-03-13');
          const [download] = await Promise.all([
            page.waitForEvent('download'),
            page.getByRole('button', { name: 'Payments CSV' }).click(),
          ]);
          expect(download.suggestedFilename()).to.equal('till-payments-2026-03-01-to-2026-03-13.csv');
          const text = fs.readFileSync((await download.path())!, 'utf8');
          expect(text.split('\r\n')[0]).to.match(/^received_at,seen_at,confirmed_at,invoice_number,txid/);
          expect(text.split('\r\n').length).to.be.greaterThan(50);
          expect(text).to.include(inv.number);
        }
        await ctx.close();
      }
      expect(errors).to.deep.equal([]);
    });
  });
});
