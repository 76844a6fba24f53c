/**
 * A payment link in real headless Chromium: a payer opens a link with a payer-chosen
 * amount, types one, submits the plain form and lands on the checkout page of a fresh
 * invoice for that amount. Screenshots of the link page (phone 360 px and desktop, the
 * form with an error too) land in test/web/screenshots/ (git-ignored).
 */
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';


withChromium('payment link in Chromium', () => {
  describe('payment link in Chromium', () => {
    let browser: Browser;
    let t: TestTill | undefined;
    chromiumHooks((b) => (browser = b), async () => {
      await t?.stop();
      t = undefined;
    });

    it('a payer types an amount on a payer-chosen link, submits, and lands on the checkout page of a new invoice for it', async function () {
      this.timeout(60_000);
      t = await startTill({ env: { TILL_SHOP_NAME: 'Corner Café' } });
      await t.setWallet(testTpub(9));
      const r = await t.request('POST', '/api/v1/payment-links', {
        body: {
          title: 'Support the library', slug: 'donate', amount: null, currency: 'USD',
          description: 'Pay what you like: every bit keeps the reading room open on Sundays.',
        },
      });
      expect(r.status, r.text).to.equal(201);
      const errors: string[] = [];
      for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const ctx = await browser.newContext({ viewport });
        const page = await ctx.newPage();
        page.on('console', (m) => {
          // The bad amount's 400 is the one resource error expected.
          if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(m.text());
        });
        await page.goto(`${t.url}/pay/donate`);
        await expect(await page.locator('h1').textContent()).to.equal('Support the library');
        await shot(page, `link-payer-chosen-${name}`);
        // A bad amount first: the form comes back with the error and the amount typed.
        await page.getByLabel('Amount (USD)').fill('12.345');
        await page.getByRole('button', { name: 'Continue to payment' }).click();
        await page.locator('#amount-error').waitFor();
        expect(await page.getByLabel('Amount (USD)').inputValue()).to.equal('12.345');
        await shot(page, `link-payer-chosen-error-${name}`);
        await page.getByLabel('Amount (USD)').fill('12.50');
        await page.getByRole('button', { name: 'Continue to payment' }).click();
        await page.waitForURL(/\/i\/[0-9a-f-]{36}$/);
        await page.locator('#headline', { hasText: 'Waiting for your payment' }).waitFor();
        const uuid = new URL(page.url()).pathname.split('/')[2]!;
        const inv = await t.till.db.read('invoices').where({ public_id: uuid }).first();
        expect(inv.dialect).to.equal('link');
        expect(String(inv.total)).to.equal('1250');
        expect(await page.locator('table.lines').textContent()).to.include('Support the library').and.include('12.50 USD');
        await shot(page, `link-checkout-${name}`);
        await ctx.close();
      }
      // A fixed-amount link, with JavaScript off: the plain form still works.
      await t.request('POST', '/api/v1/payment-links', { body: { title: 'Workshop ticket', slug: 'workshop', amount: '25.00', currency: 'EUR', description: 'One seat, Saturday 10:00.' } });
      for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const ctx = await browser.newContext({ viewport, javaScriptEnabled: false });
        const page = await ctx.newPage();
        await page.goto(`${t.url}/pay/workshop`);
        await shot(page, `link-fixed-${name}`);
        await page.getByRole('button', { name: 'Continue to payment' }).click();
        await page.waitForURL(/\/i\/[0-9a-f-]{36}$/);
        expect(await page.locator('table.lines').textContent()).to.include('25.00 EUR');
        await ctx.close();
      }
      expect(errors).to.deep.equal([]);
    });
  });
});
