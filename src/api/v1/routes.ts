import Router from '@koa/router';
import { TillError } from '../../domain/errors.js';
import { shownUrl } from '../../domain/notification.js';
import { apiKeyOf, authenticate, bearerKey, requireKey, requireScope } from '../auth.js';
import { toPlainJson } from '../body.js';
import { idempotency } from '../idempotency.js';
import { pageBaseOf } from '../page-base.js';
import type { ErrorFormatter } from '../errors.js';
import { validate } from '../validate.js';
import type { ApiDeps } from '../deps.js';
import type { RouteContext, TillState } from '../state.js';
import {
  coreStatuses, presentAttempt, presentDelivery, presentInvoice, presentLink, presentPayment, presentStatus, presentWebhook,
} from './present.js';
import type { V1Schemas } from './schemas.js';

/** Seed 000's error body: `{"error": "message"}`, with Till's stable code beside it. */
const v1ErrorBody: ErrorFormatter = (e) => ({ error: e.message, code: e.code });

const meta = (m: Record<string, unknown> | null | undefined) =>
  m === undefined || m === null ? null : (toPlainJson(m) as Record<string, unknown>);

/** The native dialect (seed 000): schema in, core call, v1 shape out. */
export function v1Router(deps: ApiDeps, s: V1Schemas): Router<TillState> {
  // Case-sensitive like the router-level middleware below: a case-insensitive route
  // matched /api/V1/... while authenticate, the limiter and idempotency did not run.
  const r = new Router<TillState>({ prefix: '/api/v1', sensitive: true });
  const { invoices, links, webhooks, rates } = deps;
  const base = (ctx: RouteContext) => pageBaseOf(ctx, deps.settings.publicUrl);
  /** The merchant's audit log, as the UI writes it: the key that did it, by its prefix. */
  const audit = async (ctx: RouteContext, action: string, subject: string, detail: Record<string, unknown> | null = null) =>
    deps.audit?.record({ actor: `api key ${apiKeyOf(ctx).prefix}`, ip: ctx.ip || null }, action, subject, detail);

  r.use(async (ctx, next) => {
    ctx.state.errorFormat = v1ErrorBody;
    await next();
  });
  r.use(authenticate(deps.keys, bearerKey, 'Authorization: Bearer <key>'));
  r.use(deps.limiter.middleware());
  r.use(idempotency(deps.db, deps.now));

  const noBody = { query: s.noQuery, body: s.empty, bodyOptional: true };

  r.get('/invoices', requireScope('invoices:read'), validate({ query: s.listInvoices }, async (ctx, { query: q }) => {
    const { invoices: list, total } = await invoices.list({
      statuses: q.status ? coreStatuses(q.status) : undefined,
      limit: q.limit,
      offset: q.offset,
    });
    ctx.body = { invoices: list.map((inv) => presentInvoice(inv, base(ctx))), total, limit: q.limit, offset: q.offset };
  }));

  r.post('/invoices', requireScope('invoices:write'), validate({ query: s.noQuery, body: s.createInvoice }, async (ctx, { body: b }) => {
    const inv = await invoices.create({
      lines: b.lines,
      currency: b.currency?.toUpperCase(),
      taxRate: b.tax_rate,
      discountAmount: b.discount_amount,
      customerEmail: b.customer_email ?? null,
      customerName: b.customer_name ?? null,
      customerCompany: b.customer_company ?? null,
      notes: b.notes ?? null,
      paymentMethods: b.payment_methods,
      metadata: meta(b.metadata),
      dialect: 'v1',
      pageBase: base(ctx),
      apiKeyId: apiKeyOf(ctx).id,
    });
    ctx.status = 201;
    ctx.body = presentInvoice(inv, base(ctx));
  }));

  r.get('/invoices/:ref', requireScope('invoices:read'), validate({ query: s.getInvoice }, async (ctx, { query: q }) => {
    const inv = await invoices.get(ctx.params.ref!);
    ctx.body = q.include_payments
      ? { ...presentInvoice(inv, base(ctx)), payments: (await invoices.payments(inv)).map(presentPayment) }
      : presentInvoice(inv, base(ctx));
  }));

  r.get('/invoices/:ref/status', requireScope('invoices:read'), validate({ query: s.noQuery }, async (ctx) => {
    ctx.body = presentStatus(await invoices.summary(ctx.params.ref!));
  }));

  r.post('/invoices/:ref/finalize', requireScope('invoices:write'), validate(noBody, async (ctx) => {
    ctx.body = presentInvoice(await invoices.finalize(ctx.params.ref!), base(ctx));
  }));

  r.post('/invoices/:ref/mark-paid', requireScope('invoices:write'),
    validate({ query: s.noQuery, body: s.markPaid, bodyOptional: true }, async (ctx, { body: b }) => {
      const key = apiKeyOf(ctx);
      const inv = await invoices.markPaid(ctx.params.ref!, { apiKeyId: key.id, note: b.note ?? null });
      ctx.state.log.info({ invoice: inv.number, api_key: key.prefix }, 'invoice marked paid by hand');
      await audit(ctx, 'invoice.marked_paid', inv.number, { note: b.note ?? null });
      ctx.body = presentInvoice(inv, base(ctx));
    }));

  r.delete('/invoices/:ref', requireScope('invoices:write'), validate({ query: s.noQuery }, async (ctx) => {
    const inv = await invoices.cancel(ctx.params.ref!);
    await audit(ctx, 'invoice.cancelled', inv.number);
    ctx.body = { ok: true, status: inv.status };
  }));

  r.get('/payment-links', requireScope('invoices:read'), validate({ query: s.noQuery }, async (ctx) => {
    ctx.body = { payment_links: (await links.list()).map(presentLink) };
  }));

  r.post('/payment-links', requireScope('links:write'), validate({ query: s.noQuery, body: s.createLink }, async (ctx, { body: b }) => {
    const link = await links.create({
      title: b.title,
      slug: b.slug,
      description: b.description ?? null,
      amount: b.amount,
      minAmount: b.min_amount,
      maxAmount: b.max_amount,
      currency: b.currency?.toUpperCase(),
      paymentMethods: b.payment_methods,
      redirectUrl: b.redirect_url ?? null,
      metadata: meta(b.metadata),
    });
    await audit(ctx, 'link.created', link.slug, { ref: link.ref, title: link.title });
    ctx.status = 201;
    ctx.body = presentLink(link);
  }));

  r.delete('/payment-links/:slug', requireScope('links:write'), validate({ query: s.noQuery }, async (ctx) => {
    await links.remove(ctx.params.slug!);
    await audit(ctx, 'link.deactivated', ctx.params.slug!);
    ctx.body = { ok: true };
  }));

  r.get('/rates', requireKey(), validate({ query: s.noQuery }, async (ctx) => {
    const list = await rates.listRates();
    ctx.body = {
      rates: list.map((x) => ({
        currency: x.currency,
        rate: x.rate,
        sources: x.sources,
        fetched_at: x.fetchedAt.toISOString(),
      })),
    };
  }));

  r.get('/webhooks', requireScope('webhooks:write'), validate({ query: s.noQuery }, async (ctx) => {
    ctx.body = { webhooks: (await webhooks.list()).map(presentWebhook) };
  }));

  r.post('/webhooks', requireScope('webhooks:write'), validate({ query: s.noQuery, body: s.createWebhook }, async (ctx, { body: b }) => {
    const w = await webhooks.create({ url: b.url, events: b.events, description: b.description ?? null });
    await audit(ctx, 'webhook.created', `${w.id} ${shownUrl(w.url)}`, { id: w.id, url: shownUrl(w.url), events: w.events });
    ctx.status = 201;
    ctx.body = { ...presentWebhook(w), secret: w.secret };
  }));

  const hookId = (ctx: RouteContext): number => {
    const id = ctx.params.id!;
    if (!/^[0-9]{1,12}$/.test(id)) throw new TillError('webhook_not_found', `Webhook ${id} not found`);
    return Number(id);
  };

  r.delete('/webhooks/:id', requireScope('webhooks:write'), validate({ query: s.noQuery }, async (ctx) => {
    await webhooks.remove(hookId(ctx));
    await audit(ctx, 'webhook.deleted', String(hookId(ctx)), { id: hookId(ctx) });
    ctx.body = { ok: true };
  }));

  r.get('/webhooks/:id/deliveries', requireScope('webhooks:write'), validate({ query: s.page }, async (ctx, { query: q }) => {
    const { deliveries, total } = await webhooks.deliveries(hookId(ctx), q);
    ctx.body = { deliveries: deliveries.map(presentDelivery), total, limit: q.limit, offset: q.offset };
  }));

  r.get('/webhooks/:id/deliveries/:delivery', requireScope('webhooks:write'), validate({ query: s.noQuery }, async (ctx) => {
    const { delivery, attempts } = await webhooks.delivery(hookId(ctx), ctx.params.delivery!);
    ctx.body = { ...presentDelivery(delivery), attempt_log: attempts.map(presentAttempt) };
  }));

  r.post('/webhooks/:id/deliveries/:delivery/redeliver', requireScope('webhooks:write'), validate(noBody, async (ctx) => {
    ctx.status = 202;
    ctx.body = presentDelivery(await webhooks.redeliver(hookId(ctx), ctx.params.delivery!));
  }));

  r.post('/webhooks/:id/test', requireScope('webhooks:write'), validate(noBody, async (ctx) => {
    ctx.status = 202;
    ctx.body = presentDelivery(await webhooks.test(hookId(ctx)));
  }));

  r.post('/webhooks/:id/rotate-secret', requireScope('webhooks:write'), validate(noBody, async (ctx) => {
    const w = await webhooks.rotateSecret(hookId(ctx));
    await audit(ctx, 'webhook.secret_rotated', `${w.id} ${shownUrl(w.url)}`, { id: w.id, url: shownUrl(w.url) });
    ctx.body = { ...presentWebhook(w), secret: w.secret };
  }));

  return r;
}
