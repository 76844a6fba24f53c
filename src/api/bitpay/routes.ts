import Router from '@koa/router';
import { parseCurrency } from '../../domain/currency.js';
import { TillError, type ErrorCode } from '../../domain/errors.js';
import { newBitpayToken } from '../../domain/ids.js';
import { formatMoney, parseMoney } from '../../domain/money.js';
import type { Invoice } from '../../domain/invoice.js';
import { checkoutUrl } from '../../domain/page-url.js';
import { apiKeyOf, authenticate, requireScope, type KeyExtractor } from '../auth.js';
import { pageBaseOf } from '../page-base.js';
import { RateLimiter } from '../rate-limit.js';
import { statusIn } from '../status-table.js';
import { checkRedirectUrl, validate } from '../validate.js';
import type { ApiDeps } from '../deps.js';
import type { ApiError, ErrorFormatter, RouteContext, TillContext, TillMiddleware, TillState } from '../state.js';
import { depthOf, presentInvoice, toJson, type BitpayData } from './present.js';
import { BUYER_FIELDS, FLAG_FIELDS, flagValue, TRANSACTION_SPEEDS, type BitpaySchemas, type CreateInvoiceBody } from './schemas.js';

/** Seed 004's mount, and the path old clients post their forms to. */
export const BITPAY_MOUNTS = ['/invoices', '/api/invoice'] as const;

/** "A merchant is restricted to creating no more than 100 invoices per hour." */
export const INVOICES_PER_HOUR = 100;
const HOUR_MS = 3_600_000;

/** "Currently, all invoices are valid for 15 minutes." */
export const BITPAY_QUOTE_MINUTES = 15;

/** The line a BitPay invoice carries when the request names no item. */
const DEFAULT_DESCRIPTION = 'BitPay invoice';

/** BitPay's error types where it had its own word; any other code in camelCase (`rateLimited`). */
const ERROR_TYPES: Partial<Record<ErrorCode, string>> = {
  validation_failed: 'validationError',
  malformed_json: 'validationError',
  not_found: 'notFound',
  invoice_not_found: 'notFound',
};

