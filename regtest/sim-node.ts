/**
 * The built-in node simulator as a RegtestNode: a process-local Bitcoin Core (regtest)
 * with a real JSON-RPC server and real ZMQ publishers, real signed transactions and
 * valid blocks — and faults on demand (reorgs, RBF, eviction, lost ZMQ messages,
 * restarts, an unreachable or failing RPC).
 *
 * At start it mines `premine` blocks (default 101) to its wallet and, unless
 * `splitCoins` is 0, splits the first mature coinbase into that many confirmed coins in
 * one more block (default 1000 coins, tip height 102), so a thousand payments need no
 * unconfirmed chains. Coinbase maturity (100 blocks) is enforced. None of this is
 * announced: ZMQ and the RPC open afterwards, with every sequence number at 0 and the
 * mempool sequence at 1, as after a restart.
 *
 * Beyond RegtestNode, the SimNode class offers: stopRpc/startRpc, stopZmq/startZmq,
 * setRpcLatency, failRpc, prune, splitCoins, mineSynthetic, sendRawTransaction,
 * walletAddress/balance, and `mine(n, { doubleSpend })` / `reorg(…, { mode, doubleSpend })`.
 */
import { scriptHexForAddress } from '../src/wallet/address.js';
import { randomBytes } from 'node:crypto';
import { TillError } from '../src/domain/errors.js';
import type { Capabilities, PayOptions, RegtestNode, ReplaceOptions, RpcEndpoint, ZmqEndpoints } from './node.js';
import { outpointKey } from './sim/bytes.js';
import { CoreRpc } from './sim/rpc-methods.js';
import { RpcServer } from './sim/rpc-server.js';
import { AddressError, addressToScript } from './sim/script.js';
import { RejectError, SILENT_LISTENER, Simulator, type ReorgOptions } from './sim/simulator.js';
import { syntheticChain, syntheticChainCost, type SyntheticPayment } from './sim/synthetic.js';
import { txRecordFromRaw } from './sim/tx.js';
import { InsufficientFunds, SimWallet, dustThreshold, type TxOut } from './sim/wallet.js';
import { ZmqNotifier, type ZmqOptions, type ZmqTopic } from './sim/zmq.js';

export const SIM_CAPS: Readonly<Capabilities> = Object.freeze({ zmq: true, rbf: true, evict: true, dropZmq: true, restart: true });

export interface SimNodeOptions {
  host?: string;
  /** Default: a fixed user and a random password. */
  rpcUser?: string;
  rpcPassword?: string;
  /** Default 0: any free port. */
  rpcPort?: number;
  /** Core pauses 250 ms before answering a wrong password; so does the simulator unless told. */
  authFailDelayMs?: number;
  /** Topics, shared port, high-water mark (default 1000, Core's). */
  zmq?: ZmqOptions;
  /** Blocks mined to the wallet before anything else. Default 101. */
  premine?: number;
  /** Confirmed coins made from the first mature coinbase at start. Default 1000; 0: none. */
  splitCoins?: number;
  /** The wallet's fee rate in sat/vB. Default 2. */
  feeRate?: number;
  /** Core ≥ 28's mempoolfullrbf=1: replacements need no BIP125 signal. Default true. */
  fullRbf?: boolean;
  maxBlockWeight?: number;
  /** The wallet's BIP32 seed (default: fixed, so addresses repeat across runs). */
  seed?: Uint8Array;
  now?: () => Date;
}

export interface SimReorgOptions extends ReorgOptions {
  dropTxs?: string[];
}

export interface MineSyntheticOptions {
  /** Transactions in the block besides the coinbase. */
  txCount: number;
  /** Payments spread over those transactions (the rest pay filler addresses). */
  payTo?: { address?: string; script?: Uint8Array; sats: bigint }[];
  /** Sign for real (slower) instead of fake signature-shaped witnesses. Default false. */
  sign?: boolean;
}

export interface RestartOptions {
  /** How long the node stays down. Default 0. */
  downMs?: number;
  /**
   * Re-announce the reloaded mempool on ZMQ (rawtx + 'A' each, as Core does while loading
   * mempool.dat — usually before a subscriber has reconnected). Default false: the
   * mempool sequence still advances per reloaded transaction, but nothing is published.
   */
  announceMempool?: boolean;
}

const DEFAULT_USER = 'till-sim';
const DEFAULT_SPLIT_SATS = 5_000_000n;

export async function startSimNode(opts: SimNodeOptions = {}): Promise<SimNode> {
  const node = new SimNode(opts);
  await node.open();
  return node;
}

