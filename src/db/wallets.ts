import type { Knex } from 'knex';
import { isUniqueViolation, WriteConflict } from './errors.js';
import { isPostgres, rowsOf } from './fast.js';
import { LOCKS } from './postgres.js';
import { toBool, toNum, toNumOrNull, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;

export interface WalletRow {
  id: number;
  descriptor: string;
  chain: string;
  scriptType: string;
  fingerprint: string | null;
  firstIndex: number;
  nextIndex: number;
  active: boolean;
  createdAt: number;
}

export type AddressState = 'free' | 'assigned' | 'used';

export interface AddressRow {
  id: number;
  walletId: number;
  derivationIndex: number;
  address: string;
  scriptHex: string;
  state: AddressState;
  invoiceId: number | null;
}

function mapWallet(r: Row): WalletRow {
  return {
    id: toNum(r.id),
    descriptor: String(r.descriptor),
    chain: String(r.chain),
    scriptType: String(r.script_type),
    fingerprint: (r.fingerprint as string | null) ?? null,
    firstIndex: toNum(r.first_index),
    nextIndex: toNum(r.next_index),
    active: toBool(r.active),
    createdAt: toNum(r.created_at),
  };
}

function mapAddress(r: Row): AddressRow {
  return {
    id: toNum(r.id),
    walletId: toNum(r.wallet_id),
    derivationIndex: toNum(r.derivation_index),
    address: String(r.address),
    scriptHex: String(r.script_hex),
    state: r.state as AddressState,
    invoiceId: toNumOrNull(r.invoice_id),
  };
}

export async function findActiveWallet(q: Q): Promise<WalletRow | null> {
  const [r] = await rowsOf(q, 'SELECT * FROM wallets WHERE active = ? LIMIT 1', [true]);
  return r ? mapWallet(r) : null;
}

/** Makes a new wallet the active one; the previous one stays, inactive, with its addresses watched. */
export async function insertActiveWallet(
  trx: Knex.Transaction,
  w: { descriptor: string; chain: string; scriptType: string; fingerprint: string | null; firstIndex: number; createdAt: number },
): Promise<WalletRow> {
  // Settings from several processes at once run one after another: each deactivates the
  // one before, and the last wins. Without the lock they collided on the one-active index
  // and were run again, which under load could use up the retries.
  if (isPostgres(trx)) await trx.raw('SELECT pg_advisory_xact_lock(?)', [LOCKS.walletSet]);
  await trx('wallets').where({ active: true }).update({ active: false, deactivated_at: w.createdAt });
  // The same key again (set twice, or back after another): the same row, so its addresses
  // carry on from where they stopped instead of being derived a second time.
  const [same] = await rowsOf(trx, 'SELECT * FROM wallets WHERE descriptor = ? AND chain = ? ORDER BY id LIMIT 1', [w.descriptor, w.chain]);
  if (same) {
    const again = mapWallet(same);
    // A new --first-index says where the merchant's other uses of the key end; addresses
    // already handed out stay handed out.
    const nextIndex = Math.max(again.nextIndex, w.firstIndex);
    await trx('wallets').where({ id: again.id }).update({ active: true, deactivated_at: null, first_index: w.firstIndex, next_index: nextIndex });
    return { ...again, firstIndex: w.firstIndex, nextIndex, active: true };
  }
  let row: { id: number };
  try {
    [row] = (await trx('wallets')
      .insert({
        descriptor: w.descriptor,
        chain: w.chain,
        script_type: w.scriptType,
        fingerprint: w.fingerprint,
        first_index: w.firstIndex,
        next_index: w.firstIndex,
        active: true,
        created_at: w.createdAt,
      })
      .returning('id')) as [{ id: number }];
  } catch (err) {
    // Another process made its wallet active after this one's UPDATE above (PostgreSQL, two
    // `wallet set` at once): the one-active index refused this insert. Run the unit again:
    // it then deactivates that wallet as it would any other, and the later setting wins.
    if (isUniqueViolation(err, 'wallets_one_active')) throw new WriteConflict('another wallet was made active meanwhile');
    throw err;
  }
  return { ...w, id: toNum(row.id), nextIndex: w.firstIndex, active: true };
}

/**
 * Takes the lowest free address for an invoice in one statement, so two finalizes in
 * one transaction batch can never take the same one. Lowest first: released addresses
 * are reused before new ones widen the gap. A released address is free only once it has
 * cooled down (`releasedBefore`): until then a payer may still pay it from the old QR.
 */
export async function claimFreeAddress(
  trx: Knex.Transaction,
  walletId: number,
  invoiceId: number,
  now: number,
  releasedBefore: number,
): Promise<AddressRow | null> {
  // Many writers (PostgreSQL, READ COMMITTED): two transactions may pick the same row in
  // the subquery; the second, once the first commits, rechecks only the outer WHERE. SKIP
  // LOCKED makes it pick a row no one holds, and `state = 'free'` in the outer WHERE makes
  // a row taken meanwhile match nothing rather than be handed out twice. SQLite has one
  // writer and no row locks: the clause is PostgreSQL's alone.
  const skipLocked = isPostgres(trx) ? ' FOR UPDATE SKIP LOCKED' : '';
  const [r] = await rowsOf(
    trx,
    `UPDATE addresses SET state = ?, invoice_id = ?, assigned_at = ?, released_at = NULL
     WHERE id = (SELECT id FROM addresses WHERE wallet_id = ? AND state = ? AND (released_at IS NULL OR released_at <= ?)
                 ORDER BY derivation_index LIMIT 1${skipLocked})
       AND state = ?
     RETURNING *`,
    ['assigned', invoiceId, now, walletId, 'free', releasedBefore, 'free'],
  );
  return r ? mapAddress(r) : null;
}

/** Reserves the wallet's next derivation index, atomically. */
export async function reserveIndex(trx: Knex.Transaction, walletId: number): Promise<number> {
  const [r] = await rowsOf(trx, 'UPDATE wallets SET next_index = next_index + 1 WHERE id = ? RETURNING next_index', [walletId]);
  return toNum(r!.next_index) - 1;
}

/**
 * Inserts a newly derived address, or returns null when its script is in the table already
 * (the same key was set before under another spelling): an address is handed out once.
 */
export async function insertAddress(
  trx: Knex.Transaction,
  a: { walletId: number; derivationIndex: number; address: string; scriptHex: string; state: AddressState; invoiceId: number | null; now: number },
): Promise<AddressRow | null> {
  const [row] = await rowsOf(
    trx,
    `INSERT INTO addresses (wallet_id, derivation_index, address, script_hex, state, invoice_id, assigned_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (script_hex) DO NOTHING RETURNING id`,
    [a.walletId, a.derivationIndex, a.address, a.scriptHex, a.state, a.invoiceId, a.state === 'assigned' ? a.now : null, a.now],
  );
  if (!row) return null;
  return { id: toNum(row.id), walletId: a.walletId, derivationIndex: a.derivationIndex, address: a.address, scriptHex: a.scriptHex, state: a.state, invoiceId: a.invoiceId };
}

/**
 * Returns an assigned, never-paid address to the pool. It keeps pointing at the invoice
 * that held it, so a payment to it goes there until another invoice takes it. A used
 * address never comes back.
 */
export async function releaseAddress(trx: Knex.Transaction, id: number, now: number): Promise<boolean> {
  const n = await trx('addresses').where({ id, state: 'assigned' }).update({ state: 'free', released_at: now });
  return n === 1;
}


export async function countAddresses(q: Q, walletId: number): Promise<Record<AddressState, number>> {
  const rows: Row[] = await q('addresses').where({ wallet_id: walletId }).groupBy('state').select('state').count({ n: '*' });
  const out: Record<AddressState, number> = { free: 0, assigned: 0, used: 0 };
  for (const r of rows) out[r.state as AddressState] = toNum(r.n);
  return out;
}


/** A run of never-paid addresses of the active wallet: indexes start … start + length - 1. */
export interface UnpaidRun {
  start: number;
  length: number;
  /** A paid address follows the run (false: the run ends at the last address handed out). */
  paidAfter: boolean;
}

/**
 * The run of never-paid addresses that asks the most of a wallet restoring from its seed,
 * which stops looking after `gap limit` unused addresses in a row: runs lie between paid
 * addresses, from the wallet's first index to the first paid one, and from the last paid
 * one to the last address handed out. A run before a paid address needs a gap limit of
 * length + 1 to reach that address, a run at the end length (to reach its last address,
 * should it be paid); the run needing the most is returned, null if there is none.
 * One statement over the (wallet_id, state, derivation_index) index. It reads every paid
 * row (about 100 ms at 100,000): a run is counted by index between paid ones, because an
 * index may have no row (a wallet set again with a lower first index, an index skipped
 * when its script was already known), and those count as unpaid too.
 */
export async function longestUnpaidRun(q: Q): Promise<UnpaidRun | null> {
  const [r] = await rowsOf(
    q,
    `WITH w AS (SELECT id, first_index AS f, next_index AS n FROM wallets WHERE active = ? ORDER BY id LIMIT 1),
     paid AS (
       SELECT derivation_index AS i, LAG(derivation_index) OVER (ORDER BY derivation_index) AS prev
       FROM addresses WHERE wallet_id = (SELECT id FROM w) AND state = ?
     ),
     runs AS (
       SELECT COALESCE(p.prev + 1, w.f) AS run_start, p.i AS run_end, 1 AS paid_after FROM paid p CROSS JOIN w
       UNION ALL
       SELECT COALESCE(MAX(p.i) + 1, w.f), w.n, 0 FROM w LEFT JOIN paid p ON 1 = 1 GROUP BY w.f, w.n
     )
     SELECT run_start, run_end - run_start AS run_length, paid_after FROM runs
     WHERE run_end > run_start
     ORDER BY run_end - run_start + paid_after DESC, run_start
     LIMIT 1`,
    [true, 'used'],
  );
  return r ? { start: toNum(r.run_start), length: toNum(r.run_length), paidAfter: toNum(r.paid_after) === 1 } : null;
}

/**
 * What the longest unpaid run depends on, read by key: the active wallet, its first and
 * next index, and the newest payment (an address turns paid only when a payment to it is
 * recorded, and payments are never deleted). The same key, the same run.
 */
export async function unpaidRunKey(q: Q): Promise<string> {
  const [r] = await rowsOf(
    q,
    'SELECT w.id, w.first_index, w.next_index, (SELECT MAX(id) FROM payments) AS last_payment FROM wallets w WHERE w.active = ? ORDER BY w.id LIMIT 1',
    [true],
  );
  return r ? `${String(r.id)}:${String(r.first_index)}:${String(r.next_index)}:${String(r.last_payment)}` : 'none';
}

/** When the first address was handed out (ms), or null if none ever was. */
export async function earliestAddressTime(q: Q): Promise<number | null> {
  const r = (await q('addresses').min({ m: 'created_at' }).first()) as Row | undefined;
  return r?.m === null || r?.m === undefined ? null : toNum(r.m);
}

/**
 * Retires an address that received money, in one statement, and says which invoice
 * holds it: the one it is assigned to, or the last one that held it (a released address
 * cooling down); null for an address no invoice ever held.
 */
export async function useAddress(trx: Knex.Transaction, id: number): Promise<{ invoiceId: number | null } | null> {
  const [r] = await rowsOf(trx, 'UPDATE addresses SET state = ? WHERE id = ? RETURNING invoice_id', ['used', id]);
  return r ? { invoiceId: toNumOrNull(r.invoice_id) } : null;
}

/**
 * The wallet's released addresses: those still cooling down (released after
 * `releasedAfter`, a payer may yet pay the old QR code) and those free to hand out again.
 */
export async function countReleasedAddresses(q: Q, walletId: number, releasedAfter: number): Promise<{ cooling: number; free: number }> {
  const [r] = await rowsOf(
    q,
    `SELECT COALESCE(SUM(CASE WHEN released_at > ? THEN 1 ELSE 0 END), 0) AS cooling,
            COALESCE(SUM(CASE WHEN released_at IS NULL OR released_at <= ? THEN 1 ELSE 0 END), 0) AS free
     FROM addresses WHERE wallet_id = ? AND state = ?`,
    [releasedAfter, releasedAfter, walletId, 'free'],
  );
  return { cooling: toNum(r?.cooling ?? 0), free: toNum(r?.free ?? 0) };
}
