import type { Knex } from 'knex';
import type { Invoice, InvoiceLine, InvoiceStatus } from '../domain/invoice.js';
import { formatInvoiceNumber } from '../domain/ids.js';
import { fitsInteger, storableText } from './errors.js';
import { execute, isPostgres, rowsOf } from './fast.js';
import { LOCKS } from './postgres.js';
import { fromBig, parseJson, toBig, toBigOrNull, toNum, toNumOrNull, type Row } from './rows.js';

export type Q = Knex | Knex.Transaction;

export type NewInvoice = Omit<Invoice, 'id' | 'version' | 'seq' | 'number' | 'lines' | 'address'> & {
  lines: InvoiceLine[];
};

export type InvoiceKey =
  | { by: 'id'; value: number }
  | { by: 'seq'; value: number }
  | { by: 'ref'; value: string }
  | { by: 'public_id'; value: string }
  | { by: 'bitpay_id'; value: string };

const COLUMNS = [
  'i.*',
  'a.address as address',
];

function mapInvoice(r: Row, lines: InvoiceLine[]): Invoice {
  return {
    id: toNum(r.id),
    version: toNum(r.version),
    seq: toNum(r.seq),
    number: formatInvoiceNumber(toNum(r.seq)),
    ref: String(r.ref),
    publicId: String(r.public_id),
    bitpayId: String(r.bitpay_id),
    status: r.status as InvoiceStatus,
    exception: (r.exception as Invoice['exception']) ?? null,
    currency: String(r.currency),
    subtotal: toBig(r.subtotal),
    taxRate: String(r.tax_rate),
    tax: toBig(r.tax),
    discount: toBig(r.discount),
    total: toBig(r.total),
    rate: (r.rate as string | null) ?? null,
    dueSats: toBigOrNull(r.due_sats),
    paidSats: toBig(r.paid_sats),
    requiredConfirmations: toNum(r.required_confirmations),
    addressId: toNumOrNull(r.address_id),
    address: (r.address as string | null) ?? null,
    customerEmail: (r.customer_email as string | null) ?? null,
    customerName: (r.customer_name as string | null) ?? null,
    customerCompany: (r.customer_company as string | null) ?? null,
    notes: (r.notes as string | null) ?? null,
    paymentMethods: parseJson<Invoice['paymentMethods']>(r.payment_methods) ?? ['onchain_btc'],
    dialect: r.dialect as Invoice['dialect'],
    metadata: parseJson(r.metadata),
    dialectData: parseJson(r.dialect_data),
    pageBase: (r.page_base as string | null) ?? null,
    paymentLinkId: toNumOrNull(r.payment_link_id),
    apiKeyId: toNumOrNull(r.api_key_id),
    createdAt: toNum(r.created_at),
    updatedAt: toNum(r.updated_at),
    finalizedAt: toNumOrNull(r.finalized_at),
    quoteExpiresAt: toNumOrNull(r.quote_expires_at),
    graceUntil: toNumOrNull(r.grace_until),
    paidAt: toNumOrNull(r.paid_at),
    confirmedAt: toNumOrNull(r.confirmed_at),
    expiredAt: toNumOrNull(r.expired_at),
    cancelledAt: toNumOrNull(r.cancelled_at),
    markedPaidAt: toNumOrNull(r.marked_paid_at),
    lines,
  };
}

function mapLine(r: Row): InvoiceLine {
  return {
    position: toNum(r.position),
    description: String(r.description),
    quantity: String(r.quantity),
    unitPrice: toBig(r.unit_price),
    amount: toBig(r.amount),
  };
}

async function linesFor(q: Q, ids: number[]): Promise<Map<number, InvoiceLine[]>> {
  const out = new Map<number, InvoiceLine[]>();
  if (ids.length === 0) return out;
  const rows: Row[] = await q('invoice_lines').whereIn('invoice_id', ids).orderBy(['invoice_id', 'position']);
  for (const r of rows) {
    const id = toNum(r.invoice_id);
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(mapLine(r));
  }
  return out;
}

