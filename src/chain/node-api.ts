/**
 * The Bitcoin Core calls Till makes, typed, with Core's own help text beside each field
 * (from `bitcoin-cli help <call>`). Till needs no Core wallet and no txindex: it reads
 * raw blocks and mempool transactions and parses them itself.
 */

/** getblockchaininfo */
export interface BlockchainInfo {
  /** "current network name (main, test, testnet4, signet, regtest)" */
  chain: string;
  /** "the height of the most-work fully-validated chain. The genesis block has height 0" */
  blocks: number;
  /** "the current number of headers we have validated" */
  headers: number;
  /** "the hash of the currently best block" */
  bestblockhash: string;
  /** "(debug information) estimate of whether this node is in Initial Block Download mode" */
  initialblockdownload: boolean;
  /** "estimate of verification progress [0..1]" (a float; display only) */
  verificationprogress: number;
  /** "if the blocks are subject to pruning" */
  pruned: boolean;
  /** "height of the last block pruned, plus one (only present if pruning is enabled)" */
  pruneheight?: number;
}

/** getblockheader "blockhash" true */
export interface BlockHeader {
  /** "the block hash (same as provided)" */
  hash: string;
  /** "The number of confirmations, or -1 if the block is not on the main chain" */
  confirmations: number;
  /** "The block height or index" */
  height: number;
  /** "The hash of the previous block (if available)" */
  previousblockhash?: string;
  /** "The hash of the next block (if available)" */
  nextblockhash?: string;
  /** "The block time expressed in UNIX epoch time" */
  time: number;
}

/** getzmqnotifications: one entry per active notification. */
export interface ZmqNotification {
  /** "Type of notification" e.g. "pubrawtx" */
  type: string;
  /** "Address of the publisher" e.g. "tcp://127.0.0.1:28332" */
  address: string;
  /** "Outbound message high water mark" */
  hwm: number;
}

/** getrawmempool false true */
export interface MempoolSequence {
  txids: string[];
  /** "The mempool sequence value." Matches the `sequence` ZMQ topic's mempool counter. */
  mempool_sequence: number;
}

/** getmempoolinfo */
export interface MempoolInfo {
  /** "True if the initial load attempt of the persisted mempool finished" (absent before Core 0.19: loaded) */
  loaded: boolean;
  /** "Current tx count" */
  size: number;
}

/**
 * What the watcher asks of a node. Implemented over JSON-RPC for Bitcoin Core (and
 * Core-derived daemons in tests). Every method rejects with TillError('node_unavailable')
 * when the node cannot be reached or refuses the credentials, with a message that says
 * which.
 */
export interface NodeApi {
  getBlockchainInfo(): Promise<BlockchainInfo>;
  getBestBlockHash(): Promise<string>;
  /** null when no block is at that height on the active chain (RPC error -8). */
  getBlockHash(height: number): Promise<string | null>;
  /** null when the node does not know the block (RPC error -5). */
  getBlockHeader(hash: string): Promise<BlockHeader | null>;
  /** The serialized block (getblock hash 0); null if unknown or pruned. */
  getBlock(hash: string): Promise<Buffer | null>;
  getRawMempool(): Promise<string[]>;
  /**
   * Raw mempool transactions by txid, fetched in batched JSON-RPC calls of at most
   * `batchSize`. An entry is null when that tx is no longer in the mempool.
   */
  getRawTransactions(txids: readonly string[], batchSize?: number): Promise<(Buffer | null)[]>;
  getZmqNotifications(): Promise<ZmqNotification[]>;
  getMempoolInfo(): Promise<MempoolInfo>;
  /**
   * getmempoolentry's `time` ("local time transaction entered pool in seconds since 1 Jan
   * 1970 GMT"), in ms; null when the tx is not in the mempool.
   */
  getMempoolEntryTime(txid: string): Promise<number | null>;
  /** gettxout txid n true: whether the output exists and nothing, mined or in the mempool, spends it. */
  isUnspent(txid: string, vout: number): Promise<boolean>;
}
