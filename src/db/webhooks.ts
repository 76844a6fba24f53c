import type { Knex } from 'knex';
import { parseJson, toBool, toNum, type Row } from './rows.js';
import type { Webhook } from '../domain/notification.js';

type Q = Knex | Knex.Transaction;

export type { Webhook };


function map(r: Row): Webhook {
  return {
    id: toNum(r.id),
    url: String(r.url),
    secret: String(r.secret),
    events: parseJson<string[]>(r.events) ?? ['*'],
    isActive: toBool(r.is_active),
    description: (r.description as string | null) ?? null,
    createdAt: toNum(r.created_at),
  };
}

export async function listWebhooks(q: Q): Promise<Webhook[]> {
  const rows: Row[] = await q('webhooks').whereNull('deleted_at').orderBy('id');
  return rows.map(map);
}

export async function insertWebhook(trx: Knex.Transaction, w: Omit<Webhook, 'id' | 'isActive'>): Promise<Webhook> {
  const [row] = (await trx('webhooks')
    .insert({
      url: w.url,
      secret: w.secret,
      events: JSON.stringify(w.events),
      is_active: true,
      description: w.description,
      created_at: w.createdAt,
    })
    .returning('id')) as [{ id: number }];
  return { ...w, id: toNum(row.id), isActive: true };
}

/** Soft delete: past deliveries keep pointing at the row. */
export async function deleteWebhook(trx: Knex.Transaction, id: number, now: number): Promise<boolean> {
  const n = await trx('webhooks').where({ id }).whereNull('deleted_at').update({ deleted_at: now, is_active: false });
  return n === 1;
}

export async function findWebhook(q: Q, id: number): Promise<Webhook | null> {
  const r: Row | undefined = await q('webhooks').where({ id }).whereNull('deleted_at').first();
  return r ? map(r) : null;
}

/** Active webhooks, for fanning events out. */
export async function activeWebhooks(q: Q): Promise<Webhook[]> {
  const rows: Row[] = await q('webhooks').where({ is_active: true }).whereNull('deleted_at').orderBy('id');
  return rows.map(map);
}

export async function setWebhookSecret(trx: Knex.Transaction, id: number, secret: string): Promise<boolean> {
  return (await trx('webhooks').where({ id }).whereNull('deleted_at').update({ secret })) === 1;
}

/** A receiver that answered 410 Gone asked to hear no more. */
export async function disableWebhook(trx: Knex.Transaction, id: number): Promise<void> {
  await trx('webhooks').where({ id }).update({ is_active: false });
}
