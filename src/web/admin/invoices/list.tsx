import type { Child } from 'hono/jsx';
import type { Dialect, InvoiceStatus } from '../../../domain/invoice.js';
import { INVOICE_STATUSES } from '../../../domain/invoice.js';
import type { BrowseQuery, InvoiceListRow } from '../../../invoicing/invoice-browser.js';
import { csrfOf, flashOf, sendPage, type AdminContext } from '../http.js';
import { AdminPage, when } from '../layout.js';
import type { AdminDeps } from '../ports.js';
import { btc, invoicePath, InvoiceStyles, money, StatusChip } from './common.js';

export const PAGE_SIZE = 50;
export const DIALECTS: readonly Dialect[] = ['v1', 'checkout', 'bitpay', 'link'];
export const DIALECT_LABEL: Record<Dialect, string> = { v1: 'v1 API / this UI', checkout: 'Checkout API', bitpay: 'BitPay API', link: 'Payment link' };

/** The list's filters as typed (kept in the form and the paging links). */
export interface ListParams {
  status: string;
  dialect: string;
  from: string;
  to: string;
  q: string;
  page: number;
}

const DAY = 86_400_000;

/** "2026-11-28" → ms at 00:00 UTC, or null when it is not a real date. */
function parseDay(text: string): number | null {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms : null;
}

/**
 * The query string as filters. A value that is not one (an unknown status, a date that is
 * no date, a repeated field) is dropped with a message: the list still shows.
 */
export function parseListQuery(query: Record<string, string | string[] | undefined>): { params: ListParams; browse: BrowseQuery; problems: string[] } {
  const problems: string[] = [];
  const one = (name: string, label: string): string => {
    const v = query[name];
    if (v === undefined) return '';
    if (Array.isArray(v)) {
      problems.push(`${label}: give one value, not ${v.length}.`);
      return '';
    }
    return v.trim().slice(0, 200);
  };
  const params: ListParams = { status: one('status', 'Status'), dialect: one('dialect', 'Made by'), from: one('from', 'Created from'), to: one('to', 'Created to'), q: one('q', 'Search'), page: 1 };
  const browse: BrowseQuery = { limit: PAGE_SIZE, offset: 0 };

  if (params.status) {
    if ((INVOICE_STATUSES as readonly string[]).includes(params.status)) browse.statuses = [params.status as InvoiceStatus];
    else {
      problems.push(`There is no status "${params.status}"; showing every status.`);
      params.status = '';
    }
  }
  if (params.dialect) {
    if ((DIALECTS as readonly string[]).includes(params.dialect)) browse.dialects = [params.dialect as Dialect];
    else {
      problems.push(`"${params.dialect}" is not one of ${DIALECTS.join(', ')}; showing invoices made every way.`);
      params.dialect = '';
    }
  }
  let from: number | null = null;
  let to: number | null = null;
  if (params.from) {
    from = parseDay(params.from);
    if (from === null) {
      problems.push(`"${params.from}" is not a date (YYYY-MM-DD); the start date is left out.`);
      params.from = '';
    }
  }
  if (params.to) {
    to = parseDay(params.to);
    if (to === null) {
      problems.push(`"${params.to}" is not a date (YYYY-MM-DD); the end date is left out.`);
      params.to = '';
    }
  }
  if (from !== null && to !== null && from > to) {
    problems.push('The start date is after the end date; both are left out.');
    from = null;
    to = null;
    params.from = '';
    params.to = '';
  }
  if (from !== null) browse.createdFrom = from;
  if (to !== null) browse.createdBefore = to + DAY;
  if (params.q) browse.search = params.q;

  const page = one('page', 'Page');
  if (page) {
    if (/^[0-9]{1,6}$/.test(page) && Number(page) >= 1) params.page = Number(page);
    else problems.push(`"${page}" is not a page number; showing the first page.`);
  }
  browse.offset = (params.page - 1) * PAGE_SIZE;
  return { params, browse, problems };
}

/** The list URL with these filters and page (empty ones left out). */
export function listUrl(p: ListParams, page: number): string {
  const q = new URLSearchParams();
  for (const k of ['q', 'status', 'dialect', 'from', 'to'] as const) if (p[k]) q.set(k, p[k]);
  if (page > 1) q.set('page', String(page));
  const s = q.toString();
  return s ? `/admin/invoices?${s}` : '/admin/invoices';
}

