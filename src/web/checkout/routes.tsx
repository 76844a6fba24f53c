import type http from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import { isPublicId } from '../../domain/ids.js';
import type { Invoice } from '../../domain/invoice.js';
import type { InvoiceService } from '../../invoicing/invoices.js';
import { ASSETS, SCRIPT, STYLESHEET } from '../assets.js';
import type { InvoiceFeed } from '../live.js';
import { render } from '../render.js';
import { CheckoutPage, ErrorPage, headlineOf, Live, NotFoundPage, type PageAssets } from './page.js';
import { checkoutView, confirmationsOf, type CheckoutView } from './view.js';

/** What the pages call: injected by main.ts (or a test), as api/deps.ts is for the dialects. */
export interface WebDeps {
  invoices: Pick<InvoiceService, 'get' | 'payments'>;
  feed: InvoiceFeed;
  now: () => number;
  settings: {
    /** TILL_SHOP_NAME. */
    shopName: string;
    /** TILL_ONION_URL without its trailing slash, or ''. */
    onionUrl: string;
    /** TILL_BANK_INSTRUCTIONS: shown on invoices that take wire transfers. */
    bankInstructions?: string;
  };
  /** Milliseconds between SSE heartbeats (default 15 s). */
  heartbeatMs?: number;
  onError?: (err: unknown) => void;
}

/** The pages' Content-Security-Policy: same-origin only, no inline script, never framed. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Open SSE streams per client address, and in all. */
export const STREAMS_PER_CLIENT = 50;
export const STREAMS_TOTAL = 5_000;

const PAGE_ASSETS: PageAssets = { css: STYLESHEET.path, js: SCRIPT.path };
/**
 * The paths these pages answer: the checkout pages with their SSE stream and status, and the
 * hashed assets of every page. All public: payers reach them without a login (Umbrel's
 * PROXY_AUTH_WHITELIST is checked against this).
 */
export const CHECKOUT_MOUNTS: readonly string[] = ['/i', '/assets'];
const PAGE = /^\/i\/([^/]+)(\/events|\/status\.json)?\/?$/;

function pageHeaders(ctx: Context, deps: WebDeps): void {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  if (deps.settings.onionUrl) ctx.set('Onion-Location', `${deps.settings.onionUrl}${ctx.path}`);
}

