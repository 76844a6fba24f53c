import type { Knex } from 'knex';
import { fromBig, parseJson, toBigOrNull, toBool, toNum, type Row } from './rows.js';
import type { PaymentMethod } from '../domain/invoice.js';
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
  const r: Row | undefined = await q('payment_links').where({ slug, is_active: true }).first();
  return r ? map(r) : null;
}

export async function slugTaken(q: Q, slug: string): Promise<boolean> {
  return (await q('payment_links').where({ slug, is_active: true }).first('id')) !== undefined;
}

export async function insertLink(trx: Knex.Transaction, l: Omit<PaymentLink, 'id' | 'isActive'>): Promise<PaymentLink> {
  const [row] = (await trx('payment_links')
    .insert({
      ref: l.ref,
      slug: l.slug,
      title: l.title,
      description: l.description,
      amount: l.amount === null ? null : fromBig(l.amount),
      min_amount: l.minAmount === null ? null : fromBig(l.minAmount),
      max_amount: l.maxAmount === null ? null : fromBig(l.maxAmount),
      currency: l.currency,
      payment_methods: JSON.stringify(l.paymentMethods),
      redirect_url: l.redirectUrl,
      metadata: l.metadata === null ? null : JSON.stringify(l.metadata),
      is_active: true,
      created_at: l.createdAt,
    })
    .returning('id')) as [{ id: number }];
  return { ...l, id: toNum(row.id), isActive: true };
}

export async function deactivateLink(trx: Knex.Transaction, slug: string, now: number): Promise<boolean> {
  const n = await trx('payment_links').where({ slug, is_active: true }).update({ is_active: false, deleted_at: now });
  return n === 1;
}