function Filters({ p }: { p: ListParams }): Child {
  return (
    <form method="get" action="/admin/invoices" class="card filters" role="search" aria-label="Filter invoices">
      <div class="grow">
        <label for="q">Search</label>
        <input type="search" id="q" name="q" value={p.q} placeholder="INV-0001, ref, email, address or txid" maxlength={200} aria-describedby="q-hint" />
        <p id="q-hint" class="hint">An invoice number, ref or id; a customer's email, name or company; a payment address or a transaction id. Dates are UTC.</p>
      </div>
      <div>
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="" selected={p.status === ''}>Any</option>
          {INVOICE_STATUSES.map((s) => <option value={s} selected={p.status === s}>{s}</option>)}
        </select>
      </div>
      <div>
        <label for="dialect">Made by</label>
        <select id="dialect" name="dialect">
          <option value="" selected={p.dialect === ''}>Any</option>
          {DIALECTS.map((d) => <option value={d} selected={p.dialect === d}>{DIALECT_LABEL[d]}</option>)}
        </select>
      </div>
      <div>
        <label for="from">Created from</label>
        <input type="date" id="from" name="from" value={p.from} />
      </div>
      <div>
        <label for="to">Created to</label>
        <input type="date" id="to" name="to" value={p.to} />
      </div>
      <div class="buttons">
        <button type="submit">Filter</button>
        <a href="/admin/invoices">Clear</a>
      </div>
    </form>
  );
}

function customerOf(r: InvoiceListRow): string {
  return [r.customerName, r.customerCompany, r.customerEmail].filter((x) => x).join(' · ') || '—';
}

function Table({ rows }: { rows: InvoiceListRow[] }): Child {
  return (
    <div class="table-wrap">
      <table class="collapse">
        <thead>
          <tr><th>Number</th><th>Status</th><th>Customer</th><th class="num">Total</th><th class="num">BTC due</th><th class="num">BTC paid</th><th>Created</th></tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              <td class="first nowrap" data-label="Number"><a href={invoicePath(r.ref)}>{r.number}</a></td>
              <td data-label="Status"><span><StatusChip status={r.status} exception={r.exception} /></span></td>
              <td data-label="Customer"><span>{customerOf(r)}</span></td>
              <td class="num" data-label="Total">{money(r.total, r.currency)}</td>
              <td class="num" data-label="BTC due">{btc(r.dueSats)}</td>
              <td class="num" data-label="BTC paid">{btc(r.paidSats)}</td>
              <td class="nowrap" data-label="Created">{when(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `GET /admin/invoices`: the list, newest first, 50 a page, with its filters in the URL. */
export async function listPage(ctx: AdminContext, deps: AdminDeps): Promise<void> {
  const { params, browse, problems } = parseListQuery(ctx.query);
  const { rows, total } = await deps.invoiceBrowser.list(browse);
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const filtered = Boolean(params.q || params.status || params.dialect || params.from || params.to);
  const first = total === 0 ? 0 : browse.offset + 1;
  const last = browse.offset + rows.length;
  sendPage(ctx, problems.length ? 400 : 200, (
    <AdminPage title="Invoices" section="/admin/invoices" csrf={csrfOf(ctx)} shopName={deps.settings.shopName()} flash={flashOf(ctx)}>
      <InvoiceStyles />
      <div class="inv-head">
        <h1>Invoices</h1>
        <a class="button" href="/admin/invoices/new">New invoice</a>
      </div>
      {problems.length ? <div class="flash bad" role="alert">{problems.map((m) => <p>{m}</p>)}</div> : null}
      <Filters p={params} />
      <section class="card" aria-labelledby="list-h">
        <h2 id="list-h" class="sr">Invoices found</h2>
        <p class="count muted" role="status">
          {total === 0
            ? (filtered ? 'No invoice matches these filters.' : 'No invoices yet.')
            : `${first}–${last} of ${total} invoice${total === 1 ? '' : 's'}${filtered ? ' matching' : ''}`}
        </p>
        {rows.length ? <Table rows={rows} /> : null}
        {pages > 1 || params.page > 1 ? (
          <nav class="pager" aria-label="Pages">
            {params.page > 1 ? <a href={listUrl(params, params.page - 1)} rel="prev">← Newer</a> : <span />}
            <span class="muted">Page {params.page} of {pages}</span>
            {params.page < pages ? <a href={listUrl(params, params.page + 1)} rel="next">Older →</a> : <span />}
          </nav>
        ) : null}
      </section>
    </AdminPage>
  ));
}
