/**
 * The checkout page in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), paid on the simulated regtest node: it turns to paid and then
 * confirmed without a reload, works without JavaScript, and its CSP blocks an injected
 * inline script. Screenshots of each state (phone 360 px and desktop) land in
 * test/web/screenshots/ (git-ignored) for a person to look at.
 */
import { expect } from 'chai';
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, launchChromium, PHONE, shot, withChromium } from './chromium.js';
import { describeEachNode } from '../../regtest/find-nodes.js';
import { btcInvoice, statusOf, tillOn, waitFor } from '../chain/helpers.js';
import type { TestTill } from '../helpers/till.js';

/** jsqr is CommonJS: its function is module.exports (its types say `.default`). */
const jsQR = jsqrModule as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;


async function uuidOf(t: TestTill, ref: string): Promise<string> {
  return (await t.till.db.read('invoices').where({ ref }).first()).public_id as string;
}

/** The text of the page's status headline, once it reads `want`. */
async function headline(page: Page, want: string): Promise<void> {
  await page.locator('#headline', { hasText: want }).waitFor({ timeout: 15_000 });
}

/** Decodes the QR code drawn on the page (its screenshot) to its text. */
async function qrText(page: Page): Promise<string | null> {
  const png = PNG.sync.read(await page.locator('.qr').screenshot());
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

withChromium('checkout page in Chromium', () => {
  describeEachNode('checkout page in Chromium', [], (node) => {
    let browser: Browser;
    let t: TestTill | undefined;
    before(async function () {
      this.timeout(60_000);
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });
    afterEach(async () => {
      await t?.stop();
      t = undefined;
    });

    it('a payer opens the page, pays in two parts on the node, and sees partly paid, paid and confirmed without a reload', async function () {
      this.timeout(90_000);
      t = await tillOn(node(), { TILL_SHOP_NAME: 'Corner Café' });
      const inv = await btcInvoice(t, 50_000n);
      const url = `${t.url}/i/${await uuidOf(t, inv.ref)}`;
      const errors: string[] = [];
      const pages: Page[] = [];
      for (const viewport of [PHONE, DESKTOP]) {
        const p = await (await browser.newContext({ viewport })).newPage();
        p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
        p.on('pageerror', (e) => errors.push(String(e)));
        await p.goto(url);
        await p.evaluate('window.tillLoaded = 1');
        pages.push(p);
      }
      const [phone, desktop] = pages as [Page, Page];
      const both = async (want: string, name: string) => {
        for (const [p, kind] of [[phone, 'phone'], [desktop, 'desktop']] as const) {
          await headline(p, want);
          await shot(p, `${name}-${kind}`);
        }
      };
      await both('Waiting for your payment', '1-waiting');
      expect(await phone.locator('#address').textContent()).to.equal(inv.address);
      expect(await phone.locator('button.copy').isVisible(), 'the copy button shows with JavaScript').to.equal(true);
      expect(await qrText(phone)).to.equal(`bitcoin:${inv.address}?amount=0.0005`);
      expect(await phone.locator('.qr').getAttribute('href')).to.equal(`bitcoin:${inv.address}?amount=0.0005`);
      const left = await phone.locator('#countdown').textContent();
      expect(left).to.match(/^1[45]:\d\d$/);
      // No horizontal scrolling on a 360-px phone.
      expect(await phone.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);

      await node().pay(inv.address, 20_000n);
      await both('Partly paid', '2-partial');
      expect(await phone.locator('#amount').textContent()).to.equal('0.00030000');
      expect(await qrText(phone)).to.equal(`bitcoin:${inv.address}?amount=0.0003`);

      await node().pay(inv.address, 30_000n);
      await both('Payment received, waiting for confirmation', '3-paid');
      expect(await phone.locator('.status').textContent()).to.include('0 of 1');
      await node().mine(1);
      await both('Payment confirmed', '4-confirmed');
      for (const p of pages) {
        expect(await p.evaluate('window.tillLoaded'), 'not reloaded').to.equal(1);
        expect(await p.locator('#announce').textContent()).to.equal('Payment confirmed');
      }
      expect(errors).to.deep.equal([]);
    });

    it('without JavaScript shows amount, address and QR, and refreshes itself to paid', async function () {
      this.timeout(60_000);
      t = await tillOn(node());
      const inv = await btcInvoice(t, 40_000n);
      const ctx = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false });
      const page = await ctx.newPage();
      let loads = 0;
      page.on('load', () => loads++);
      await page.goto(`${t.url}/i/${await uuidOf(t, inv.ref)}`);
      expect(await page.locator('#amount').textContent()).to.equal('0.00040000');
      expect(await page.locator('#address').textContent()).to.equal(inv.address);
      expect(await page.locator('.qr svg').isVisible()).to.equal(true);
      expect(await qrText(page)).to.equal(`bitcoin:${inv.address}?amount=0.0004`);
      expect(await page.locator('button.copy').isVisible(), 'no copy button that cannot work').to.equal(false);
      await shot(page, '5-nojs-waiting-phone');
      await node().pay(inv.address, 40_000n);
      await statusOf(t, inv.ref, 'paid');
      await waitFor(async () => (await page.content()).includes('Payment received'), 'the page to refresh to paid', 20_000);
      expect(loads).to.be.greaterThan(1);
      await shot(page, '6-nojs-paid-phone');
      await ctx.close();
    });

    it('the CSP blocks an injected inline script (the console says so)', async function () {
      this.timeout(60_000);
      t = await tillOn(node());
      const inv = await btcInvoice(t, 30_000n);
      // In dark mode, on a phone: the screenshot shows the dark palette.
      const page = await (await browser.newContext({ viewport: PHONE, colorScheme: 'dark' })).newPage();
      const messages: string[] = [];
      page.on('console', (m) => messages.push(m.text()));
      await page.goto(`${t.url}/i/${await uuidOf(t, inv.ref)}`);
      await page.evaluate(`{
        const s = document.createElement('script');
        s.textContent = 'window.pwned = 1';
        document.body.appendChild(s);
      }`);
      await shot(page, '0-waiting-dark-phone');
      await waitFor(() => messages.some((m) => /Content Security Policy/i.test(m)), 'a CSP violation in the console', 5000);
      expect(await page.evaluate('window.pwned')).to.equal(undefined);
    });

    it('a shop checkout in USD shows both amounts, then a way back to the shop once paid', async function () {
      this.timeout(60_000);
      t = await tillOn(node(), { TILL_SHOP_NAME: 'Corner Café' });
      const c = await t.request('POST', '/api/checkout/invoices', {
        key: null, headers: { 'X-Api-Key': t.key },
        body: { amountUsd: 24.5, productName: 'Blue mug, large (350 ml) — glazed stoneware', redirectUrl: 'https://shop.example/thanks' },
      });
      expect(c.status, c.text).to.equal(201);
      for (const viewport of [PHONE, DESKTOP]) {
        const kind = viewport === PHONE ? 'phone' : 'desktop';
        const page = await (await browser.newContext({ viewport })).newPage();
        await page.goto(`${t.url}/i/${c.body.id}`);
        expect(await page.locator('.fiat').textContent()).to.equal('24.50 USD');
        await shot(page, `11-usd-waiting-${kind}`);
        if (viewport === PHONE) {
          const sats = BigInt(String(c.body.amountBtc.toFixed(8)).replace('.', ''));
          await node().pay(c.body.btcAddress, sats);
        }
        await headline(page, 'Payment received');
        expect(await page.locator('a.button').getAttribute('href')).to.equal('https://shop.example/thanks');
        await shot(page, `12-usd-paid-${kind}`);
      }
    });

    it('the closed states, each on a phone and a desktop', async function () {
      this.timeout(90_000);
      t = await tillOn(node(), { TILL_GRACE_MINUTES: '60', TILL_SHOP_NAME: 'Corner Café' });
      const expired = await btcInvoice(t, 30_000n);
      const under = await btcInvoice(t, 30_000n);
      const late = await btcInvoice(t, 30_000n);
      const cancelled = await btcInvoice(t, 30_000n);
      await node().pay(under.address, 10_000n);
      await statusOf(t, under.ref, 'partial');
      expect((await t.request('DELETE', `/api/v1/invoices/${cancelled.ref}`)).status).to.equal(200);
      t.clock.advance(16 * 60_000);
      await t.till.services.invoices.expireDue();
      await node().pay(late.address, 30_000n);
      await statusOf(t, late.ref, 'expired', (i) => i.exception === 'paid_late');
      t.clock.advance(61 * 60_000);
      await t.till.services.invoices.expireDue();
      await statusOf(t, under.ref, 'expired');
      const cases: [{ ref: string }, string, string][] = [
        [expired, 'This invoice has expired', '7-expired'],
        [under, 'Underpaid', '8-underpaid'],
        [late, 'Paid after the deadline', '9-paid-late'],
        [cancelled, 'This invoice was cancelled', '10-cancelled'],
      ];
      for (const viewport of [PHONE, DESKTOP]) {
        const page = await (await browser.newContext({ viewport })).newPage();
        for (const [inv, want, name] of cases) {
          await page.goto(`${t.url}/i/${await uuidOf(t, inv.ref)}`);
          await headline(page, want);
          expect(await page.locator('.qr').count()).to.equal(0);
          await shot(page, `${name}-${viewport === PHONE ? 'phone' : 'desktop'}`);
        }
      }
    });
  }, { kinds: ['sim'] });
});