async function qrSvg(uri: string | null): Promise<string | null> {
  if (uri === null) return null;
  // Loaded at the first page that shows a code: a Till nobody pays yet does not carry it.
  const QRCode = (await import('qrcode')).default;
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/**
 * The payer's pages as one Koa middleware, mounted before the API's JSON 404: `/i/<uuid>`
 * (the page), `…/status.json` (what the script reconciles from), `…/events` (SSE) and the
 * hashed assets. Everything under /i/ answers HTML (or its own JSON), never an API error.
 */
export function checkoutPages(deps: WebDeps): Middleware {
  const heartbeatMs = deps.heartbeatMs ?? 15_000;

  const find = async (id: string): Promise<Invoice | null> => {
    if (!isPublicId(id)) return null;
    try {
      const inv = await deps.invoices.get(id);
      return inv.status === 'draft' ? null : inv;
    } catch (e) {
      if ((e as { code?: string }).code === 'invoice_not_found') return null;
      throw e;
    }
  };

  const viewOf = async (inv: Invoice): Promise<CheckoutView> => {
    const confirmations = inv.paidSats === 0n ? 0 : confirmationsOf(await deps.invoices.payments(inv));
    return checkoutView(inv, {
      shopName: deps.settings.shopName, now: deps.now(), confirmations, bankInstructions: deps.settings.bankInstructions,
    });
  };

  const html = (ctx: Context, status: number, body: string) => {
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = body;
  };

  const notFound = (ctx: Context) => html(ctx, 404, render(<NotFoundPage assets={PAGE_ASSETS} />, { doctype: true }));

  // One timer beats for every open stream: a thousand open pages cost a thousand writes
  // every interval, not a thousand timers.
  const open = new Set<http.ServerResponse>();
  const perClient = new Map<string, number>();
  let beat: NodeJS.Timeout | null = null;
  const beatAll = () => {
    for (const res of open) res.write(': heartbeat\n\n');
  };

  /**
   * `/i/<uuid>/events`: written straight to the socket (no stream object between), one
   * `invoice` event per committed change; the page re-reads status.json when it hears one.
   */
  const events = (ctx: Context, inv: Invoice) => {
    // A stream holds a socket: a few per client address (Tor payers all share one, so not
    // too few), and a ceiling for all. Past either, the page's script polls instead.
    const client = ctx.ip || 'unknown';
    const mine = perClient.get(client) ?? 0;
    if (mine >= STREAMS_PER_CLIENT || open.size >= STREAMS_TOTAL) {
      ctx.status = 429;
      ctx.set('Retry-After', '30');
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'Too many open streams: the page checks every few seconds instead.\n';
      return;
    }
    const res = ctx.res;
    // Koa writes nothing of this response; its status is set for the request log.
    ctx.status = 200;
    ctx.respond = false;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      // The socket goes with the stream: a stream ended at shutdown leaves no idle connection behind.
      Connection: 'close',
    });
    let ended = false;
    const send = () => {
      if (!ended) res.write(`event: invoice\ndata: ${JSON.stringify({ id: inv.publicId })}\n\n`);
    };
    const end = () => {
      if (ended) return;
      ended = true;
      open.delete(res);
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
      if (open.size === 0 && beat) {
        clearInterval(beat);
        beat = null;
      }
      unsubscribe();
      res.end();
    };
    const unsubscribe = deps.feed.subscribe(inv.id, send, end);
    open.add(res);
    perClient.set(client, mine + 1);
    if (!beat) {
      beat = setInterval(beatAll, heartbeatMs);
      beat.unref();
    }
    ctx.req.on('close', end);
    res.on('error', end);
    res.write('retry: 3000\n\n');
  };

  const pages = async (ctx: Context, next: Next) => {
    if (ctx.path.startsWith('/assets/')) {
      const a = ASSETS.get(ctx.path);
      if (!a || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      pageHeaders(ctx, deps);
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.type = a.type;
      ctx.body = a.body;
      return;
    }
    if (ctx.path !== '/i' && !ctx.path.startsWith('/i/')) return next();
    pageHeaders(ctx, deps);
    try {
      const m = PAGE.exec(ctx.path);
      if (!m || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return notFound(ctx);
      let id: string;
      try {
        id = decodeURIComponent(m[1]!).toLowerCase();
      } catch {
        return notFound(ctx);
      }
      const inv = await find(id);
      if (!inv) return notFound(ctx);
      if (m[2] === '/events') {
        // Nothing more will happen to a closed invoice: 204 tells EventSource to stop.
        const v = await viewOf(inv);
        if (!v.open || ctx.method === 'HEAD') {
          ctx.status = v.open ? 200 : 204;
          ctx.type = 'text/event-stream; charset=utf-8';
          ctx.set('Cache-Control', 'no-store');
          return;
        }
        return events(ctx, inv);
      }
      const v = await viewOf(inv);
      if (m[2] === '/status.json' && ctx.query.stamp === v.stamp) {
        // The page already shows this: nothing to send (a script's first reconcile).
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 204;
        return;
      }
      const svg = await qrSvg(v.payUri);
      if (m[2] === '/status.json') {
        ctx.set('Cache-Control', 'no-store');
        ctx.type = 'application/json; charset=utf-8';
        ctx.body = JSON.stringify({
          state: v.state,
          open: v.open,
          headline: headlineOf(v),
          confirmations: v.confirmations,
          paid_btc: v.paidBtc,
          remaining_btc: v.remainingBtc,
          html: render(<Live v={v} qrSvg={svg} />),
        });
        return;
      }
      html(ctx, 200, render(<CheckoutPage v={v} qrSvg={svg} assets={PAGE_ASSETS} />, { doctype: true }));
    } catch (e) {
      deps.onError?.(e);
      html(ctx, 500, render(<ErrorPage assets={PAGE_ASSETS} />, { doctype: true }));
    }
  };
  return Object.assign(pages, { publicMounts: CHECKOUT_MOUNTS });
}
