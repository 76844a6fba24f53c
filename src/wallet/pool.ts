import type { Knex } from 'knex';
import { TillError } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import {
  claimFreeAddress, findActiveWallet, insertActiveWallet, insertAddress, releaseAddress, reserveIndex,
  type AddressRow, type WalletRow,
} from '../db/wallets.js';
import type { Chain } from './chain.js';
import { parseWallet, type WatchOnlyWallet } from './watch-only-wallet.js';

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
 * derives a new one only when none is free. Parsed wallets are kept per id: parsing a
 * descriptor is far slower than the lookups finalize makes.
 */
export class AddressPool {
  private readonly parsed = new Map<number, WatchOnlyWallet>();

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

  /** Inside the caller's write transaction: an address for `invoiceId`, or no_wallet. */
  async take(trx: Knex.Transaction, invoiceId: number, now: number): Promise<AddressRow> {
    const active = await this.activeWallet(trx);
    if (!active) throw noWallet();
    const free = await claimFreeAddress(trx, active.row.id, invoiceId, now, now - this.cooldownMs);
    if (free) return free;
    const index = await reserveIndex(trx, active.row.id);
    const derived = active.wallet.derive(index);
    return insertAddress(trx, {
      walletId: active.row.id,
      derivationIndex: index,
      address: derived.address,
      scriptHex: derived.scriptHex,
      state: 'assigned',
      invoiceId,
      now,
    });
  }

  /** Returns a never-paid address to the pool, after its cool-down; a used one stays out for good. */
  async release(trx: Knex.Transaction, addressId: number, now: number): Promise<boolean> {
    return releaseAddress(trx, addressId, now);
  }
}
