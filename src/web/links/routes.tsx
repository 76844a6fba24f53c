import type { Context, Middleware, Next } from 'koa';
import { BTC } from '../../domain/currency.js';
import { clientKey } from '../client-key.js';
import { TillError } from '../../domain/errors.js';
import { fiatToSats, formatMoney, parseMoney, satsToFiatMinor } from '../../domain/money.js';
import type { PaymentLink } from '../../domain/payment-link.js';
import { MIN_DUE_SATS, type InvoiceService } from '../../invoicing/invoices.js';
import { STYLESHEET, SCRIPT } from '../assets.js';
import type { PageAssets } from '../checkout/page.js';
import { CSP } from '../checkout/routes.js';
import { render } from '../render.js';
import { LinkMessagePage, LinkPage, type LinkView } from './page.js';

/**
 * The path the payment link pages answer. Public: payers reach them without a login
 * (Umbrel's PROXY_AUTH_WHITELIST is checked against this).
 */
export const LINK_MOUNTS: readonly string[] = ['/pay'];
const PAGE = /^\/pay\/([^/]+)\/?$/;
const PAGE_ASSETS: PageAssets = { css: STYLESHEET.path, js: SCRIPT.path };

/**
 * A sliding window of admissions per number key, built by main.ts: api/rate-limit.ts's
 * RateLimiter, or its SharedRateLimiter (a promise) when several processes share a
 * PostgreSQL, so the total is a total.
 */
export interface Limiter {
  take(id: number): { allowed: boolean; retryAfterS: number } | Promise<{ allowed: boolean; retryAfterS: number }>;
  /** Gives back the last admission of a key whose invoice was not made. */
  giveBack(id: number): void | Promise<void>;
}

export interface LinkPageDeps {
  links: { bySlug(slug: string): Promise<PaymentLink | null> };
  invoices: Pick<InvoiceService, 'open'>;
  rates: { getRate(currency: string): Promise<{ rate: string }> };
  now: () => number;
  settings: {
    shopName: string;
    onionUrl: string;
    /** TILL_PUBLIC_URL without its trailing slash, or '' (then the request's own origin). */
    publicUrl?: string;
    /** TILL_LINK_MAX_SATS: the largest payer-chosen amount (its equivalent in the link's currency). */
    maxSats: bigint;
  };
  /** Invoices per client address per hour (TILL_LINK_RATE_PER_IP), and of all clients (TILL_LINK_RATE_TOTAL, key 0). */
  limits: { perIp: Limiter; total: Limiter };
  onError?: (err: unknown) => void;
}


interface Bounds {
  /** Minor units of the link's currency; no `max`: any amount above `min`. */
  min: bigint;
  max: bigint | null;
}

/**
 * Public payment links `/pay/<slug>`: GET shows the link, POST (a plain HTML form) opens a
 * fresh invoice for it and answers 303 to its checkout page. Invoices opened here are
 * rate-limited per client address and overall, per hour (TILL_LINK_RATE_PER_IP,
 * TILL_LINK_RATE_TOTAL); a payer-chosen amount lies between the dust limit and
 * TILL_LINK_MAX_SATS, both in the link's currency at the current rate.
 */
