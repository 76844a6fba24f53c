import type { Knex } from 'knex';
import type { PaymentStatus } from '../domain/payment-state.js';
import { fromBig, toBig, toNum, toNumOrNull, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;

export interface Payment {
  id: number;
  invoiceId: number | null;
  addressId: number;
  txid: string;
  vout: number;
  sats: bigint;
  status: PaymentStatus;
  seenAt: number;
  blockHash: string | null;
  blockHeight: number | null;
  confirmedAt: number | null;
}

function map(r: Row): Payment {
  return {
    id: toNum(r.id),
    invoiceId: toNumOrNull(r.invoice_id),
    addressId: toNum(r.address_id),
    txid: String(r.txid),
    vout: toNum(r.vout),
    sats: toBig(r.sats),
    status: r.status as PaymentStatus,
    seenAt: toNum(r.seen_at),
    blockHash: (r.block_hash as string | null) ?? null,
    blockHeight: toNumOrNull(r.block_height),
    confirmedAt: toNumOrNull(r.confirmed_at),
  };
}

export async function findPayment(q: Q, txid: string, vout: number): Promise<Payment | null> {
  const r: Row | undefined = await q('payments').where({ txid, vout }).first();
  return r ? map(r) : null;
}

export async function paymentsOfTx(q: Q, txid: string): Promise<Payment[]> {
  return ((await q('payments').where({ txid }).orderBy('vout')) as Row[]).map(map);
}

export async function paymentsForInvoice(q: Q, invoiceId: number): Promise<Payment[]> {
  return ((await q('payments').where({ invoice_id: invoiceId }).orderBy('id')) as Row[]).map(map);
}

export async function paymentsForInvoices(q: Q, ids: number[]): Promise<Map<number, Payment[]>> {
  const out = new Map<number, Payment[]>();
  if (ids.length === 0) return out;
  for (const r of (await q('payments').whereIn('invoice_id', ids).orderBy('id')) as Row[]) {
    const p = map(r);
    let list = out.get(p.invoiceId!);
    if (!list) out.set(p.invoiceId!, (list = []));
    list.push(p);
  }
  return out;
}

export async function paymentsInBlocks(q: Q, hashes: string[]): Promise<Payment[]> {
  if (hashes.length === 0) return [];
  return ((await q('payments').whereIn('block_hash', hashes)) as Row[]).map(map);
}

/** Unconfirmed payments: the ones a mempool re-read must find again or mark replaced. */
export async function mempoolPayments(q: Q): Promise<Payment[]> {
  return ((await q('payments').where({ status: 'mempool' })) as Row[]).map(map);
}

export async function insertPayment(trx: Knex.Transaction, p: Omit<Payment, 'id'> & { now: number }): Promise<Payment> {
  const [row] = (await trx('payments')
    .insert({
      invoice_id: p.invoiceId,
      address_id: p.addressId,
      txid: p.txid,
      vout: p.vout,
      sats: fromBig(p.sats),
      status: p.status,
      seen_at: p.seenAt,
      block_hash: p.blockHash,
      block_height: p.blockHeight,
      confirmed_at: p.confirmedAt,
      updated_at: p.now,
    })
    .returning('id')) as [{ id: number }];
  return { ...p, id: toNum(row.id) };
}

export async function updatePayment(
  trx: Knex.Transaction,
  id: number,
  patch: { status: PaymentStatus; blockHash: string | null; blockHeight: number | null; confirmedAt: number | null; now: number },
): Promise<void> {
  await trx('payments').where({ id }).update({
    status: patch.status,
    block_hash: patch.blockHash,
    block_height: patch.blockHeight,
    confirmed_at: patch.confirmedAt,
    updated_at: patch.now,
  });
}

/** Invoices whose standing payments are in blocks: a new tip may change their confirmations. */
export async function invoicesAwaitingConfirmations(q: Q): Promise<number[]> {
  const rows: Row[] = await q('invoices').whereIn('status', ['paid', 'confirmed']).select('id');
  return rows.map((r) => toNum(r.id));
}
