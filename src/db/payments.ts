import type { Knex } from 'knex';
import type { Payment, PaymentStatus } from '../domain/payment.js';

export type { Payment };
import { execute, rowsOf } from './fast.js';
import { fromBig, parseJson, toBig, toNum, toNumOrNull, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;


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
    movedAt: toNumOrNull(r.moved_at),
    spends: parseJson<string[]>(r.spends),
    blockHash: (r.block_hash as string | null) ?? null,
    blockHeight: toNumOrNull(r.block_height),
    confirmedAt: toNumOrNull(r.confirmed_at),
  };
}

export async function findPayment(q: Q, txid: string, vout: number): Promise<Payment | null> {
  const [r] = await rowsOf(q, 'SELECT * FROM payments WHERE txid = ? AND vout = ?', [txid, vout]);
  return r ? map(r) : null;
}

export async function paymentsOfTx(q: Q, txid: string): Promise<Payment[]> {
  return ((await q('payments').where({ txid }).orderBy('vout')) as Row[]).map(map);
}

export async function paymentsForInvoice(q: Q, invoiceId: number): Promise<Payment[]> {
  return (await rowsOf(q, 'SELECT * FROM payments WHERE invoice_id = ? ORDER BY id', [invoiceId])).map(map);
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

const OUTPOINTS_PER_STATEMENT = 500;

/**
 * Standing mempool payments of other transactions that spend any of `outpoints`: a
 * transaction that spends one of them replaces them (RBF) or double-spends them.
 */
export async function mempoolPaymentsSpending(q: Q, outpoints: readonly string[], exceptTxid: string): Promise<Payment[]> {
  if (outpoints.length === 0) return [];
  // By payment_spends' key, not by reading every unconfirmed payment's list; a few
  // hundred outpoints a statement (a transaction may spend thousands).
  const found = new Map<number, Payment>();
  for (let i = 0; i < outpoints.length; i += OUTPOINTS_PER_STATEMENT) {
    const some = outpoints.slice(i, i + OUTPOINTS_PER_STATEMENT);
    const rows = await rowsOf(
      q,
      `SELECT * FROM payments WHERE id IN (SELECT payment_id FROM payment_spends WHERE outpoint IN (${some.map(() => '?').join(', ')})) AND status = ? AND txid <> ?`,
      [...some, 'mempool', exceptTxid],
    );
    for (const r of rows) found.set(toNum(r.id), map(r));
  }
  return [...found.values()].sort((a, b) => a.id - b.id);
}

/** Inserts a payment unless txid:vout is known already (then null): idempotent by the unique key. */
export async function insertPayment(trx: Knex.Transaction, p: Omit<Payment, 'id'> & { now: number }): Promise<Payment | null> {
  const [row] = await rowsOf(
    trx,
    `INSERT INTO payments (invoice_id, address_id, txid, vout, sats, status, seen_at, moved_at, spends, block_hash, block_height, confirmed_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (txid, vout) DO NOTHING RETURNING id`,
    [
      p.invoiceId, p.addressId, p.txid, p.vout, fromBig(p.sats), p.status, p.seenAt, p.movedAt,
      p.spends === null ? null : JSON.stringify(p.spends), p.blockHash, p.blockHeight, p.confirmedAt, p.now,
    ],
  );
  return row ? { ...p, id: toNum(row.id) } : null;
}

/**
 * Moves a payment on from the status it was read with, a compare-and-set: false when
 * that is no longer its status (another unit of the same batch moved it first).
 */
export async function updatePayment(
  trx: Knex.Transaction,
  read: Pick<Payment, 'id' | 'status'>,
  patch: { status: PaymentStatus; blockHash: string | null; blockHeight: number | null; confirmedAt: number | null; now: number },
): Promise<boolean> {
  const n = await execute(
    trx,
    'UPDATE payments SET status = ?, block_hash = ?, block_height = ?, confirmed_at = ?, updated_at = ? WHERE id = ? AND status = ?',
    [patch.status, patch.blockHash, patch.blockHeight, patch.confirmedAt, patch.now, read.id, read.status],
  );
  return n === 1;
}

/**
 * Invoices a new tip can move: paid ones, below their required depth. A confirmed invoice
 * only gains depth from a new tip; what can take confirmations away is a reorg, and after
 * one `confirmedWithinDepth` finds the invoices it may have reached. So the cost of a block
 * stays with the invoices still waiting, not with every invoice ever settled.
 */
export async function invoicesAwaitingConfirmations(q: Q): Promise<number[]> {
  return (await rowsOf(q, 'SELECT id FROM invoices WHERE status = ?', ['paid'])).map((r) => toNum(r.id));
}

/**
 * Confirmed invoices with a payment no deeper than their required confirmations at a tip
 * of `tipHeight`: after a reorg (even one above their payment's block) they may have fallen
 * below it.
 */
export async function confirmedWithinDepth(q: Q, tipHeight: number): Promise<number[]> {
  const rows = await rowsOf(
    q,
    `SELECT DISTINCT i.id FROM invoices i JOIN payments p ON p.invoice_id = i.id
     WHERE i.status = ? AND p.status = ? AND p.block_height > ? - i.required_confirmations`,
    ['confirmed', 'confirmed', tipHeight],
  );
  return rows.map((r) => toNum(r.id));
}