export function linkPages(deps: LinkPageDeps): Middleware {
  const { perIp, total } = deps.limits;

  const html = (ctx: Context, status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };
  const message = (ctx: Context, status: number, title: string, text: string) =>
    html(ctx, status, render(<LinkMessagePage title={title} text={text} assets={PAGE_ASSETS} />, { doctype: true }));
  const notFound = (ctx: Context) =>
    message(ctx, 404, 'Page not found', 'There is no payment link here, or it is no longer active. Check the link the shop gave you.');

  /**
   * The payer-chosen bounds in the link's currency: the link's own, within Till's (the dust
   * limit and TILL_LINK_MAX_SATS at the current rate); null when no rate is at hand.
   */
  const bounds = async (link: PaymentLink): Promise<Bounds | null> => {
    // Paid by bank transfer only: no address is used, so only the link's own bounds hold.
    if (!link.paymentMethods.includes('onchain_btc')) return { min: link.minAmount ?? 1n, max: link.maxAmount };
    const own = await tillBounds(link.currency);
    if (!own) return null;
    return {
      min: link.minAmount !== null && link.minAmount > own.min ? link.minAmount : own.min,
      max: link.maxAmount !== null && own.max !== null && link.maxAmount < own.max ? link.maxAmount : own.max,
    };
  };

  const tillBounds = async (currency: string): Promise<Bounds | null> => {
    if (currency === BTC) return { min: MIN_DUE_SATS, max: deps.settings.maxSats };
    let rate: string;
    try {
      rate = (await deps.rates.getRate(currency)).rate;
    } catch {
      return null;
    }
    // Rounded inwards: every amount shown as allowed is allowed.
    let min = satsToFiatMinor(MIN_DUE_SATS, currency, rate);
    if (min < 1n) min = 1n;
    for (let i = 0; i < 3 && fiatToSats(min, currency, rate) < MIN_DUE_SATS; i++) min++;
    let max = satsToFiatMinor(deps.settings.maxSats, currency, rate);
    for (let i = 0; i < 3 && max > min && fiatToSats(max, currency, rate) > deps.settings.maxSats; i++) max--;
    return { min, max };
  };

  const view = (link: PaymentLink, b: Bounds | null, entered = '', error: string | null = null): LinkView => ({
    slug: link.slug,
    shopName: deps.settings.shopName,
    title: link.title,
    description: link.description,
    currency: link.currency,
    amount: link.amount === null ? null : formatMoney(link.amount, link.currency),
    min: b ? formatMoney(b.min, link.currency) : null,
    max: b && b.max !== null ? formatMoney(b.max, link.currency) : null,
    entered,
    error,
  });
  const form = (ctx: Context, status: number, v: LinkView) => html(ctx, status, render(<LinkPage v={v} assets={PAGE_ASSETS} />, { doctype: true }));

  /** The amount of this POST in minor units, or the error to show beside the form. */
  const amountOf = async (link: PaymentLink, entered: string, b: Bounds | null): Promise<bigint | string> => {
    if (link.amount !== null) return link.amount;
    if (entered === '') return 'Enter an amount.';
    let minor: bigint;
    try {
      minor = parseMoney(entered, link.currency, 'amount', { allowZero: false });
    } catch (e) {
      if (e instanceof TillError) return `That is not an amount in ${link.currency}: ${e.message}.`;
      throw e;
    }
    if (!b) throw new Error('no bounds for a payer-chosen amount');
    if (minor < b.min) return `The smallest amount is ${formatMoney(b.min, link.currency)} ${link.currency}.`;
    if (b.max !== null && minor > b.max) return `The largest amount is ${formatMoney(b.max, link.currency)} ${link.currency}.`;
    return minor;
  };

  const post = async (ctx: Context, link: PaymentLink, b: Bounds | null) => {
    const bodyError = (ctx.state as { bodyError?: { code: string } }).bodyError;
    if (bodyError) {
      const status = bodyError.code === 'body_too_large' ? 413 : bodyError.code === 'unsupported_media_type' ? 415 : 400;
      return message(ctx, status, 'Not this page\'s form', 'This page takes its own form only. Go back and use the button on the page.');
    }
    if (!ctx.is('application/x-www-form-urlencoded')) {
      return message(ctx, 415, 'Not a form', 'This page takes its own form only. Go back and use the button on the page.');
    }
    const body = (ctx.request as { body?: unknown }).body;
    const fields = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const entered = typeof fields.amount === 'string' ? fields.amount.trim().slice(0, 64) : '';
    if (link.amount === null && !b) {
      return message(ctx, 503, 'Try again in a moment', 'The exchange rate is not available just now, so no invoice can be made. Try again in a minute.');
    }
    const amount = await amountOf(link, entered, b);
    if (typeof amount === 'string') return form(ctx, 400, view(link, b, entered, amount));

    // By its /64 for IPv6, as the login limit counts: one host must not pass for many payers.
    const ipId = clientKey(ctx.ip);
    const mine = await perIp.take(ipId);
    if (!mine.allowed) return tooMany(ctx, mine.retryAfterS);
    const all = await total.take(0);
    if (!all.allowed) {
      await perIp.giveBack(ipId);
      return tooMany(ctx, all.retryAfterS);
    }
    try {
      const inv = await deps.invoices.open({
        lines: [{ description: link.title, quantity: 1, unit_price: formatMoney(amount, link.currency) }],
        currency: link.currency,
        paymentMethods: link.paymentMethods,
        dialect: 'link',
        dialectData: { slug: link.slug, currency: link.currency, ...(link.redirectUrl && { redirectUrl: link.redirectUrl }) },
        paymentLinkId: link.id,
        // Anyone may post here: the Host they send must not become the page a merchant's
        // webhooks name. Only TILL_PUBLIC_URL does (without it, checkout_url is null there).
        pageBase: deps.settings.publicUrl || null,
      });
      ctx.status = 303;
      ctx.set('Cache-Control', 'no-store');
      ctx.redirect(`/i/${inv.publicId}`);
      ctx.status = 303;
    } catch (e) {
      // Nothing was opened: the limits count invoices made, not attempts.
      await perIp.giveBack(ipId);
      await total.giveBack(0);
      if (e instanceof TillError && e.code === 'validation_failed') {
        return form(ctx, 400, view(link, b, entered, e.message));
      }
      if (e instanceof TillError) {
        return message(ctx, 503, 'Try again in a moment', 'No invoice can be made just now. Try again in a few minutes, or contact the shop.');
      }
      throw e;
    }
  };

  const tooMany = (ctx: Context, retryAfterS: number) => {
    ctx.set('Retry-After', String(retryAfterS));
    message(ctx, 429, 'Too many payments just now', 'Many invoices were made from this link recently. Wait a little and try again, or contact the shop.');
  };

  const pages = async (ctx: Context, next: Next) => {
    if (ctx.path !== '/pay' && !ctx.path.startsWith('/pay/')) return next();
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    if (deps.settings.onionUrl) ctx.set('Onion-Location', `${deps.settings.onionUrl}${ctx.path}`);
    try {
      const m = PAGE.exec(ctx.path);
      const get = ctx.method === 'GET' || ctx.method === 'HEAD';
      if (!m || (!get && ctx.method !== 'POST')) return notFound(ctx);
      let slug: string;
      try {
        slug = decodeURIComponent(m[1]!);
      } catch {
        return notFound(ctx);
      }
      const link = await deps.links.bySlug(slug);
      if (!link || !link.isActive) return notFound(ctx);
      const b = link.amount === null ? await bounds(link) : null;
      if (b && b.max !== null && b.min > b.max) {
        return message(ctx, 503, 'This link cannot take a payment now',
          `Its smallest amount (${formatMoney(b.min, link.currency)} ${link.currency}) is more than the largest this shop accepts at today's rate. Contact the shop.`);
      }
      if (get) return form(ctx, 200, view(link, b));
      return await post(ctx, link, b);
    } catch (e) {
      deps.onError?.(e);
      message(ctx, 500, 'Something went wrong', 'This page could not be shown just now. Try again in a moment.');
    }
  };
  return Object.assign(pages, { publicMounts: LINK_MOUNTS });
}
