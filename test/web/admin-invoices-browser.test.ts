/**
 * The merchant UI's invoices in real headless Chromium at phone (360 px) and desktop
 * widths: a merchant fills the new-invoice form and watches the totals change as they
 * type (BigInt in the page's script, the same figures the server then stores), adds a
 * line with the script, creates and finalizes the invoice, finds it in the list by its
 * txid after a payment, and cancels another after the confirmation. No console errors
 * (the CSP would report a blocked script or style); nothing wider than the screen.
 * Screenshots of the list, the invoice and the form land in test/web/screenshots/.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';
import { startTill, testClock, testTpub, type TestTill } from '../helpers/till.js';
import { AdminClient, PASSWORD } from './admin-client.js';

/** The page is no wider than its viewport (a table scrolls inside its wrapper, or folds). */
async function fitsWidth(page: Page): Promise<void> {
  const doc = Number(await page.evaluate('document.documentElement.scrollWidth'));
  const view = Number(await page.evaluate('window.innerWidth'));
  expect(doc, `page is ${doc}px wide in a ${view}px window`).to.be.at.most(view);
}

withChromium('merchant UI invoices in Chromium', () => {
  describe('merchant UI invoices in Chromium', () => {
    let browser: Browser;
    let t: TestTill | undefined;
    chromiumHooks((b) => (browser = b), async () => {
      await t?.stop();
      t = undefined;
    });

    it('creates an invoice with totals as you type, finds it by txid, cancels another, at phone and desktop widths', async function () {
      this.timeout(120_000);
      t = await startTill({ clock: testClock(Date.now()), env: { TILL_SHOP_NAME: 'Corner Café', TILL_PUBLIC_URL: 'https://pay.corner-cafe.example' } });
      await t.setWallet(testTpub(randomBytes(32)));
      await t.till.services.auth.setPassword(PASSWORD);
      const hook = await t.request('POST', '/api/v1/webhooks', { body: { url: 'https://shop.corner-cafe.example/till/webhook' } });
      expect(hook.status, hook.text).to.equal(201);
      // Some invoices to list: one with a long customer, one partly paid, one wire.
      for (const body of [
        { currency: 'EUR', customer_name: 'Bartholomew Featherstonehaugh-Smythe', customer_company: 'Featherstonehaugh Trading International Ltd', customer_email: 'accounts.payable@featherstonehaugh-trading.example', lines: [{ description: 'Espresso beans, 1 kg', quantity: '3', unit_price: '24.90' }] },
        { currency: 'USD', customer_email: 'ana@example.com', lines: [{ description: 'Catering', quantity: '1', unit_price: '480.00' }], payment_methods: ['onchain_btc', 'wire'] },
      ]) {
        const r = await t.request('POST', '/api/v1/invoices', { body });
        expect(r.status, r.text).to.equal(201);
      }
      const fin = await t.request('POST', '/api/v1/invoices/INV-0001/finalize');
      expect(fin.status, fin.text).to.equal(200);
      const addr = await t.till.db.read('addresses').where({ address: fin.body.payment_address }).first();
      const txid = randomBytes(32).toString('hex');
      await t.till.services.payments.apply({ seen: [{ txid, vout: 0, sats: 100_000n, addressId: addr.id }] });
      // The events become deliveries; the first one's receiver answered 503 three times.
      await t.till.services.notifier.fanOut();
      const [first] = await t.till.db.read('deliveries').orderBy('id');
      await t.till.db.write('deliveries').where({ id: first.id }).update({ attempts: 3, last_status_code: 503, last_error: 'HTTP 503', last_attempt_at: Date.now() });

      const errors: string[] = [];
      for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) {
        const ui = new AdminClient(t.url);
        await ui.login();
        const ctx = await browser.newContext({ viewport });
        await ctx.addCookies([{ name: 'till_session', value: ui.cookies.get('till_session')!, url: `${t.url}/admin` }]);
        const page = await ctx.newPage();
        page.on('console', (m) => {
          if (m.type() === 'error' && !/status of 400/.test(m.text())) errors.push(`${name}: ${m.text()}`);
        });
        page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
        const dialogs: string[] = [];
        page.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.accept();
        });

        // The new-invoice form: totals as you type.
        await page.goto(`${t.url}/admin/invoices/new`);
        await shot(page, `admin-invoices-new-empty-${name}`);
        await fitsWidth(page);
        expect(await page.locator('button[value=totals]').isHidden(), 'the no-JS totals button is hidden').to.equal(true);
        await page.getByLabel('Name', { exact: true }).fill(`Ada (${name})`);
        await page.locator('#f-line0_description').fill('Hours <b>design</b>');
        await page.locator('#f-line0_quantity').fill('1.5');
        await page.locator('#f-line0_unit_price').fill('80');
        expect(await page.locator('#t-total').textContent()).to.equal('120.00');
        await page.locator('#f-line1_description').fill('Travel');
        await page.locator('#f-line1_unit_price').fill('19.99');
        expect(await page.locator('#t-subtotal').textContent()).to.equal('139.99');
        await page.locator('#f-tax_rate').fill('7.5');
        // 139.99 × 7.5 % = 10.49925 → 10.50
        expect(await page.locator('#t-tax').textContent()).to.equal('10.50');
        await page.locator('#f-discount_amount').fill('0.49');
        expect(await page.locator('#t-total').textContent()).to.equal('150.00');
        // A line too precise for the currency: no total until it is fixed.
        await page.locator('#f-line1_unit_price').fill('19.999');
        expect(await page.locator('#t-total').textContent()).to.equal('—');
        await page.locator('#f-line1_unit_price').fill('19.99');
        // JPY has no minor unit.
        await page.locator('#f-currency').fill('JPY');
        expect(await page.locator('#t-total').textContent()).to.equal('—');
        await page.locator('#f-line0_unit_price').fill('8000');
        await page.locator('#f-line1_unit_price').fill('2000');
        await page.locator('#f-discount_amount').fill('');
        // (12000 + 2000) × 1.075 = 15050
        expect(await page.locator('#t-total').textContent()).to.equal('15050');
        expect(await page.locator('#t-currency').textContent()).to.equal('JPY');
        // Add a line with the script (no round trip): a sixth row, empty, focused.
        await page.getByRole('button', { name: 'Add a line' }).click();
        await page.locator('#f-line5_description').waitFor();
        expect(await page.locator('#f-line5_description').inputValue()).to.equal('');
        await page.locator('#f-line5_description').fill('Parking');
        await page.locator('#f-line5_unit_price').fill('500');
        expect(await page.locator('#t-total').textContent()).to.equal('15588');
        await page.locator('#f-notes').fill('<script>alert(1)</script> Thanks!');
        await shot(page, `admin-invoices-new-filled-${name}`);
        await page.getByRole('button', { name: 'Create and finalize' }).click();
        await page.locator('.flash', { hasText: 'created and finalized' }).waitFor();
        const h1 = (await page.locator('h1').textContent())!;
        const number = /INV-[0-9]+/.exec(h1)![0];
        const row = await t.till.db.read('invoices').where({ seq: Number(number.slice(4)) }).first();
        expect(Number(row.total)).to.equal(15588);
        expect(row.currency).to.equal('JPY');
        expect(await page.locator('#invoice-total').textContent()).to.equal('15588 JPY');
        expect(await page.locator('#invoice-notes').textContent()).to.equal('<script>alert(1)</script> Thanks!');
        expect(await page.getByRole('link', { name: /pay\.corner-cafe\.example\/i\// }).count()).to.equal(1);
        await shot(page, `admin-invoices-detail-${name}`);
        await fitsWidth(page);

        // Errors beside their fields, what was typed kept.
        await page.goto(`${t.url}/admin/invoices/new`);
        await page.locator('#f-line0_description').fill('Tea');
        await page.locator('#f-line0_unit_price').fill('1.234');
        await page.locator('#f-tax_rate').fill('200');
        await page.getByRole('button', { name: 'Create draft' }).click();
        await page.locator('#f-line0_unit_price-error').waitFor();
        expect(await page.locator('#f-tax_rate-error').count()).to.equal(1);
        expect(await page.locator('#f-line0_unit_price').inputValue()).to.equal('1.234');
        await shot(page, `admin-invoices-new-errors-${name}`);
        await fitsWidth(page);

        // The list, and a search by txid.
        await page.goto(`${t.url}/admin/invoices`);
        await shot(page, `admin-invoices-list-${name}`);
        await fitsWidth(page);
        await page.getByLabel('Search').fill(txid);
        await page.getByRole('button', { name: 'Filter' }).click();
        await page.waitForURL(/q=/);
        expect(await page.locator('tbody tr').count()).to.equal(1);
        expect(await page.locator('tbody').textContent()).to.include('INV-0001');
        await page.getByRole('link', { name: 'INV-0001' }).click();
        await page.locator('h1', { hasText: 'INV-0001' }).waitFor();
        expect(await page.locator('.deliveries').first().textContent()).to.include('3 attempts, last answer HTTP 503');
        await shot(page, `admin-invoices-detail-paid-${name}`);
        await page.emulateMedia({ colorScheme: 'dark' });
        await shot(page, `admin-invoices-detail-paid-dark-${name}`);
        await page.emulateMedia({ colorScheme: 'light' });
        await fitsWidth(page);

        // Cancel (after the confirmation) the draft made here.
        if (name === 'phone') {
          await page.goto(`${t.url}/admin/invoices?status=draft`);
          await page.getByRole('link', { name: 'INV-0002' }).click();
          await page.getByRole('button', { name: 'Cancel invoice' }).click();
          await page.locator('.flash', { hasText: 'cancelled' }).waitFor();
          expect(dialogs.some((d) => d.startsWith('Cancel invoice INV-0002?'))).to.equal(true);
        } else {
          await page.goto(`${t.url}/admin/invoices/INV-0002`);
          await shot(page, `admin-invoices-detail-cancelled-${name}`);
        }
        await ctx.close();
      }
      expect(errors).to.deep.equal([]);
    });
  });
});
