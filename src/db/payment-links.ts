import type { Knex } from 'knex';
import { isUniqueViolation, storableText } from './errors.js';
import { fromBig, parseJson, toBigOrNull, toBool, toNum, type Row } from './rows.js';
import type { PaymentMethod } from '../domain/invoice.js';
import { formatInvoiceNumber } from '../domain/ids.js';
import type { PaymentLink } from '../domain/payment-link.js';

type Q = Knex | Knex.Transaction;

export type { PaymentLink };


function map(r: Row): PaymentLink {
  return {
    id: toNum(r.id),
    ref: String(r.ref),
    slug: String(r.slug),
    title: String(r.title),
    description: (r.description as string | null) ?? null,
    amount: toBigOrNull(r.amount),
    minAmount: toBigOrNull(r.min_amount),
    maxAmount: toBigOrNull(r.max_amount),
    currency: String(r.currency),
    paymentMethods: parseJson<PaymentMethod[]>(r.payment_methods) ?? ['onchain_btc'],
    redirectUrl: (r.redirect_url as string | null) ?? null,
    metadata: parseJson(r.metadata),
    isActive: toBool(r.is_active),
    createdAt: toNum(r.created_at),
  };
}

export async function listActiveLinks(q: Q): Promise<PaymentLink[]> {
  const rows: Row[] = await q('payment_links').where({ is_active: true }).orderBy('id', 'desc');
  return rows.map(map);
}

export async function findActiveLinkBySlug(q: Q, slug: string): Promise<PaymentLink | null> {
  if (!storableText(slug)) return null;
  const r: Row | undefined = await q('payment_links').where({ slug, is_active: true }).first();
  return r ? map(r) : null;
}

export async function slugTaken(q: Q, slug: string): Promise<boolean> {
  return (await q('payment_links').where({ slug, is_active: true }).first('id')) !== undefined;
}

/** The columns a link's form sets, as stored (minor units as 64-bit integers). */
function linkColumns(l: LinkPatch) {
  return {
    slug: l.slug,
    title: l.title,
    description: l.description,
    amount: l.amount === null ? null : fromBig(l.amount),
    min_amount: l.minAmount === null ? null : fromBig(l.minAmount),
    max_amount: l.maxAmount === null ? null : fromBig(l.maxAmount),
    currency: l.currency,
    payment_methods: JSON.stringify(l.paymentMethods),
    redirect_url: l.redirectUrl,
  };
}

/**
 * Inserts an active link; null when an active link holds its slug already. With many
 * writers (PostgreSQL) a slug seen free a moment ago may be taken by another process
 * before this insert: the unique index decides, and the caller picks another slug or
 * says it is taken, instead of the insert failing.
 */
export async function insertLink(trx: Knex.Transaction, l: Omit<PaymentLink, 'id' | 'isActive'>): Promise<PaymentLink | null> {
  const rows = (await trx('payment_links')
    .insert({
      ref: l.ref,
      ...linkColumns(l),
      metadata: l.metadata === null ? null : JSON.stringify(l.metadata),
      is_active: true,
      created_at: l.createdAt,
    })
    // The other unique index, ref, is 64 random bits: a clash there is not worth telling apart.
    .onConflict()
    .ignore()
    .returning('id')) as { id: number }[];
  const row = rows[0];
  return row ? { ...l, id: toNum(row.id), isActive: true } : null;
}

/** Every link, the deactivated ones too, newest first (the merchant's list). */
export async function listAllLinks(q: Q): Promise<PaymentLink[]> {
  const rows: Row[] = await q('payment_links').orderBy('id', 'desc');
  return rows.map(map);
}

export async function findLinkByRef(q: Q, ref: string): Promise<PaymentLink | null> {
  if (!storableText(ref)) return null;
  const r: Row | undefined = await q('payment_links').where({ ref }).first();
  return r ? map(r) : null;
}

/** True when another active link than `id` holds the slug. */
export async function slugTakenByOther(q: Q, slug: string, id: number): Promise<boolean> {
  return (await q('payment_links').where({ slug, is_active: true }).whereNot({ id }).first('id')) !== undefined;
}

export type LinkPatch = Pick<
  PaymentLink, 'slug' | 'title' | 'description' | 'amount' | 'minAmount' | 'maxAmount' | 'currency' | 'paymentMethods' | 'redirectUrl'
>;

/**
 * Changes an active link: 'gone' when it is gone or deactivated, 'slug_taken' when
 * another active link took the new slug first (another process, after the caller checked).
 */
export async function updateLink(trx: Knex.Transaction, id: number, l: LinkPatch): Promise<'updated' | 'gone' | 'slug_taken'> {
  try {
    const n = await trx('payment_links').where({ id, is_active: true }).update(linkColumns(l));
    return n === 1 ? 'updated' : 'gone';
  } catch (err) {
    if (isUniqueViolation(err, 'payment_links_active_slug')) return 'slug_taken';
    throw err;
  }
}

/** An invoice a link made, as the link's page lists it. */
export interface LinkInvoice {
  ref: string;
  /** INV-0001 */
  number: string;
  status: string;
  currency: string;
  total: bigint;
  createdAt: number;
  paidAt: number | null;
}

/** The invoices made from link `id`, newest first. */
export async function listLinkInvoices(q: Q, id: number, page: { limit: number; offset: number }): Promise<{ invoices: LinkInvoice[]; total: number }> {
  const base = q('invoices').where({ payment_link_id: id });
  const [countRow] = (await base.clone().count({ n: '*' })) as [{ n: number | string }];
  const rows: Row[] = await base.clone()
    .select('ref', 'seq', 'status', 'currency', 'total', 'created_at', 'paid_at')
    .orderBy('id', 'desc').limit(page.limit).offset(page.offset);
  return {
    invoices: rows.map((r) => ({
      ref: String(r.ref), number: formatInvoiceNumber(toNum(r.seq)), status: String(r.status), currency: String(r.currency),
      total: toBigOrNull(r.total) ?? 0n, createdAt: toNum(r.created_at), paidAt: r.paid_at == null ? null : toNum(r.paid_at),
    })),
    total: toNum(countRow.n),
  };
}

export async function deactivateLink(trx: Knex.Transaction, slug: string, now: number): Promise<boolean> {
  if (!storableText(slug)) return false;
  const n = await trx('payment_links').where({ slug, is_active: true }).update({ is_active: false, deleted_at: now });
  return n === 1;
}