export function errorType(code: ErrorCode): string {
  return ERROR_TYPES[code] ?? code.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** API.md and seed 004: `{"error": {"type": "...", "message": "..."}}`. */
export const bitpayErrorBody: ErrorFormatter = (e: ApiError) => ({ error: { type: errorType(e.code), message: e.message } });

/**
 * HTTP Basic with the API key as the user name and an empty password. A client that
 * sends the key alone, with no colon (the `request` library does), means the same.
 */
export const basicKey: KeyExtractor = (ctx) => {
  const m = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(ctx.get('Authorization'));
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  if (colon !== -1 && decoded.length > colon + 1) {
    throw new TillError('unauthorized', 'Send the API key as the HTTP Basic user name, with an empty password');
  }
  return user === '' ? null : user;
};

/** Text fields an old client may send as a JSON number (PHP's json_encode of an integer id). */
const NUMERIC_TEXT = ['orderID', 'itemCode', 'posData', 'buyerZip', 'buyerPhone'];

/**
 * JSON and forms alike, before the schema: old clients send fields they have no value
 * for as null (JSON) or as an empty string (forms), both "not given"; a flag is a JSON
 * boolean (or 1/0) or its text in a form, read as its text; an id sent as a JSON integer
 * is read as its digits. (A number a double cannot hold stays what the body parser made
 * of it, and the schema refuses it.)
 */
const asForm: TillMiddleware = async (ctx, next) => {
  const body = ctx.request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const asText = (k: string, v: unknown): unknown => {
      const isFlag = (FLAG_FIELDS as readonly string[]).includes(k);
      if (isFlag && (typeof v === 'boolean' || v === 1 || v === 0)) return String(v);
      if (NUMERIC_TEXT.includes(k) && typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
      return v;
    };
    ctx.request.body = Object.fromEntries(
      Object.entries(body)
        .filter(([, v]) => v !== null && v !== '')
        .map(([k, v]) => [k, asText(k, v)]),
    );
  }
  return next();
};

/** What the invoice keeps of the request: the seed's fields as given, and its token. */
function dataOf(b: CreateInvoiceBody, notificationURL: string | undefined): BitpayData {
  const buyer: Record<string, string> = {};
  for (const f of BUYER_FIELDS) if (b[f] !== undefined) buyer[f] = b[f];
  return {
    posData: b.posData,
    notificationURL,
    transactionSpeed: b.transactionSpeed,
    fullNotifications: flagValue(b.fullNotifications),
    notificationEmail: b.notificationEmail,
    redirectURL: b.redirectURL,
    orderID: b.orderID,
    itemDesc: b.itemDesc,
    itemCode: b.itemCode,
    physical: flagValue(b.physical),
    ...(Object.keys(buyer).length > 0 && { buyer }),
    token: newBitpayToken(),
  };
}

/** The BitPay legacy dialect (seed 004): schema in, core call, the seed's invoice object out. */
export function bitpayRouter(deps: ApiDeps, s: BitpaySchemas): Router<TillState> {
  const r = new Router<TillState>({ sensitive: true });
  const { invoices, now } = deps;
  // Per key, beside the per-minute API limit every request takes; counted by every
  // process on one PostgreSQL when main.ts hands in the shared window.
  const perHour = deps.window?.('bitpay-hour', INVOICES_PER_HOUR, HOUR_MS) ?? new RateLimiter(INVOICES_PER_HOUR, now, HOUR_MS);

  r.use(async (ctx, next) => {
    ctx.state.errorFormat = bitpayErrorBody;
    try {
      await next();
    } finally {
      // An invoice carries its token and page capability: never kept by a cache.
      ctx.set('Cache-Control', 'no-store');
    }
  });
  r.use(authenticate(deps.keys, basicKey, 'HTTP Basic auth (the API key as user name, an empty password)'));
  r.use(deps.limiter.middleware());

  const pageBase = (ctx: TillContext) => pageBaseOf(ctx, deps.settings.publicUrl);
  const send = (ctx: TillContext, inv: Invoice, base: string, depth: number) => {
    ctx.status = 200;
    ctx.type = 'application/json';
    ctx.body = toJson(presentInvoice(inv, { now: now(), url: checkoutUrl(base, inv.publicId), depth }));
  };

  const create = validate({ query: s.noQuery, body: s.createInvoice }, async (ctx, { body: b }) => {
    const currency = parseCurrency(b.currency.toUpperCase(), 'currency');
    const minor = parseMoney(b.price, currency, 'price', { allowZero: false });
    if (b.redirectURL !== undefined) checkRedirectUrl(b.redirectURL, 'redirectURL');
    const notificationURL = b.notificationURL === undefined ? undefined : await deps.webhooks.checkReceiverUrl(b.notificationURL, 'notificationURL');
    // Counted once the request is sound, and given back when no invoice is made (no
    // wallet, no rate, dust): a plugin retrying through a fault keeps its hour.
    await perHour.admit(ctx, { headers: false, what: 'invoices' });
    const base = pageBase(ctx);
    const inv = await invoices.open({
      lines: [{ description: b.itemDesc ?? DEFAULT_DESCRIPTION, quantity: '1', unit_price: formatMoney(minor, currency) }],
      currency,
      customerName: b.buyerName ?? null,
      dialect: 'bitpay',
      dialectData: dataOf(b, notificationURL) as Record<string, unknown>,
      pageBase: base,
      apiKeyId: apiKeyOf(ctx).id,
    }, {
      quoteMinutes: BITPAY_QUOTE_MINUTES,
      ...(b.transactionSpeed !== undefined && { confirmations: TRANSACTION_SPEEDS[b.transactionSpeed] }),
    }).catch(async (err: unknown) => {
      await perHour.giveBack(apiKeyOf(ctx).id);
      throw err;
    });
    send(ctx, inv, base, 0);
  });

  const get = validate({ query: s.noQuery }, async (ctx: RouteContext) => {
    const inv = await invoices.getByBitpayId(ctx.params.id!);
    // Never finalized (a v1 draft, cancelled or marked paid as a wire transfer): no price in
    // BTC and no address, so no BitPay face.
    if (statusIn('bitpay', inv.status) === null || inv.dueSats === null) throw new TillError('invoice_not_found', `Invoice ${inv.bitpayId} not found`);
    const depth = inv.status === 'confirmed' ? depthOf(await invoices.payments(inv), inv.dueSats) : 0;
    send(ctx, inv, pageBase(ctx), depth);
  });

  const refuse = (allow: string): TillMiddleware => async (ctx) => {
    ctx.set('Allow', allow);
    throw new TillError('method_not_allowed', `Method ${ctx.method} is not allowed on ${ctx.path}`);
  };
  const nothingHere: TillMiddleware = async (ctx) => {
    throw new TillError('not_found', `No such endpoint: ${ctx.method} ${ctx.path}`);
  };

  for (const m of BITPAY_MOUNTS) {
    r.post(m, requireScope('invoices:write'), asForm, create);
    r.get(`${m}/:id`, requireScope('invoices:read'), get);
    // Everything else under the mounts answers in BitPay's error shape too.
    r.all(m, refuse('POST'));
    r.all(`${m}/:id`, refuse('GET, HEAD'));
    r.all(`${m}/{*rest}`, nothingHere);
  }
  return r;
}
