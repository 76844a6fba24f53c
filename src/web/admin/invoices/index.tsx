import { TillError } from '../../../domain/errors.js';
import type { Invoice } from '../../../domain/invoice.js';
import { formatMoney } from '../../../domain/money.js';
import { actorOf, redirectWith, type AdminContext, type AdminModule } from '../http.js';
import { formOf } from '../forms.js';
import type { AdminDeps } from '../ports.js';
import { INVOICES_SCRIPT, INVOICES_STYLESHEET } from './assets.js';
import { invoicePath } from './common.js';
import { createPage, createPost, emptyForm } from './create.js';
import { detailPage } from './detail.js';
import { listPage } from './list.js';

/** An expected refusal (not a draft any more, no wallet…) as the detail page with the reason on top. */
async function refused(ctx: AdminContext, deps: AdminDeps, ref: string, e: unknown): Promise<void> {
  if (!(e instanceof TillError) || e.code === 'internal' || /_not_found$/.test(e.code)) throw e;
  const inv = await deps.invoices.get(ref);
  await detailPage(ctx, deps, inv, { status: 400, flash: { text: e.message, bad: true } });
}


/**
 * `/admin/invoices`: the list with its filters and search, one invoice with its payments,
 * events and deliveries, a new invoice, and finalize / cancel / mark paid.
 */
export const invoicesModule: AdminModule = {
  assets: [INVOICES_STYLESHEET, INVOICES_SCRIPT],
  register(r, deps) {
    r.get('/invoices', (ctx) => listPage(ctx, deps));

    r.get('/invoices/new', (ctx) => createPage(ctx, deps, emptyForm(deps.invoiceBrowser.defaultCurrency), [], 200));
    r.post('/invoices/new', (ctx) => createPost(ctx, deps));

    r.get('/invoices/:ref', async (ctx) => {
      await detailPage(ctx, deps, await deps.invoices.get(ctx.params.ref!));
    });

    r.post('/invoices/:ref/finalize', async (ctx) => {
      const ref = ctx.params.ref!;
      let inv: Invoice;
      try {
        inv = await deps.invoices.finalize(ref);
      } catch (e) {
        return refused(ctx, deps, ref, e);
      }
      await deps.audit.record(actorOf(ctx), 'invoice.finalized', inv.number, { due_btc_sats: inv.dueSats?.toString() ?? null, rate: inv.rate });
      redirectWith(ctx, invoicePath(inv.ref), `Invoice ${inv.number} finalized.`);
    });

    r.post('/invoices/:ref/cancel', async (ctx) => {
      const ref = ctx.params.ref!;
      let inv: Invoice;
      try {
        inv = await deps.invoices.cancel(ref);
      } catch (e) {
        return refused(ctx, deps, ref, e);
      }
      await deps.audit.record(actorOf(ctx), 'invoice.cancelled', inv.number, { total: formatMoney(inv.total, inv.currency), currency: inv.currency });
      redirectWith(ctx, invoicePath(inv.ref), `Invoice ${inv.number} cancelled.`);
    });

    r.post('/invoices/:ref/mark-paid', async (ctx) => {
      const ref = ctx.params.ref!;
      const note = (formOf(ctx).note ?? '').replace(/\r\n/g, '\n').trim();
      const problem = note === '' ? 'Say what came in (the bank, the reference, the amount): it is kept with the invoice.'
        : note.length > 500 ? 'Keep the note to 500 characters.' : null;
      if (problem) {
        const current = await deps.invoices.get(ref);
        return detailPage(ctx, deps, current, { status: 400, flash: null, markErrors: [{ field: 'note', message: problem }], markNote: note });
      }
      let inv: Invoice;
      try {
        inv = await deps.invoices.markPaid(ref, { apiKeyId: null, note });
      } catch (e) {
        return refused(ctx, deps, ref, e);
      }
      await deps.audit.record(actorOf(ctx), 'invoice.marked_paid', inv.number, { note, total: formatMoney(inv.total, inv.currency), currency: inv.currency });
      redirectWith(ctx, invoicePath(inv.ref), `Invoice ${inv.number} marked paid.`);
    });
  },
};
