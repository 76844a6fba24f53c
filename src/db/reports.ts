import type { Knex } from 'knex';
import type { InvoiceException, InvoiceStatus } from '../domain/invoice.js';
import type { PaymentStatus } from '../domain/payment.js';
import { rowsOf } from './fast.js';
import { toBig, toBigOrNull, toNum, toNumOrNull, type Row } from './rows.js';

/**
 * The merchant's reports: sums the database works out (GROUP BY, never rows carried into
 * JS to be added up), and the exports read page by page on an index, (time, id) after
 * (time, id), so a year of a busy shop is never in memory at once.
 *
 * "Received" is when the money moved by the chain's account (mempool entry or block time),
 * or when Till saw it for rows older than that column: `COALESCE(moved_at, seen_at)`,
 * written exactly as migration 0008 indexes it. A standing payment is one neither
 * replaced nor reorged (`NOT IN` on purpose: an IN on status would tempt SQLite onto the
 * status index and a scan of every standing payment ever).
 */

type Q = Knex | Knex.Transaction;

const RECEIVED = 'COALESCE(p.moved_at, p.seen_at)';
const STANDING = "p.status NOT IN ('replaced', 'reorged')";

export interface ReceivedGroup {
  /** Days since `start` (0 = the first day). */
  day: number;
  /** The invoice's currency and locked rate; null for a payment to no invoice, or an invoice never quoted. */
  currency: string | null;
  rate: string | null;
  sats: bigint;
  count: number;
}

/**
 * Standing payments received in [start, start + days × dayMs), summed per day and per
 * (invoice currency, locked rate): the rows are as many as the distinct rates of the
 * window, and the fiat value of each group is exact from its integer sum.
 */
export async function receivedByDay(q: Q, o: { start: number; days: number; dayMs: number }): Promise<ReceivedGroup[]> {
  const end = o.start + o.days * o.dayMs;
  const rows = await rowsOf(
    q,
    // The casts: a driver may bind a JS number past 2^31 as a float, and the day must be an integer division.
    `SELECT (${RECEIVED} - CAST(? AS BIGINT)) / CAST(? AS BIGINT) AS day, i.currency AS currency, i.rate AS rate,
            SUM(p.sats) AS sats, COUNT(*) AS n
     FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
     WHERE ${RECEIVED} >= ? AND ${RECEIVED} < ? AND ${STANDING}
     GROUP BY day, i.currency, i.rate`,
    [o.start, o.dayMs, o.start, end],
  );
  return rows.map((r) => ({
    day: toNum(r.day),
    currency: (r.currency as string | null) ?? null,
    rate: (r.rate as string | null) ?? null,
    sats: toBig(r.sats),
    count: toNum(r.n),
  }));
}

export interface RecentPayment {
  txid: string;
  vout: number;
  sats: bigint;
  status: PaymentStatus;
  receivedAt: number;
  blockHeight: number | null;
  invoiceSeq: number | null;
  invoiceRef: string | null;
  currency: string | null;
  rate: string | null;
}

