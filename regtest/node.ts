/**
 * One interface over every regtest node the tests can run against: Bitcoin Core
 * (bitcoind on PATH or $BITCOIND), Debian's litecoind (same RPC and block format, no
 * ZMQ), and the built-in simulator (real transactions, blocks and ZMQ frames, plus
 * faults on demand). A test asks what a node can do before it asks it to.
 *
 * Addresses are always Till's: bcrt1… for regtest. A node that speaks another HRP
 * (litecoind: rltc1…) converts them itself; the witness program is the same.
 */
export type NodeKind = 'bitcoind' | 'litecoind' | 'sim';

export interface RpcEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ZmqEndpoints {
  rawtx?: string;
  rawblock?: string;
  hashblock?: string;
  sequence?: string;
}

export interface Capabilities {
  /** Publishes ZMQ rawtx/rawblock/sequence. */
  zmq: boolean;
  /** Can replace an unconfirmed payment by fee bump (BIP125). */
  rbf: boolean;
  /** Can drop a transaction from its mempool without a replacement. */
  evict: boolean;
  /** Can lose ZMQ messages on purpose. */
  dropZmq: boolean;
  /** Can restart (process restart, ZMQ sequence numbers back to 0). */
  restart: boolean;
}

export interface PayOptions {
  /** Signal BIP125 replaceability (so `replace` can work later). Default true. */
  replaceable?: boolean;
}

export interface ReplaceOptions {
  /**
   * Where the replacement sends the money instead. Default: the same outputs with a
   * higher fee (a plain fee bump). `[]` sends it all back to the node's own wallet: the
   * payment disappears.
   */
  outputs?: { address: string; sats: bigint }[];
}

export interface RegtestNode {
  readonly kind: NodeKind;
  readonly caps: Capabilities;
  readonly rpc: RpcEndpoint;
  readonly zmq: ZmqEndpoints;

  /** Sends `sats` to a Till (bcrt1) address; resolves to the txid once it is in the mempool. */
  pay(address: string, sats: bigint, opts?: PayOptions): Promise<string>;
  /** One transaction with several outputs (one tx paying two invoices). */
  payMany(outputs: { address: string; sats: bigint }[], opts?: PayOptions): Promise<string>;
  /** Mines `n` blocks (including the mempool in the first); resolves to their hashes. */
  mine(n?: number): Promise<string[]>;
  tipHeight(): Promise<number>;
  bestBlockHash(): Promise<string>;
  /**
   * Disconnects the last `depth` blocks and mines `depth + extra` new ones so the new
   * branch wins. `dropTxs` keeps the disconnected transactions out of the new branch
   * (they stay in the mempool unless `evict` too); otherwise they are mined again.
   */
  reorg(depth: number, opts?: { extra?: number; dropTxs?: string[]; evict?: boolean }): Promise<string[]>;
  /**
   * `invalidateblock`: the block and those above it leave the active chain, their
   * transactions go back to the mempool, and nothing takes their place (the node's best
   * block becomes the block's parent).
   */
  invalidateBlock(hash: string): Promise<void>;
  /** `reconsiderblock`: undoes invalidateBlock; the branch is active again if it has the most work. */
  reconsiderBlock(hash: string): Promise<void>;
  /** RBF: replaces an unconfirmed transaction; resolves to the new txid. */
  replace(txid: string, opts?: ReplaceOptions): Promise<string>;
  /** Removes an unconfirmed transaction from the mempool with no replacement. */
  evict(txid: string): Promise<void>;
  /** Loses the next `n` ZMQ messages of a topic (they are sent to nobody). */
  dropZmq(topic: 'rawtx' | 'rawblock' | 'hashblock' | 'sequence', n: number): void;
  /** Stops and starts the node (its mempool survives; ZMQ sequence numbers restart at 0). */
  restart(): Promise<void>;
  /** Stops the node and removes its data. */
  close(): Promise<void>;
}