/**
 * Inserts an invoice with its lines. The sequence number is taken by the INSERT itself,
 * inside the caller's write transaction, so numbers are gap-free: a rolled-back insert
 * takes none. SQLite has one writer; PostgreSQL serializes it with a lock (below).
 */
const INSERT_INVOICE = `INSERT INTO invoices (
  seq, ref, public_id, bitpay_id, status, exception, currency, subtotal, tax_rate, tax, discount, total,
  rate, due_sats, paid_sats, required_confirmations, address_id, customer_email, customer_name,
  customer_company, notes, payment_methods, dialect, metadata, dialect_data, payment_link_id, api_key_id,
  created_at, updated_at, finalized_at, quote_expires_at, grace_until, paid_at, confirmed_at, expired_at,
  cancelled_at, page_base
) VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM invoices), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
  ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id, seq`;

const INSERT_LINE = 'INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price, amount) VALUES (?, ?, ?, ?, ?, ?)';

const json = (v: unknown) => (v === null ? null : JSON.stringify(v));
const big = (v: bigint | null) => (v === null ? null : fromBig(v));

export async function insertInvoice(trx: Knex.Transaction, inv: NewInvoice): Promise<Invoice> {
  // Many writers: the next number is taken under a lock held until this transaction
  // ends, so two processes never read the same MAX(seq) and a rollback leaves no gap.
  if (isPostgres(trx)) await trx.raw('SELECT pg_advisory_xact_lock(?)', [LOCKS.invoiceSeq]);
  const [row] = await rowsOf(trx, INSERT_INVOICE, [
    inv.ref, inv.publicId, inv.bitpayId, inv.status, inv.exception, inv.currency, big(inv.subtotal), inv.taxRate,
    big(inv.tax), big(inv.discount), big(inv.total), inv.rate, big(inv.dueSats), big(inv.paidSats),
    inv.requiredConfirmations, inv.addressId, inv.customerEmail, inv.customerName, inv.customerCompany, inv.notes,
    JSON.stringify(inv.paymentMethods), inv.dialect, json(inv.metadata), json(inv.dialectData), inv.paymentLinkId,
    inv.apiKeyId, inv.createdAt, inv.updatedAt, inv.finalizedAt, inv.quoteExpiresAt, inv.graceUntil, inv.paidAt,
    inv.confirmedAt, inv.expiredAt, inv.cancelledAt, inv.pageBase,
  ]);
  const id = toNum(row!.id);
  const seq = toNum(row!.seq);
  const number = formatInvoiceNumber(seq);
  for (const l of inv.lines) {
    await execute(trx, INSERT_LINE, [id, l.position, l.description, l.quantity, fromBig(l.unitPrice), fromBig(l.amount)]);
  }
  return { ...inv, id, version: 0, seq, number, address: null, lines: inv.lines };
}

/**
 * An invoice with its address and, in the same statement, its lines as a JSON array (one
 * round trip to the database, not two: the chain writer reads an invoice for every payment
 * it records). Amounts go through JSON as text, so no integer passes through a float.
 */
const LINE_JSON = (fn: string) =>
  `${fn}('position', l.position, 'description', l.description, 'quantity', l.quantity, 'unit_price', CAST(l.unit_price AS TEXT), 'amount', CAST(l.amount AS TEXT))`;
const SELECT_INVOICE_SQLITE = `SELECT i.*, a.address AS address, (SELECT json_group_array(${LINE_JSON('json_object')}) FROM invoice_lines l WHERE l.invoice_id = i.id) AS lines_json FROM invoices i LEFT JOIN addresses a ON a.id = i.address_id WHERE `;
const SELECT_INVOICE_PG = `SELECT i.*, a.address AS address, (SELECT json_agg(${LINE_JSON('json_build_object')}) FROM invoice_lines l WHERE l.invoice_id = i.id) AS lines_json FROM invoices i LEFT JOIN addresses a ON a.id = i.address_id WHERE `;

