/**
 * The checkout page in real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), paid on the simulated regtest node: it turns to paid and then
 * confirmed without a reload, works without JavaScript, and its CSP blocks an injected
 * inline script. Screenshots of each state (phone 360 px and desktop) land in
 * test/web/screenshots/ (git-ignored) for a person to look at.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jsqrModule from 'jsqr';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import { chromiumHooks, DESKTOP, PHONE, shot, withChromium } from './chromium.js';
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
    chromiumHooks((b) => (browser = b), async () => {
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

    it('once paid the page takes the payer back to the shop by itself, unless they choose to stay', async function () {
      this.timeout(60_000);
      const shop = http.createServer((_req, res) => {
        res.setHeader('Content-Type', 'text/html');
        res.end('<!doctype html><title>Thanks from the shop</title><h1>Thanks</h1>');
      });
      await new Promise<void>((r) => shop.listen(0, '127.0.0.1', r));
      try {
        const back = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/thanks?order=7`;
        t = await tillOn(node());
        const c = await t.request('POST', '/api/checkout/invoices', {
          key: null, headers: { 'X-Api-Key': t.key }, body: { amountUsd: 12, productName: 'Tea', redirectUrl: back },
        });
        expect(c.status, c.text).to.equal(201);
        const leaving = await (await browser.newContext({ viewport: PHONE })).newPage();
        const staying = await (await browser.newContext({ viewport: DESKTOP })).newPage();
        for (const p of [leaving, staying]) await p.goto(`${t.url}/i/${c.body.id}`);
        await node().pay(c.body.btcAddress, BigInt(String(c.body.amountBtc.toFixed(8)).replace('.', '')));
        for (const p of [leaving, staying]) await headline(p, 'Payment received');
        expect(await leaving.locator('#return').textContent()).to.match(/Taking you back to the shop in \d+ seconds/);
        await shot(leaving, '14-paid-returning-phone');
        await staying.locator('#stay').click();
        expect(await staying.locator('#return').isVisible()).to.equal(false);
        await leaving.waitForURL(back, { timeout: 15_000 });
        expect(await leaving.title()).to.equal('Thanks from the shop');
        await new Promise((r) => setTimeout(r, 1_000));
        expect(staying.url()).to.equal(`${t.url}/i/${c.body.id}`);
        await headline(staying, 'Payment received');
      } finally {
        await new Promise((r) => shop.close(r));
      }
    });

    it('a wire invoice shows the bank details to copy, on a phone and a desktop', async function () {
      this.timeout(60_000);
      t = await tillOn(node(), {
        TILL_SHOP_NAME: 'Corner Café',
        TILL_BANK_INSTRUCTIONS: 'Corner Café Ltd\\nIBAN DE89 3704 0044 0532 0130 00\\nBIC COBADEFFXXX',
      });
      const c = await t.request('POST', '/api/v1/invoices', {
        body: { currency: 'EUR', payment_methods: ['wire'], lines: [{ description: 'Catering, 12 guests', quantity: 1, unit_price: '480.00' }] },
      });
      const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
      expect(f.status, f.text).to.equal(200);
      for (const viewport of [PHONE, DESKTOP]) {
        const page = await (await browser.newContext({ viewport })).newPage();
        await page.goto(f.body.checkout_url);
        await headline(page, 'Waiting for your bank transfer');
        expect(await page.locator('.bank').innerText()).to.equal('Corner Café Ltd\nIBAN DE89 3704 0044 0532 0130 00\nBIC COBADEFFXXX');
        expect(await page.locator('#reference').textContent()).to.equal(f.body.invoice_number);
        expect(await page.locator('.qr').count()).to.equal(0);
        if (viewport === PHONE) expect(await page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
        await shot(page, `13-wire-waiting-${viewport === PHONE ? 'phone' : 'desktop'}`);
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