export class SimNode implements RegtestNode {
  readonly kind = 'sim' as const;
  readonly caps: Capabilities = { ...SIM_CAPS };
  readonly sim: Simulator;
  readonly wallet: SimWallet;
  private readonly notifier: ZmqNotifier;
  private readonly rpcServer: RpcServer;
  private readonly coreRpc: CoreRpc;
  private readonly host: string;
  private readonly user: string;
  private readonly password: string;
  private readonly feeRate: number;
  private readonly now: () => Date;
  private startedAt: number;
  private pruneHeight = 0;
  private mempoolLoading = false;
  private ibd = false;
  private closed = false;

  constructor(private readonly opts: SimNodeOptions = {}) {
    this.host = opts.host ?? '127.0.0.1';
    this.user = opts.rpcUser ?? DEFAULT_USER;
    this.password = opts.rpcPassword ?? randomBytes(16).toString('hex');
    this.feeRate = opts.feeRate ?? 2;
    this.now = opts.now ?? (() => new Date());
    this.startedAt = this.now().getTime();
    this.wallet = new SimWallet(opts.seed);
    this.sim = new Simulator({ wallet: this.wallet, now: this.now, fullRbf: opts.fullRbf, maxBlockWeight: opts.maxBlockWeight });
    this.notifier = new ZmqNotifier({ host: this.host, ...opts.zmq });
    this.coreRpc = new CoreRpc({
      sim: this.sim,
      zmqNotifications: () => this.notifier.notifications(),
      uptime: () => Math.floor((this.now().getTime() - this.startedAt) / 1000),
      pruneHeight: () => this.pruneHeight,
      mempoolLoading: () => this.mempoolLoading,
      initialBlockDownload: () => this.ibd,
      wallet: {
        newAddress: () => this.wallet.address,
        sendToAddress: (address, sats) =>
          this.walletCall(() => this.sim.pay([this.txOut(address, sats)], { replaceable: true, feeRate: this.feeRate })).txid,
        generateToAddress: (n, address) =>
          this.walletCall(() => this.sim.mine(n, { payoutScript: Buffer.from(scriptHexForAddress(address, 'regtest'), 'hex') })).map((b) => b.hash),
      },
    });
    this.rpcServer = new RpcServer({
      host: this.host,
      port: opts.rpcPort ?? 0,
      user: this.user,
      password: this.password,
      dispatcher: this.coreRpc,
      authFailDelayMs: opts.authFailDelayMs,
    });
  }

  get rpc(): RpcEndpoint {
    return { host: this.host, port: this.rpcServer.port, user: this.user, password: this.password };
  }

  get zmq(): ZmqEndpoints {
    const endpoints: ZmqEndpoints = {};
    for (const topic of this.notifier.topics) endpoints[topic] = this.notifier.endpoint(topic);
    return endpoints;
  }