/** The lines of such a row, in order (SQLite gives the array as text, PostgreSQL parsed, or null for none). */
function linesOfJson(v: unknown): InvoiceLine[] {
  if (v === null || v === undefined) return [];
  const rows = (typeof v === 'string' ? JSON.parse(v) : v) as Row[];
  return rows.map(mapLine).sort((a, b) => a.position - b.position);
}
const KEY_COLUMN: Record<InvoiceKey['by'], string> = {
  id: 'i.id', seq: 'i.seq', ref: 'i.ref', public_id: 'i.public_id', bitpay_id: 'i.bitpay_id',
};

/** Whether an invoice could have this key: one its column cannot hold names none (see errors.ts). */
function possibleKey(key: InvoiceKey): boolean {
  return typeof key.value === 'number' ? fitsInteger(key.value) : storableText(key.value);
}

export async function findInvoice(q: Q, key: InvoiceKey): Promise<Invoice | null> {
  if (!possibleKey(key)) return null;
  const [row] = await rowsOf(q, `${isPostgres(q) ? SELECT_INVOICE_PG : SELECT_INVOICE_SQLITE}${KEY_COLUMN[key.by]} = ?`, [key.value]);
  if (!row) return null;
  return mapInvoice(row, linesOfJson(row.lines_json));
}

/** The columns a status poll needs, with no join and no lines: the hottest read. */
export type InvoiceSummary = Pick<
  Invoice, 'id' | 'number' | 'status' | 'exception' | 'currency' | 'total' | 'rate' | 'dueSats' | 'paidSats' | 'markedPaidAt'
>;

export async function findInvoiceSummary(q: Q, key: InvoiceKey): Promise<InvoiceSummary | null> {
  if (!possibleKey(key)) return null;
  const r: Row | undefined = await q('invoices')
    .select('id', 'seq', 'status', 'exception', 'currency', 'total', 'rate', 'due_sats', 'paid_sats', 'marked_paid_at')
    .where(key.by, key.value)
    .first();
  if (!r) return null;
  return {
    id: toNum(r.id),
    number: formatInvoiceNumber(toNum(r.seq)),
    status: r.status as InvoiceStatus,
    exception: (r.exception as Invoice['exception']) ?? null,
    currency: String(r.currency),
    total: toBig(r.total),
    rate: (r.rate as string | null) ?? null,
    dueSats: toBigOrNull(r.due_sats),
    paidSats: toBig(r.paid_sats),
    markedPaidAt: toNumOrNull(r.marked_paid_at),
  };
}

export async function listInvoices(
  q: Q,
  opts: { statuses?: InvoiceStatus[]; limit: number; offset: number; quotedOnly?: boolean },
): Promise<{ invoices: Invoice[]; total: number }> {
  const base = q('invoices as i');
  if (opts.statuses) base.whereIn('i.status', opts.statuses);
  if (opts.quotedOnly) base.whereNotNull('i.due_sats');
  const [countRow] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows: Row[] = await base
    .clone()
    .leftJoin('addresses as a', 'a.id', 'i.address_id')
    .select(COLUMNS)
    .orderBy('i.id', 'desc')
    .limit(opts.limit)
    .offset(opts.offset);
  const lines = await linesFor(q, rows.map((r) => toNum(r.id)));
  return {
    invoices: rows.map((r) => mapInvoice(r, lines.get(toNum(r.id)) ?? [])),
    total: toNum(countRow.n),
  };
}

export type InvoicePatch = Partial<Pick<
  Invoice,
  | 'status' | 'exception' | 'rate' | 'dueSats' | 'paidSats' | 'addressId' | 'requiredConfirmations'
  | 'finalizedAt' | 'quoteExpiresAt' | 'graceUntil' | 'paidAt' | 'confirmedAt' | 'expiredAt' | 'cancelledAt' | 'markedPaidAt'
>> & { updatedAt: number };

