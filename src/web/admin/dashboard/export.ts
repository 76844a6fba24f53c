import { Readable } from 'node:stream';
import type { Context } from 'koa';
import { TillError } from '../../../domain/errors.js';
import { INVOICE_STATUSES, type InvoiceStatus } from '../../../domain/invoice.js';
import { DAY_MS } from '../../../invoicing/reports.js';
import type { AdminContext, AdminRouter } from '../http.js';
import type { AdminDeps } from '../ports.js';

/**
 * The merchant's CSV exports, for their accounts: `GET /admin/export/invoices.csv` and
 * `/admin/export/payments.csv`, each `?from=YYYY-MM-DD&to=YYYY-MM-DD` (UTC days, both
 * included; either may be left out), invoices also `&status=`. Streamed: the rows are read
 * a page at a time as the response drains, so the export of a year costs one page of memory.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A UTC day "2026-03-13" as its midnight (ms); null when empty; a TillError when not a date. */
export function dayOf(v: unknown, field: string): number | null {
  if (v === undefined || v === '') return null;
  const m = typeof v === 'string' ? DATE.exec(v) : null;
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== v) {
    throw new TillError('validation_failed', `${field} must be a date as YYYY-MM-DD`, { field });
  }
  return ms;
}

/** from/to of a request: [from's midnight, the midnight after `to`). */
export function rangeOf(ctx: Context): { from: number | null; to: number | null; label: string } {
  const one = (k: string) => {
    const v = ctx.query[k];
    if (Array.isArray(v)) throw new TillError('validation_failed', `${k} is given twice`, { field: k });
    return v;
  };
  const from = dayOf(one('from'), 'from');
  const toDay = dayOf(one('to'), 'to');
  if (from !== null && toDay !== null && toDay < from) {
    throw new TillError('validation_failed', 'to must not be before from', { field: 'to' });
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const label = from === null && toDay === null ? '' : `${from === null ? 'start' : day(from)}-to-${toDay === null ? 'now' : day(toDay)}`;
  return { from, to: toDay === null ? null : toDay + DAY_MS, label };
}

function statusOf(ctx: Context): InvoiceStatus | null {
  const s = ctx.query.status;
  if (s === undefined || s === '' || s === 'any') return null;
  if (typeof s !== 'string' || !(INVOICE_STATUSES as readonly string[]).includes(s)) {
    throw new TillError('validation_failed', `status must be one of ${INVOICE_STATUSES.join(', ')}`, { field: 'status' });
  }
  return s as InvoiceStatus;
}

/** "till-invoices-paid-2026-01-01-to-2026-01-31", or dated today when the range is open. */
function fileName(deps: AdminDeps, parts: (string | null)[], label: string): string {
  return [...parts, label || new Date(deps.now()).toISOString().slice(0, 10)].filter(Boolean).join('-');
}

function sendCsv(ctx: AdminContext, deps: AdminDeps, name: string, rows: AsyncGenerator<string>): void {
  ctx.status = 200;
  ctx.type = 'text/csv; charset=utf-8';
  ctx.set('Content-Disposition', `attachment; filename="${name}.csv"`);
  const onError = deps.onError;
  async function* guarded(): AsyncGenerator<string> {
    try {
      yield* rows;
    } catch (e) {
      // The headers are gone: the download ends short, and the log says why.
      onError?.(e);
      throw e;
    }
  }
  // One page read ahead at most: the next is read when the socket has taken this one.
  ctx.body = Readable.from(guarded(), { highWaterMark: 1 });
}

export function registerExports(r: AdminRouter, deps: AdminDeps): void {
  r.get('/export/invoices.csv', async (ctx) => {
    const range = rangeOf(ctx);
    const status = statusOf(ctx);
    await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'export.invoices', null, {
      from: ctx.query.from || null, to: ctx.query.to || null, status,
    });
    const name = fileName(deps, ['till-invoices', status], range.label);
    sendCsv(ctx, deps, name, deps.reports.invoicesCsv({ from: range.from, to: range.to, status }));
  });
  r.get('/export/payments.csv', async (ctx) => {
    const range = rangeOf(ctx);
    await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'export.payments', null, {
      from: ctx.query.from || null, to: ctx.query.to || null,
    });
    const name = fileName(deps, ['till-payments'], range.label);
    sendCsv(ctx, deps, name, deps.reports.paymentsCsv({ from: range.from, to: range.to }));
  });
}
