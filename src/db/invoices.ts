import type { Knex } from 'knex';
import type { Invoice, InvoiceLine, InvoiceStatus } from '../domain/invoice.js';
import { formatInvoiceNumber } from '../domain/ids.js';
import { fromBig, parseJson, toBig, toBigOrNull, toNum, toNumOrNull, type Row } from './rows.js';

export type Q = Knex | Knex.Transaction;

export type NewInvoice = Omit<Invoice, 'id' | 'seq' | 'number' | 'lines' | 'address'> & {
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
 * takes none. (PostgreSQL will need the table locked for this; SQLite has one writer.)
 */
export async function insertInvoice(trx: Knex.Transaction, inv: NewInvoice): Promise<Invoice> {
  const [row] = (await trx('invoices')
    .insert({
      seq: trx.raw('(SELECT COALESCE(MAX(seq), 0) + 1 FROM invoices)'),
      ref: inv.ref,
      public_id: inv.publicId,
      bitpay_id: inv.bitpayId,
      status: inv.status,
      exception: inv.exception,
      currency: inv.currency,
      subtotal: fromBig(inv.subtotal),
      tax_rate: inv.taxRate,
      tax: fromBig(inv.tax),
      discount: fromBig(inv.discount),
      total: fromBig(inv.total),
      rate: inv.rate,
      due_sats: inv.dueSats === null ? null : fromBig(inv.dueSats),
      paid_sats: fromBig(inv.paidSats),
      required_confirmations: inv.requiredConfirmations,
      address_id: inv.addressId,
      customer_email: inv.customerEmail,
      customer_name: inv.customerName,
      customer_company: inv.customerCompany,
      notes: inv.notes,
      payment_methods: JSON.stringify(inv.paymentMethods),
      dialect: inv.dialect,
      metadata: inv.metadata === null ? null : JSON.stringify(inv.metadata),
      dialect_data: inv.dialectData === null ? null : JSON.stringify(inv.dialectData),
      payment_link_id: inv.paymentLinkId,
      api_key_id: inv.apiKeyId,
      created_at: inv.createdAt,
      updated_at: inv.updatedAt,
      finalized_at: inv.finalizedAt,
      quote_expires_at: inv.quoteExpiresAt,
      grace_until: inv.graceUntil,
      paid_at: inv.paidAt,
      confirmed_at: inv.confirmedAt,
      expired_at: inv.expiredAt,
      cancelled_at: inv.cancelledAt,
    })
    .returning(['id', 'seq'])) as [{ id: number; seq: number }];
  const id = toNum(row.id);
  const seq = toNum(row.seq);
  const number = formatInvoiceNumber(seq);
  if (inv.lines.length > 0) {
    await trx('invoice_lines').insert(
      inv.lines.map((l) => ({
        invoice_id: id,
        position: l.position,
        description: l.description,
        quantity: l.quantity,
        unit_price: fromBig(l.unitPrice),
        amount: fromBig(l.amount),
      })),
    );
  }
  return { ...inv, id, seq, number, address: null, lines: inv.lines };
}

export async function findInvoice(q: Q, key: InvoiceKey): Promise<Invoice | null> {
  const row: Row | undefined = await q('invoices as i')
    .leftJoin('addresses as a', 'a.id', 'i.address_id')
    .select(COLUMNS)
    .where(`i.${key.by}`, key.value)
    .first();
  if (!row) return null;
  const lines = await linesFor(q, [toNum(row.id)]);
  return mapInvoice(row, lines.get(toNum(row.id)) ?? []);
}

/** The columns a status poll needs, with no join and no lines: the hottest read. */
export type InvoiceSummary = Pick<
  Invoice, 'id' | 'number' | 'status' | 'exception' | 'currency' | 'total' | 'rate' | 'dueSats' | 'paidSats'
>;

export async function findInvoiceSummary(q: Q, key: InvoiceKey): Promise<InvoiceSummary | null> {
  const r: Row | undefined = await q('invoices')
    .select('id', 'seq', 'status', 'exception', 'currency', 'total', 'rate', 'due_sats', 'paid_sats')
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
  };
}

export async function listInvoices(
  q: Q,
  opts: { statuses?: InvoiceStatus[]; limit: number; offset: number },
): Promise<{ invoices: Invoice[]; total: number }> {
  const base = q('invoices as i');
  if (opts.statuses) base.whereIn('i.status', opts.statuses);
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
  | 'finalizedAt' | 'quoteExpiresAt' | 'graceUntil' | 'paidAt' | 'confirmedAt' | 'expiredAt' | 'cancelledAt'
>> & { updatedAt: number };

const PATCH_COLUMNS: Record<keyof InvoicePatch, string> = {
  status: 'status', exception: 'exception', rate: 'rate', dueSats: 'due_sats', paidSats: 'paid_sats',
  addressId: 'address_id', requiredConfirmations: 'required_confirmations', finalizedAt: 'finalized_at',
  quoteExpiresAt: 'quote_expires_at', graceUntil: 'grace_until', paidAt: 'paid_at',
  confirmedAt: 'confirmed_at', expiredAt: 'expired_at', cancelledAt: 'cancelled_at', updatedAt: 'updated_at',
};

/**
 * Applies a patch only if the invoice is still in `fromStatus`: a compare-and-set, so a
 * sweeper and a request racing on one invoice cannot both move it.
 */
export async function updateInvoice(
  trx: Knex.Transaction,
  id: number,
  fromStatus: InvoiceStatus,
  patch: InvoicePatch,
): Promise<boolean> {
  const row: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    row[PATCH_COLUMNS[k as keyof InvoicePatch]] = typeof v === 'bigint' ? fromBig(v) : v;
  }
  const n = await trx('invoices').where({ id, status: fromStatus }).update(row);
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