/** The latest payments by when they were received, standing or not, with their invoice. */
export async function recentPayments(q: Q, limit: number): Promise<RecentPayment[]> {
  const rows = await rowsOf(
    q,
    `SELECT p.txid, p.vout, p.sats, p.status, ${RECEIVED} AS received_at, p.block_height,
            i.seq AS invoice_seq, i.ref AS invoice_ref, i.currency, i.rate
     FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
     ORDER BY ${RECEIVED} DESC, p.id DESC LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({
    txid: String(r.txid),
    vout: toNum(r.vout),
    sats: toBig(r.sats),
    status: r.status as PaymentStatus,
    receivedAt: toNum(r.received_at),
    blockHeight: toNumOrNull(r.block_height),
    invoiceSeq: toNumOrNull(r.invoice_seq),
    invoiceRef: (r.invoice_ref as string | null) ?? null,
    currency: (r.currency as string | null) ?? null,
    rate: (r.rate as string | null) ?? null,
  }));
}

/** Where a page of an export ended: the next page starts after it. */
export interface Cursor {
  at: number;
  id: number;
}

export interface ExportRange {
  /** Inclusive lower bound, ms; null: from the first. */
  from: number | null;
  /** Exclusive upper bound, ms; null: to the last. */
  to: number | null;
}

export interface InvoiceExportRow {
  id: number;
  seq: number;
  ref: string;
  status: InvoiceStatus;
  exception: InvoiceException | null;
  currency: string;
  total: bigint;
  rate: string | null;
  dueSats: bigint | null;
  paidSats: bigint;
  customerEmail: string | null;
  createdAt: number;
  finalizedAt: number | null;
  paidAt: number | null;
  confirmedAt: number | null;
  /** Every transaction that paid it (standing or not), in the order they were seen. */
  txids: string[];
}

function rangeSql(column: string, r: ExportRange, after: Cursor | null, idColumn: string): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  if (r.from !== null) {
    sql.push(`${column} >= ?`);
    params.push(r.from);
  }
  if (r.to !== null) {
    sql.push(`${column} < ?`);
    params.push(r.to);
  }
  if (after) {
    // A row value comparison: SQLite and PostgreSQL both walk the (time, id) index with it.
    sql.push(`(${column}, ${idColumn}) > (?, ?)`);
    params.push(after.at, after.id);
  }
  return { sql, params };
}

/** One page of the invoices export, by (created_at, id), with the txids of its payments. */
export async function invoiceExportPage(
  q: Q,
  o: ExportRange & { status: InvoiceStatus | null; after: Cursor | null; limit: number },
): Promise<InvoiceExportRow[]> {
  const w = rangeSql('i.created_at', o, o.after, 'i.id');
  if (o.status !== null) {
    w.sql.push('i.status = ?');
    w.params.push(o.status);
  }
  const rows = await rowsOf(
    q,
    `SELECT i.id, i.seq, i.ref, i.status, i.exception, i.currency, i.total, i.rate, i.due_sats, i.paid_sats,
            i.customer_email, i.created_at, i.finalized_at, i.paid_at, i.confirmed_at
     FROM invoices i ${w.sql.length ? `WHERE ${w.sql.join(' AND ')}` : ''}
     ORDER BY i.created_at, i.id LIMIT ?`,
    [...w.params, o.limit],
  );
  const txids = new Map<number, string[]>();
  if (rows.length > 0) {
    const ids = rows.map((r) => toNum(r.id));
    const paid = await rowsOf(
      q,
      `SELECT invoice_id, txid FROM payments WHERE invoice_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
      ids,
    );
    for (const p of paid) {
      const id = toNum(p.invoice_id);
      let list = txids.get(id);
      if (!list) txids.set(id, (list = []));
      if (!list.includes(String(p.txid))) list.push(String(p.txid));
    }
  }
  return rows.map((r: Row) => ({
    id: toNum(r.id),
    seq: toNum(r.seq),
    ref: String(r.ref),
    status: r.status as InvoiceStatus,
    exception: (r.exception as InvoiceException | null) ?? null,
    currency: String(r.currency),
    total: toBig(r.total),
    rate: (r.rate as string | null) ?? null,
    dueSats: toBigOrNull(r.due_sats),
    paidSats: toBig(r.paid_sats),
    customerEmail: (r.customer_email as string | null) ?? null,
    createdAt: toNum(r.created_at),
    finalizedAt: toNumOrNull(r.finalized_at),
    paidAt: toNumOrNull(r.paid_at),
    confirmedAt: toNumOrNull(r.confirmed_at),
    txids: txids.get(toNum(r.id)) ?? [],
  }));
}

export interface PaymentExportRow {
  id: number;
  receivedAt: number;
  seenAt: number;
  confirmedAt: number | null;
  txid: string;
  vout: number;
  sats: bigint;
  status: PaymentStatus;
  blockHeight: number | null;
  invoiceSeq: number | null;
  currency: string | null;
  rate: string | null;
}

/** One page of the payments export, by (received, id), with its invoice's currency and locked rate. */
export async function paymentExportPage(q: Q, o: ExportRange & { after: Cursor | null; limit: number }): Promise<PaymentExportRow[]> {
  const w = rangeSql(RECEIVED, o, o.after, 'p.id');
  const rows = await rowsOf(
    q,
    `SELECT p.id, ${RECEIVED} AS received_at, p.seen_at, p.confirmed_at, p.txid, p.vout, p.sats, p.status, p.block_height,
            i.seq AS invoice_seq, i.currency, i.rate
     FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id
     ${w.sql.length ? `WHERE ${w.sql.join(' AND ')}` : ''}
     ORDER BY ${RECEIVED}, p.id LIMIT ?`,
    [...w.params, o.limit],
  );
  return rows.map((r) => ({
    id: toNum(r.id),
    receivedAt: toNum(r.received_at),
    seenAt: toNum(r.seen_at),
    confirmedAt: toNumOrNull(r.confirmed_at),
    txid: String(r.txid),
    vout: toNum(r.vout),
    sats: toBig(r.sats),
    status: r.status as PaymentStatus,
    blockHeight: toNumOrNull(r.block_height),
    invoiceSeq: toNumOrNull(r.invoice_seq),
    currency: (r.currency as string | null) ?? null,
    rate: (r.rate as string | null) ?? null,
  }));
}
