/**
 * What the chain watcher reports and what it reads, declared here and implemented
 * elsewhere (wired in main.ts): chain finds money and blocks; invoicing records them; the
 * database keeps chain's bookkeeping. chain imports neither.
 */

/** A block Till has processed: the tip, or a fork point. */
export interface Tip {
  hash: string;
  height: number;
}

export interface StoredBlock extends Tip {
  prevHash: string;
}

/** An output paying one of Till's addresses. */
export interface SeenOutput {
  txid: string;
  vout: number;
  sats: bigint;
  addressId: number;
  /** When the money moved (ms): Core's mempool entry time on a re-read. Absent: now. */
  movedAt?: number;
  /** Outpoints (`txid:vout`) the transaction spends, to tell a replacement from an eviction later. */
  spends?: string[];
  /**
   * The node said it is in its mempool now. ZMQ's rawtx is no such proof (Core sends it for
   * the transactions of connected and disconnected blocks too), so a payment that stopped
   * standing stands again only on a sighting that has it.
   */
  inMempool?: boolean;
}

export interface ConnectedBlock {
  hash: string;
  height: number;
  prevHash: string;
  /** When money first found in this block moved (ms): the header's time. Absent: now. */
  movedAt?: number;
  /** Watched outputs in the block. */
  outputs: SeenOutput[];
}

/** Why a payment stopped standing: its block left the chain, or it left the mempool unmined. */
export type RevertReason = 'replaced' | 'evicted' | 'reorged';

/** A transaction that left the mempool without being mined. */
export interface RemovedTx {
  txid: string;
  /** `replaced`: something spent its inputs (RBF, a conflict); `evicted`: they are unspent again. */
  reason: 'replaced' | 'evicted';
}

/**
 * One batch of what the watcher learned. Applied in one transaction, so a crash leaves
 * either all of it or none, and the stored tip always matches the payments.
 */
export interface ChainChanges {
  /** Blocks taken off the chain by a reorg, tip first. */
  disconnected?: string[];
  /** The fork point the disconnected blocks went back to. */
  forkPoint?: Tip;
  /** Blocks added, in height order. */
  connected?: ConnectedBlock[];
  /** After a reorg: is a tx of a disconnected block back in the mempool? */
  inMempool?: ReadonlySet<string>;
  /** Watched outputs seen in the mempool. */
  seen?: SeenOutput[];
  /** Transactions that left the mempool without being mined: replaced, evicted, conflicted. */
  removed?: RemovedTx[];
  /** Where a first start begins following the chain (stored so a restart resumes there). */
  startAt?: Tip;
}

/** What the watcher needs back from a batch. */
export interface ChainReport {
  /** Payments that stopped standing. */
  reverted: { payment: { txid: string }; reason: RevertReason }[];
  /** Sighted again without proof of being in the mempool, though their payments no longer stand. */
  returns: string[];
}

/** Where the watcher reports (invoicing's PaymentService). Every call is one transaction. */
export interface ChainSink {
  apply(changes: ChainChanges): Promise<ChainReport>;
}

/** What the watcher reads of its own bookkeeping and of the payments it reported. */
export interface ChainStore {
  loadTip(): Promise<Tip | null>;
  findBlock(hash: string): Promise<StoredBlock | null>;
  /**
   * Every address ever issued (money to an old or released one is still seen): those
   * with an id above `afterId`, in id order, at most `limit` of them.
   */
  watchedScripts(afterId?: number, limit?: number): Promise<{ scriptHex: string; addressId: number }[]>;
  /** When the first address was handed out (ms), or null. */
  earliestAddressTime(): Promise<number | null>;
  /** Unconfirmed payments, with when Till saw them: a re-read must find them again. */
  mempoolPayments(): Promise<{ txid: string; seenAt: number }[]>;
  /** The payments of one transaction: whether one still stands in the mempool, what it spends. */
  paymentsOfTx(txid: string): Promise<{ status: string; spends: string[] | null }[]>;
}
