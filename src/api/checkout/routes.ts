import Router from '@koa/router';
import { INVOICE_STATUSES, type Invoice, type InvoiceStatus } from '../../domain/invoice.js';
import { TillError } from '../../domain/errors.js';
import { isPublicId } from '../../domain/ids.js';
import { formatMoney, parseMoney } from '../../domain/money.js';
import { apiKeyOf, authenticate, requireScope, type KeyExtractor } from '../auth.js';
import { toPlainJson } from '../body.js';
import { idempotency } from '../idempotency.js';
import { pageBaseOf } from '../page-base.js';
import { coreStatusesFor } from '../status-table.js';
import { checkRedirectUrl, validate } from '../validate.js';
import type { ApiDeps } from '../deps.js';
import type { ApiError, ErrorFormatter, RouteContext, TillMiddleware, TillState } from '../state.js';
import { sendJson } from './json.js';
import {
  chainView, checkoutStatus, NOTHING_ON_CHAIN, presentInvoice, presentListItem, presentStats, presentStatus, USD,
} from './present.js';
import { bip21, qrDataUri } from './qr.js';
import type { CheckoutSchemas } from './schemas.js';

/** API.md: `{"error": "message"}`; the stable code beside it, as in v1. */
export const checkoutErrorBody: ErrorFormatter = (e: ApiError) => ({ error: e.message, code: e.code });

/** The seed's auth: `X-Api-Key: <key>`. */
export const xApiKey: KeyExtractor = (ctx) => {
  const v = ctx.get('X-Api-Key').trim();
  return v === '' ? null : v;
};

/** Every core status checkout shows (all but draft). */
const SHOWN: InvoiceStatus[] = INVOICE_STATUSES.filter((s) => checkoutStatus(s) !== null);

/** The line a checkout invoice carries when the request names no product. */
const DEFAULT_DESCRIPTION = 'Checkout invoice';

/**
 * The seed types amountUsd as a number: a string ("49.99") is refused before the schema,
 * whose `decimal` keyword would take either (it turns a number too long for a double
 * into its exact text, so after it the two cannot be told apart).
 */
const amountIsANumber: TillMiddleware = async (ctx, next) => {
  const body = ctx.request.body;
  if (typeof body === 'object' && body !== null && typeof (body as { amountUsd?: unknown }).amountUsd === 'string') {
    throw new TillError('validation_failed', 'amountUsd must be a number');
  }
  return next();
};

/** The checkout dialect (seed 003): schema in, core call, checkout shape out. */
export function checkoutRouter(deps: ApiDeps, s: CheckoutSchemas): Router<TillState> {
  // Case-sensitive, as v1: the router-level middleware below matches case-sensitively.
  const r = new Router<TillState>({ prefix: '/api/checkout', sensitive: true });
  const { invoices, now } = deps;

  r.use(async (ctx, next) => {
    ctx.state.errorFormat = checkoutErrorBody;
    await next();
  });
  r.use(authenticate(deps.keys, xApiKey, 'X-Api-Key: <key>'));
  r.use(deps.limiter.middleware());
  r.use(idempotency(deps.db, now));

  /** The invoice behind `:id`: a UUID only, and only one that was quoted in BTC (checkout has no drafts). */
  const find = async (ctx: RouteContext): Promise<Invoice> => {
    const id = ctx.params.id!;
    const lower = id.toLowerCase();
    const notFound = () => new TillError('invoice_not_found', `Invoice ${id.slice(0, 80)} not found`);
    if (!isPublicId(lower)) throw notFound();
    let inv: Invoice;
    try {
      inv = await invoices.get(lower);
    } catch (e) {
      if (e instanceof TillError && e.code === 'invoice_not_found') throw notFound();
      throw e;
    }
    // Never finalized (a v1 draft, cancelled or marked paid as a wire transfer): no price
    // in BTC and no address, so no checkout face.
    if (checkoutStatus(inv.status) === null || inv.dueSats === null) throw notFound();
    return inv;
  };

  // No code to pay an invoice that takes no more money: its address goes back to the pool.
  const qrOf = (inv: Invoice) =>
    inv.address && inv.dueSats !== null && inv.status !== 'cancelled' && inv.status !== 'invalid' ? qrDataUri(bip21(inv.address, inv.dueSats)) : null;
  /** Money that stands always has a payment row; none: no query. */
  const chainOf = async (inv: Invoice) => (inv.paidSats === 0n ? NOTHING_ON_CHAIN : chainView(await invoices.payments(inv), inv.dueSats));

  r.get('/invoices', requireScope('invoices:read'), validate({ query: s.listInvoices }, async (ctx, { query: q }) => {
    const { invoices: list, total } = await invoices.list({
      statuses: q.status ? coreStatusesFor('checkout', q.status) : SHOWN,
      limit: q.limit,
      offset: q.offset,
      quotedOnly: true,
    });
    const at = now();
    sendJson(ctx, 200, { invoices: list.map((inv) => presentListItem(inv, at)), total });
  }));

  r.post('/invoices', requireScope('invoices:write'), amountIsANumber, validate({ query: s.noQuery, body: s.createInvoice }, async (ctx, { body: b }) => {
    const cents = parseMoney(b.amountUsd, USD, 'amountUsd', { min: 1n });
    if (b.redirectUrl) checkRedirectUrl(b.redirectUrl, 'redirectUrl');
    const ttl = b.ttlMinutes ?? deps.settings.checkoutTtlMinutes;
    const name = b.productName ?? null;
    const inv = await invoices.open({
      lines: [{ description: name?.trim() ? name : DEFAULT_DESCRIPTION, quantity: '1', unit_price: formatMoney(cents, USD) }],
      currency: USD,
      metadata: b.metadata === undefined || b.metadata === null ? null : (toPlainJson(b.metadata) as Record<string, unknown>),
      dialect: 'checkout',
      dialectData: { productName: name, redirectUrl: b.redirectUrl ?? null, ttlMinutes: ttl },
      pageBase: pageBaseOf(ctx, deps.settings.publicUrl),
      apiKeyId: apiKeyOf(ctx).id,
    }, { quoteMinutes: ttl });
    sendJson(ctx, 201, presentInvoice(inv, now(), await qrOf(inv), NOTHING_ON_CHAIN));
  }));

  // A fixed route, before /invoices/:id: "stats" is never taken for an id.
  r.get('/invoices/stats', requireScope('invoices:read'), validate({ query: s.noQuery }, async (ctx) => {
    sendJson(ctx, 200, presentStats(await invoices.countByStatus({ quotedOnly: true })));
  }));

  r.get('/invoices/:id', requireScope('invoices:read'), validate({ query: s.noQuery }, async (ctx) => {
    const inv = await find(ctx);
    const [qr, chain] = await Promise.all([qrOf(inv), chainOf(inv)]);
    sendJson(ctx, 200, presentInvoice(inv, now(), qr, chain));
  }));

  r.get('/invoices/:id/status', requireScope('invoices:read'), validate({ query: s.noQuery }, async (ctx) => {
    const inv = await find(ctx);
    sendJson(ctx, 200, presentStatus(inv, now(), await chainOf(inv)));
  }));

  r.delete('/invoices/:id', requireScope('invoices:write'), validate({ query: s.noQuery }, async (ctx) => {
    const cancelled = await invoices.cancel((await find(ctx)).publicId);
    sendJson(ctx, 200, presentInvoice(cancelled, now(), await qrOf(cancelled), await chainOf(cancelled)));
  }));

  return r;
}