const PATCH_COLUMNS: Record<keyof InvoicePatch, string> = {
  status: 'status', exception: 'exception', rate: 'rate', dueSats: 'due_sats', paidSats: 'paid_sats',
  addressId: 'address_id', requiredConfirmations: 'required_confirmations', finalizedAt: 'finalized_at',
  quoteExpiresAt: 'quote_expires_at', graceUntil: 'grace_until', paidAt: 'paid_at',
  confirmedAt: 'confirmed_at', expiredAt: 'expired_at', cancelledAt: 'cancelled_at', markedPaidAt: 'marked_paid_at',
  updatedAt: 'updated_at',
};

/**
 * Applies a patch only if the invoice is still at the version the caller read: a
 * compare-and-set on the whole row, so of two writers that read the same invoice (a
 * sweeper and a request, a mempool flush and a block, units of one group commit) only the
 * first persists what it computed; the other fails and runs again on fresh data. The
 * caller's copy is at `version + 1` afterwards.
 */
export async function updateInvoice(
  trx: Knex.Transaction,
  read: Pick<Invoice, 'id' | 'version'>,
  patch: InvoicePatch,
): Promise<boolean> {
  const keys = Object.keys(patch) as (keyof InvoicePatch)[];
  const sets = keys.map((k) => `${PATCH_COLUMNS[k]} = ?`).join(', ');
  const values = keys.map((k) => {
    const v = patch[k];
    return typeof v === 'bigint' ? fromBig(v) : v;
  });
  const n = await execute(
    trx,
    `UPDATE invoices SET ${sets}, version = version + 1 WHERE id = ? AND version = ?`,
    [...values, read.id, read.version],
  );
  return n === 1;
}

/**
 * Invoices still waiting for money whose quote deadline has passed: they may expire,
 * wait out a grace period or turn underpaid. Oldest deadline first.
 */
export async function dueForSettlement(q: Q, now: number, limit: number): Promise<number[]> {
  const rows: Row[] = await q('invoices')
    .select('id')
    .where((w) =>
      w.where((a) => a.where('status', 'pending').where('quote_expires_at', '<=', now))
        .orWhere((b) => b.where('status', 'partial').where('grace_until', '<=', now)),
    )
    .orderBy('quote_expires_at')
    .limit(limit);
  return rows.map((r) => toNum(r.id));
}

export async function setDialectData(trx: Knex.Transaction, id: number, data: Record<string, unknown>): Promise<void> {
  await execute(trx, 'UPDATE invoices SET dialect_data = ? WHERE id = ?', [JSON.stringify(data), id]);
}

/** How many invoices stand in each status (the checkout dialect's stats); statuses with none are absent. */
export async function countInvoicesByStatus(q: Q, opts: { quotedOnly?: boolean } = {}): Promise<Partial<Record<InvoiceStatus, number>>> {
  const query = q('invoices').select('status').count({ n: '*' }).groupBy('status');
  if (opts.quotedOnly) query.whereNotNull('due_sats');
  const rows: Row[] = await query;
  const out: Partial<Record<InvoiceStatus, number>> = {};
  for (const r of rows) out[r.status as InvoiceStatus] = toNum(r.n);
  return out;
}

/**
 * The dialect data of those of `ids` made through `dialect` (BitPay's notificationURL and
 * notificationEmail live there): what a notification subscriber reads for a fan-out batch.
 */
export async function dialectDataOf(q: Q, ids: readonly number[], dialect: Invoice['dialect']): Promise<Map<number, Record<string, unknown>>> {
  const out = new Map<number, Record<string, unknown>>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows: Row[] = await q('invoices')
      .select('id', 'dialect_data')
      .where('dialect', dialect)
      .whereNotNull('dialect_data')
      .whereIn('id', ids.slice(i, i + 500));
    for (const r of rows) {
      const data = parseJson<Record<string, unknown>>(r.dialect_data);
      if (data) out.set(toNum(r.id), data);
    }
  }
  return out;
}
