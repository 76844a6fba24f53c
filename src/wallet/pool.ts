import type { Knex } from 'knex';
import { TillError } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import {
  claimFreeAddress, findActiveWallet, insertActiveWallet, insertAddress, releaseAddress, reserveIndex,
  type AddressRow, type WalletRow,
} from '../db/wallets.js';
import type { Chain } from './chain.js';
import { INDEX_LIMIT, parseWallet, type DerivedAddress, type WatchOnlyWallet } from './watch-only-wallet.js';

/**
 * Addresses derived ahead of the wallet's next index: enough for the most finalizes one
 * commit carries (the group commit's batch of 64), so none derives while the writer waits.
 */
const LOOKAHEAD = 64;
/** Indexes skipped in one take because an earlier entry of the same key handed them out. */
const SKIP_LIMIT = 1000;

export function noWallet(): TillError {
  return new TillError('no_wallet', 'No active wallet configured: set one with `till wallet set <xpub or descriptor>`');
}

export interface ActiveWallet {
  row: WalletRow;
  wallet: WatchOnlyWallet;
}

/**
 * The address pool: hands each open invoice an address no other open invoice holds,
 * takes released addresses back (lowest index first, so the gap stays small), and
 * adds a new one only when none is free. Parsed wallets are kept per id: parsing a
 * descriptor is far slower than the lookups finalize makes. New addresses are derived
 * ahead, outside any transaction (`prepare`), so that the write lock is not held
 * through elliptic-curve work; the database alone decides which index an invoice gets.
 */
export class AddressPool {
  private readonly parsed = new Map<number, WatchOnlyWallet>();
  private ahead: { walletId: number; byIndex: Map<number, DerivedAddress> } | null = null;

  /**
   * @param cooldownMs how long a released address waits before another invoice may take
   *   it (a payer may still pay the cancelled invoice from its QR code meanwhile).
   */
  constructor(
    private readonly chain: Chain,
    private readonly cooldownMs = 0,
  ) {}

  /** Parses a key or descriptor for this chain and makes it the active wallet. */
  async setWallet(db: Database, input: string, firstIndex: number, now: number): Promise<ActiveWallet> {
    const wallet = parseWallet(input, this.chain);
    const row = await db.tx((trx) =>
      insertActiveWallet(trx, {
        descriptor: wallet.descriptor,
        chain: wallet.chain,
        scriptType: wallet.scriptType,
        fingerprint: wallet.origin?.fingerprint ?? wallet.fingerprint,
        firstIndex,
        createdAt: now,
      }),
    );
    this.parsed.set(row.id, wallet);
    return { row, wallet };
  }

  async activeWallet(q: Knex | Knex.Transaction): Promise<ActiveWallet | null> {
    const row = await findActiveWallet(q);
    if (!row) return null;
    return { row, wallet: this.walletFor(row) };
  }

  walletFor(row: WalletRow): WatchOnlyWallet {
    let wallet = this.parsed.get(row.id);
    if (!wallet) {
      wallet = parseWallet(row.descriptor, row.chain as Chain);
      this.parsed.set(row.id, wallet);
    }
    return wallet;
  }

  /**
   * Before the write transaction that takes an address: the active wallet (null if none),
   * with the addresses after its next index derived ahead.
   */
  async prepare(q: Knex): Promise<ActiveWallet | null> {
    const active = await this.activeWallet(q);
    if (!active) return null;
    const { id, nextIndex } = active.row;
    if (this.ahead?.walletId !== id) this.ahead = { walletId: id, byIndex: new Map() };
    const byIndex = this.ahead.byIndex;
    for (const index of byIndex.keys()) if (index < nextIndex) byIndex.delete(index);
    for (let index = nextIndex; index < Math.min(nextIndex + LOOKAHEAD, INDEX_LIMIT); index++) {
      if (!byIndex.has(index)) byIndex.set(index, active.wallet.derive(index));
    }
    return active;
  }

  /** Inside the caller's write transaction: an address for `invoiceId`, or no_wallet. */
  async take(trx: Knex.Transaction, invoiceId: number, now: number): Promise<AddressRow> {
    const active = await this.activeWallet(trx);
    if (!active) throw noWallet();
    const free = await claimFreeAddress(trx, active.row.id, invoiceId, now, now - this.cooldownMs);
    if (free) return free;
    // An index whose address is in the table already (the same key, set before under
    // another spelling, handed it out) is skipped: an address goes to one invoice only.
    for (let skipped = 0; skipped < SKIP_LIMIT; skipped++) {
      const index = await reserveIndex(trx, active.row.id);
      // Kept after use: a retried transaction reserves the same index again. Deriving here
      // happens only when more finalizes than the look-ahead (or another process) ran past it.
      const derived =
        (this.ahead?.walletId === active.row.id ? this.ahead.byIndex.get(index) : undefined) ?? active.wallet.derive(index);
      const row = await insertAddress(trx, {
        walletId: active.row.id,
        derivationIndex: index,
        address: derived.address,
        scriptHex: derived.scriptHex,
        state: 'assigned',
        invoiceId,
        now,
      });
      if (row) return row;
    }
    throw new TillError('address_pool_exhausted', `The next ${SKIP_LIMIT} addresses of this wallet were all handed out before under another wallet entry`);
  }

  /** Returns a never-paid address to the pool, after its cool-down; a used one stays out for good. */
  async release(trx: Knex.Transaction, addressId: number, now: number): Promise<boolean> {
    return releaseAddress(trx, addressId, now);
  }
}