  /** The chain and coins first, silently; then the sockets. */
  async open(): Promise<void> {
    const premine = this.opts.premine ?? 101;
    const split = this.opts.splitCoins ?? 1000;
    this.sim.mine(premine);
    if (split > 0) {
      if (premine < 101) throw new TillError('validation_failed', `splitCoins needs a mature coinbase: premine ≥ 101 (got ${premine})`);
      const firstCoinbase = this.sim.chain.atHeight(1)?.txs[0];
      const coin = firstCoinbase === undefined ? undefined : this.wallet.coin(outpointKey(firstCoinbase.txid, 0));
      const sats = coin === undefined ? DEFAULT_SPLIT_SATS : (coin.value - 100_000n) / BigInt(split);
      this.walletCall(() => this.splitNow(split, sats > DEFAULT_SPLIT_SATS ? DEFAULT_SPLIT_SATS : sats));
    }
    this.sim.mempool.resetSequence();
    this.sim.listener = this.notifier;
    try {
      await this.notifier.start();
      await this.rpcServer.start();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
  }

  // ------------------------------------------------------------ RegtestNode

  async pay(address: string, sats: bigint, opts: PayOptions = {}): Promise<string> {
    return this.payMany([{ address, sats }], opts);
  }

  async payMany(outputs: { address: string; sats: bigint }[], opts: PayOptions = {}): Promise<string> {
    this.ensureOpen();
    if (outputs.length === 0) throw new TillError('validation_failed', 'payMany needs at least one output');
    const seen = new Set<string>();
    const txOuts = outputs.map(({ address, sats }) => {
      if (seen.has(address)) throw new TillError('validation_failed', `Invalid parameter, duplicated address: ${address}`);
      seen.add(address);
      return this.txOut(address, sats);
    });
    const rec = this.walletCall(() => this.sim.pay(txOuts, { replaceable: opts.replaceable ?? true, feeRate: this.feeRate }));
    await this.notifier.flush();
    return rec.txid;
  }

  /** `doubleSpend`: the first block confirms a conflicting spend of these mempool txs instead. */
  async mine(n = 1, opts: { doubleSpend?: string[] } = {}): Promise<string[]> {
    this.ensureOpen();
    if (!Number.isInteger(n) || n < 0) throw new TillError('validation_failed', `mine: n must be a whole number ≥ 0, got ${n}`);
    const spends = opts.doubleSpend ?? [];
    const blocks = this.walletCall(() => (spends.length === 0 ? this.sim.mine(n) : this.sim.mineWithDoubleSpends(n, spends)));
    await this.notifier.flush();
    return blocks.map((b) => b.hash);
  }

  tipHeight(): Promise<number> {
    return Promise.resolve(this.sim.tipHeight());
  }

  bestBlockHash(): Promise<string> {
    return Promise.resolve(this.sim.chain.tip().hash);
  }

  async reorg(depth: number, opts: SimReorgOptions = {}): Promise<string[]> {
    this.ensureOpen();
    const blocks = this.walletCall(() => this.sim.reorg(depth, opts));
    await this.notifier.flush();
    return blocks.map((b) => b.hash);
  }

  async invalidateBlock(hash: string): Promise<void> {
    this.ensureOpen();
    this.walletCall(() => this.sim.invalidate(hash));
    await this.notifier.flush();
  }

  async reconsiderBlock(hash: string): Promise<void> {
    this.ensureOpen();
    this.walletCall(() => this.sim.reconsider(hash));
    await this.notifier.flush();
  }

  async replace(txid: string, opts: ReplaceOptions = {}): Promise<string> {
    this.ensureOpen();
    const outputs = opts.outputs?.map(({ address, sats }) => this.txOut(address, sats));
    const rec = this.walletCall(() => this.sim.replace(txid, { outputs, feeRate: this.feeRate }));
    await this.notifier.flush();
    return rec.txid;
  }

  async evict(txid: string): Promise<void> {
    this.ensureOpen();
    if (!this.sim.mempool.has(txid)) throw new TillError('invalid_state', `evict: ${txid} is not in the mempool`);
    this.sim.removeRecursive(txid);
    await this.notifier.flush();
  }

  dropZmq(topic: ZmqTopic, n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new TillError('validation_failed', `dropZmq: n must be a whole number ≥ 0, got ${n}`);
    this.notifier.drop(topic, n);
  }

  /**
   * Down and up again on the same ports: ZMQ sequence numbers from 0, the mempool kept
   * (Core's mempool.dat) with the mempool sequence from 1 plus one per reloaded tx.
   */
  async restart(opts: RestartOptions = {}): Promise<void> {
    this.ensureOpen();
    await this.notifier.flush();
    await this.rpcServer.stop();
    await this.notifier.stop();
    if ((opts.downMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, opts.downMs));
    this.notifier.resetSequences();
    this.sim.mempool.resetSequence();
    this.startedAt = this.now().getTime();
    await this.notifier.start();
    const reloaded = this.sim.mempool.topological().map((txid) => this.sim.mempool.get(txid)?.rec);
    for (const rec of reloaded) {
      const seq = this.sim.mempool.takeSequence();
      if (opts.announceMempool === true && rec !== undefined) this.notifier.txAdded(rec, seq);
    }
    await this.notifier.flush();
    await this.rpcServer.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.shutdown();
  }

  // ------------------------------------------------------------ faults and helpers

  /** The RPC port stops answering (connection refused) until startRpc. */
  stopRpc(): Promise<void> {
    return this.rpcServer.stop();
  }

  startRpc(): Promise<void> {
    this.ensureOpen();
    return this.rpcServer.start();
  }

  /** ZMQ publishers gone (as if unreachable); events meanwhile are lost but numbered. */
  async stopZmq(): Promise<void> {
    await this.notifier.flush();
    await this.notifier.stop();
  }

  startZmq(): Promise<void> {
    this.ensureOpen();
    return this.notifier.start();
  }

  /** Every RPC reply waits this long first. */
  setRpcLatency(ms: number): void {
    this.rpcServer.latencyMs = ms;
  }

  /**
   * The next `times` calls of `method` ('*': any) fail with this Core error, e.g.
   * `{ code: -28, message: 'Loading block index…' }` (warm-up).
   */
  failRpc(method: string, error: { code: number; message: string }, times = 1): void {
    this.coreRpc.faults.set(method, { ...error, times });
  }

  /**
   * As a node that restarted with a large mempool.dat: RPC answers, but the mempool reads
   * as empty and `getmempoolinfo.loaded` is false until `setMempoolLoading(false)`.
   */
  setMempoolLoading(loading: boolean): void {
    this.mempoolLoading = loading;
  }

  /** getblockchaininfo reports initial block download while on. */
  setInitialBlockDownload(on: boolean): void {
    this.ibd = on;
  }

  /** Blocks below `height` lose their data: getblock answers -1 "Block not available (pruned data)". */
  prune(height: number): void {
    this.pruneHeight = height;
  }

  walletAddress(): string {
    return this.wallet.address;
  }

  balance(): { confirmed: bigint; unconfirmed: bigint; immature: bigint } {
    return this.wallet.balance(this.sim.tipHeight());
  }

  /** Splits wallet money into `count` confirmed coins of `sats` and mines the split (announced). */
  async splitCoins(count: number, sats = DEFAULT_SPLIT_SATS): Promise<string> {
    this.ensureOpen();
    const txid = this.walletCall(() => this.splitNow(count, sats));
    await this.notifier.flush();
    return txid;
  }

  /** sendrawtransaction, without script checks. */
  async sendRawTransaction(hex: string): Promise<string> {
    this.ensureOpen();
    const rec = this.walletCall(() => {
      const r = txRecordFromRaw(Buffer.from(hex, 'hex'));
      this.sim.accept(r);
      return r;
    });
    await this.notifier.flush();
    return rec.txid;
  }

  /**
   * Mines one block of `txCount` synthetic transactions — a spend chain funded by one
   * wallet coin, each paying one of `payTo` or a filler address — and nothing from the
   * mempool. Consistent amounts, fake signatures unless `sign`. Resolves to the block hash.
   */
  async mineSynthetic(opts: MineSyntheticOptions): Promise<string> {
    this.ensureOpen();
    const payTo: SyntheticPayment[] = (opts.payTo ?? []).map((p) => {
      if (p.script !== undefined) return { script: p.script, sats: p.sats };
      if (p.address !== undefined) return { script: this.txOut(p.address, p.sats).script, sats: p.sats };
      throw new TillError('validation_failed', 'mineSynthetic: each payment needs an address or a script');
    });
    const block = this.walletCall(() => {
      const cost = syntheticChainCost(opts.txCount, payTo);
      const coin = this.wallet.spendable(this.sim.tipHeight(), true).find((c) => c.value >= cost);
      if (coin === undefined) throw new InsufficientFunds(`mineSynthetic: no confirmed coin of ${cost} sats`);
      const txs = syntheticChain({
        count: opts.txCount,
        payTo,
        funding: coin,
        carryScript: this.wallet.script,
        sign: opts.sign === true ? (tx, value) => this.wallet.sign(tx, [value]) : undefined,
      });
      return this.sim.mineTxs(txs);
    });
    await this.notifier.flush();
    return block.hash;
  }

  /** Resolves once every ZMQ message so far is handed to the sockets. */
  flush(): Promise<void> {
    return this.notifier.flush();
  }

  // ------------------------------------------------------------ internals

  private splitNow(count: number, sats: bigint): string {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`splitCoins: count must be ≥ 1, got ${count}`);
    const outputs: TxOut[] = Array.from({ length: count }, () => ({ script: this.wallet.script, value: sats }));
    const rec = this.sim.pay(outputs, { replaceable: true, feeRate: this.feeRate });
    this.sim.mine(1);
    return rec.txid;
  }

