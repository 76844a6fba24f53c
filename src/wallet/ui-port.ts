import { TillError } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import { countAddresses, countReleasedAddresses } from '../db/wallets.js';
import { describeChain, type Chain } from './chain.js';
import type { AddressPool } from './pool.js';
import { INDEX_LIMIT, deriveRange, parseWallet, type WatchOnlyWallet } from './watch-only-wallet.js';

/** How many receive addresses the merchant is shown to check against their wallet app. */
export const CHECK_ADDRESSES = 5;

export interface WalletAddress {
  index: number;
  address: string;
}

export interface WalletState {
  descriptor: string;
  chain: string;
  /** "regtest", "Bitcoin mainnet" … */
  network: string;
  scriptType: string;
  fingerprint: string | null;
  origin: { fingerprint: string; path: string } | null;
  firstIndex: number;
  nextIndex: number;
  setAt: number;
  /** The first addresses from the first index, derived (handed out or not). */
  addresses: WalletAddress[];
  /** Addresses handed out: held by open invoices, paid, and released back to the pool. */
  handedOut: { assigned: number; used: number; released: number };
  /** Released addresses still cooling down, and those free to hand out again. */
  cooling: number;
  free: number;
  cooldownMinutes: number;
}

export interface WalletPreview {
  /** The canonical descriptor the key becomes. */
  descriptor: string;
  network: string;
  scriptType: string;
  firstIndex: number;
  addresses: WalletAddress[];
}

function firstIndexOf(firstIndex: number): number {
  if (!Number.isInteger(firstIndex) || firstIndex < 0 || firstIndex >= INDEX_LIMIT - CHECK_ADDRESSES) {
    throw new TillError('validation_failed', `The first index must be a whole number from 0 to ${INDEX_LIMIT - CHECK_ADDRESSES - 1}`, { field: 'first_index' });
  }
  return firstIndex;
}

function addressesOf(wallet: WatchOnlyWallet, from: number): WalletAddress[] {
  return deriveRange(wallet, from, CHECK_ADDRESSES).map((a) => ({ index: a.index, address: a.address }));
}

/**
 * The wallet as the merchant UI sees it (web/admin/ports.ts WalletPort): the active one
 * with its first addresses and its pool, a preview of a key before it is set, and the
 * change itself through the address pool, as `till wallet set` does.
 */
export class WalletUiPort {
  constructor(
    private readonly db: Database,
    private readonly pool: AddressPool,
    private readonly chain: Chain,
    private readonly cooldownMinutes: number,
    private readonly now: () => number,
  ) {}

  async current(): Promise<WalletState | null> {
    const active = await this.pool.activeWallet(this.db.read);
    if (!active) return null;
    const { row, wallet } = active;
    const [counts, released] = await Promise.all([
      countAddresses(this.db.read, row.id),
      countReleasedAddresses(this.db.read, row.id, this.now() - this.cooldownMinutes * 60_000),
    ]);
    return {
      descriptor: row.descriptor,
      chain: row.chain,
      network: describeChain(row.chain as Chain),
      scriptType: row.scriptType,
      fingerprint: row.fingerprint,
      origin: wallet.origin,
      firstIndex: row.firstIndex,
      nextIndex: row.nextIndex,
      setAt: row.createdAt,
      addresses: addressesOf(wallet, row.firstIndex),
      handedOut: { assigned: counts.assigned, used: counts.used, released: counts.free },
      cooling: released.cooling,
      free: released.free,
      cooldownMinutes: this.cooldownMinutes,
    };
  }

  /** What a key would be: its descriptor and first addresses. Throws wallet_invalid or wallet_network_mismatch. */
  preview(input: string, firstIndex: number): Promise<WalletPreview> {
    const from = firstIndexOf(firstIndex);
    const wallet = parseWallet(input, this.chain);
    return Promise.resolve({
      descriptor: wallet.descriptor,
      network: describeChain(wallet.chain),
      scriptType: wallet.scriptType,
      firstIndex: from,
      addresses: addressesOf(wallet, from),
    });
  }

  /** Makes the key the active wallet; new invoices get its addresses from the first index on. */
  async set(input: string, firstIndex: number): Promise<WalletPreview> {
    const from = firstIndexOf(firstIndex);
    const { wallet } = await this.pool.setWallet(this.db, input, from, this.now());
    return { descriptor: wallet.descriptor, network: describeChain(wallet.chain), scriptType: wallet.scriptType, firstIndex: from, addresses: addressesOf(wallet, from) };
  }
}
