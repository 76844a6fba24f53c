import type { Knex } from 'knex';
import type { Dialect, Invoice, InvoiceStatus } from '../domain/invoice.js';
import { formatInvoiceNumber } from '../domain/ids.js';
import { toBig, toBigOrNull, toNum, toNumOrNull, type Row } from './rows.js';
import { fitsInteger, storableText } from './errors.js';

type Q = Knex | Knex.Transaction;

/**
 * What the merchant UI's invoice list reads: invoices filtered by status, dialect, date
 * and one search term (number, ref, customer, payment address, txid), newest first; and
 * an invoice's events with the deliveries made of them.
 */

export interface InvoiceFilter {
  statuses?: readonly InvoiceStatus[];
  dialects?: readonly Dialect[];
  /** created_at ≥ this (ms). */
  createdFrom?: number;
  /** created_at < this (ms). */
  createdBefore?: number;
  /** The search box, already split into what it may be. */
  search?: {
    text: string;
    seq: number | null;
    id: number | null;
    ref: string | null;
  };
}

export type InvoiceListRow = Pick<
  Invoice,
  | 'id' | 'number' | 'ref' | 'status' | 'exception' | 'currency' | 'total' | 'dueSats' | 'paidSats'
  | 'customerName' | 'customerEmail' | 'customerCompany' | 'dialect' | 'createdAt'
>;

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function browseInvoices(
  q: Q,
  f: InvoiceFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: InvoiceListRow[]; total: number }> {
  const base = q('invoices as i').leftJoin('addresses as a', 'a.id', 'i.address_id');
  if (f.statuses?.length) base.whereIn('i.status', f.statuses as InvoiceStatus[]);
  if (f.dialects?.length) base.whereIn('i.dialect', f.dialects as Dialect[]);
  if (f.createdFrom !== undefined) base.where('i.created_at', '>=', f.createdFrom);
  if (f.createdBefore !== undefined) base.where('i.created_at', '<', f.createdBefore);
  const s = f.search;
  // Text PostgreSQL cannot hold matches nothing (errors.ts); a number past an integer
  // column matches nothing in it.
  if (s && !storableText(s.text)) return { rows: [], total: 0 };
  if (s) {
    const like = `%${likeEscape(s.text.toLowerCase())}%`;
    base.where((w) => {
      if (s.seq !== null && fitsInteger(s.seq)) w.orWhere('i.seq', s.seq);
      if (s.id !== null && fitsInteger(s.id)) w.orWhere('i.id', s.id);
      if (s.ref !== null) w.orWhere('i.ref', s.ref);
      w.orWhereRaw("lower(i.customer_email) LIKE ? ESCAPE '\\'", [like]);
      w.orWhereRaw("lower(i.customer_name) LIKE ? ESCAPE '\\'", [like]);
      w.orWhereRaw("lower(i.customer_company) LIKE ? ESCAPE '\\'", [like]);
      w.orWhere('a.address', s.text);
      // Bech32 addresses are kept in lower case; a QR code shows them in upper case.
      w.orWhere('a.address', s.text.toLowerCase());
      w.orWhereExists((e) => e.select(q.raw('1')).from('payments as p').whereRaw('p.invoice_id = i.id').andWhere('p.txid', s.text.toLowerCase()));
    });
  }
  const [countRow] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows: Row[] = await base
    .clone()
    .select(
      'i.id', 'i.seq', 'i.ref', 'i.status', 'i.exception', 'i.currency', 'i.total', 'i.due_sats', 'i.paid_sats',
      'i.customer_name', 'i.customer_email', 'i.customer_company', 'i.dialect', 'i.created_at',
    )
    .orderBy('i.id', 'desc')
    .limit(page.limit)
    .offset(page.offset);
  return {
    total: toNum(countRow.n),
    rows: rows.map((r) => ({
      id: toNum(r.id),
      number: formatInvoiceNumber(toNum(r.seq)),
      ref: String(r.ref),
      status: r.status as InvoiceStatus,
      exception: (r.exception as Invoice['exception']) ?? null,
      currency: String(r.currency),
      total: toBig(r.total),
      dueSats: toBigOrNull(r.due_sats),
      paidSats: toBig(r.paid_sats),
      customerName: (r.customer_name as string | null) ?? null,
      customerEmail: (r.customer_email as string | null) ?? null,
      customerCompany: (r.customer_company as string | null) ?? null,
      dialect: r.dialect as Dialect,
      createdAt: toNum(r.created_at),
    })),
  };
}

export interface InvoiceEventRow {
  id: number;
  eventId: string;
  type: string;
  createdAt: number;
}

export interface InvoiceDeliveryRow {
  id: number;
  outboxId: number;
  eventType: string;
  targetKind: string;
  target: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
}

/** The invoice's events in the outbox, oldest first (without their payloads). */
export async function eventsOfInvoice(q: Q, invoiceId: number): Promise<InvoiceEventRow[]> {
  const rows: Row[] = await q('outbox').select('id', 'event_id', 'type', 'created_at').where('invoice_id', invoiceId).orderBy('id');
  return rows.map((r) => ({ id: toNum(r.id), eventId: String(r.event_id), type: String(r.type), createdAt: toNum(r.created_at) }));
}

/** Every delivery (webhook, IPN, email) made of those events. */
export async function deliveriesOfEvents(q: Q, outboxIds: readonly number[]): Promise<InvoiceDeliveryRow[]> {
  if (outboxIds.length === 0) return [];
  const rows: Row[] = await q('deliveries')
    .select('id', 'outbox_id', 'event_type', 'target_kind', 'target', 'status', 'attempts', 'last_status_code', 'last_error', 'last_attempt_at', 'delivered_at')
    .whereIn('outbox_id', outboxIds as number[])
    .orderBy('id');
  return rows.map((r) => ({
    id: toNum(r.id),
    outboxId: toNum(r.outbox_id),
    eventType: String(r.event_type),
    targetKind: String(r.target_kind),
    target: String(r.target),
    status: String(r.status),
    attempts: toNum(r.attempts),
    lastStatusCode: toNumOrNull(r.last_status_code),
    lastError: (r.last_error as string | null) ?? null,
    lastAttemptAt: toNumOrNull(r.last_attempt_at),
    deliveredAt: toNumOrNull(r.delivered_at),
  }));
}