  private txOut(address: string, sats: bigint): TxOut {
    let script: Buffer;
    try {
      script = addressToScript(address);
    } catch (err) {
      if (err instanceof AddressError) throw new TillError('validation_failed', err.message);
      throw err;
    }
    if (typeof sats !== 'bigint' || sats <= 0n) throw new TillError('validation_failed', `amount must be a positive bigint of sats, got ${String(sats)}`);
    const dust = dustThreshold(script);
    if (sats < dust) throw new TillError('validation_failed', `Transaction amount too small: ${sats} sats to ${address} is dust (< ${dust})`);
    return { script, value: sats };
  }

  /** Runs a simulator operation, turning its refusals into TillErrors. */
  private walletCall<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InsufficientFunds) throw new TillError('invalid_state', err.message);
      if (err instanceof RejectError) throw new TillError('invalid_state', `the simulator's mempool refused the transaction: ${err.reason} (RPC ${err.code})`);
      if (err instanceof RangeError) throw new TillError('validation_failed', err.message);
      throw err;
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new TillError('invalid_state', 'the simulator node is closed');
  }

  private async shutdown(): Promise<void> {
    this.sim.listener = SILENT_LISTENER;
    await this.rpcServer.stop();
    await this.notifier.stop();
  }
}

export { syntheticBlock, syntheticChain, fillerScript } from './sim/synthetic.js';
export { RPC_ERR } from './sim/rpc-server.js';
