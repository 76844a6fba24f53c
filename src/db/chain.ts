import type { Knex } from 'knex';
import { isPostgres, rowsOf } from './fast.js';
import { LOCKS } from './postgres.js';
import { toNum, type Row } from './rows.js';
import { mempoolPayments, paymentsOfTx } from './payments.js';
import { earliestAddressTime } from './wallets.js';

type Q = Knex | Knex.Transaction;

export interface Tip {
  hash: string;
  height: number;
}

export interface StoredBlock {
  hash: string;
  height: number;
  prevHash: string;
}

/**
 * First in a unit that applies chain changes. A block's unit reads payments' statuses
 * and the tip, then writes from them; two side by side would each write from what the
 * other is changing (a payment mined in a block left 'replaced' by a replacement applied
 * at the same time, a confirmed invoice settled back to paid with the tip of before the
 * block). SQLite's group commit runs such units one after another (units of mempool
 * sightings alone, whose every write is a compare-and-set, side by side); on PostgreSQL,
 * where units of one process or of several are transactions of their own, a lock held
 * until the transaction ends runs every chain unit one after another.
 */
export async function serializeChainWork(trx: Knex.Transaction): Promise<void> {
  if (isPostgres(trx)) await trx.raw('SELECT pg_advisory_xact_lock(?)', [LOCKS.chain]);
}

export async function loadTip(q: Q): Promise<Tip | null> {
  const [r] = await rowsOf(q, 'SELECT * FROM chain_state WHERE id = ?', [1]);
  return r ? { hash: String(r.tip_hash), height: toNum(r.tip_height) } : null;
}

export async function saveTip(trx: Knex.Transaction, tip: Tip, now: number): Promise<void> {
  await trx('chain_state')
    .insert({ id: 1, tip_hash: tip.hash, tip_height: tip.height, updated_at: now })
    .onConflict('id')
    .merge();
}

export async function insertBlock(trx: Knex.Transaction, b: StoredBlock, now: number): Promise<void> {
  await trx('blocks').insert({ hash: b.hash, height: b.height, prev_hash: b.prevHash, processed_at: now });
}

export async function findBlock(q: Q, hash: string): Promise<StoredBlock | null> {
  const r: Row | undefined = await q('blocks').where({ hash }).first();
  return r ? { hash: String(r.hash), height: toNum(r.height), prevHash: String(r.prev_hash) } : null;
}

export async function blocksAbove(q: Q, height: number): Promise<StoredBlock[]> {
  const rows: Row[] = await q('blocks').where('height', '>', height).orderBy('height', 'desc');
  return rows.map((r) => ({ hash: String(r.hash), height: toNum(r.height), prevHash: String(r.prev_hash) }));
}

export async function deleteBlocks(trx: Knex.Transaction, hashes: string[]): Promise<void> {
  if (hashes.length > 0) await trx('blocks').whereIn('hash', hashes).delete();
}

/** Keeps the last `keep` blocks: enough to walk back through any reorg Core would make. */
export async function pruneBlocks(trx: Knex.Transaction, belowHeight: number): Promise<void> {
  await trx('blocks').where('height', '<', belowHeight).delete();
}

/**
 * Every address Till ever handed out, with the invoice it belongs to now, in id order:
 * those after `afterId`, at most `limit` (the watcher loads 100,000 a page at a time
 * rather than holding them all as rows at once).
 */
export async function watchedScripts(
  q: Q,
  afterId = 0,
  limit?: number,
): Promise<{ scriptHex: string; addressId: number; invoiceId: number | null }[]> {
  const query = q('addresses').select('id', 'script_hex', 'invoice_id').where('id', '>', afterId).orderBy('id');
  const rows: Row[] = await (limit === undefined ? query : query.limit(limit));
  return rows.map((r) => ({ scriptHex: String(r.script_hex), addressId: toNum(r.id), invoiceId: r.invoice_id === null ? null : toNum(r.invoice_id) }));
}

/**
 * The chain watcher's reads, over `q` (the readers): its tip and recent blocks, the
 * addresses to watch and the payments it must find again. Shaped to chain's ChainStore.
 */
export function chainStore(q: Q) {
  return {
    loadTip: () => loadTip(q),
    findBlock: (hash: string) => findBlock(q, hash),
    watchedScripts: (afterId?: number, limit?: number) => watchedScripts(q, afterId, limit),
    earliestAddressTime: () => earliestAddressTime(q),
    mempoolPayments: () => mempoolPayments(q),
    paymentsOfTx: (txid: string) => paymentsOfTx(q, txid),
  };
}
