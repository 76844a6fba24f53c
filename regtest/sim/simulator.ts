/**
 * The simulated bitcoind: chain, mempool and wallet, changed only through Core's own
 * operations (accept to mempool, connect and disconnect a tip, reorganize), each telling
 * its ChainListener what Core's validation interface would, in Core's order.
 */
import { outpointKey } from './bytes.js';
import { ChainState, ConsensusError, type Coin } from './chain.js';
import { COINBASE_MATURITY, COINBASE_WEIGHT_RESERVE, MAX_BLOCK_WEIGHT, assembleBlock, genesisBlock, type BlockRecord } from './consensus.js';
import { btc } from './json.js';
import { Mempool, type MempoolEntry } from './mempool.js';
import { RPC_ERR } from './rpc-server.js';
import { prevTxid, txRecord, type TxRecord } from './tx.js';
import type { ChainListener } from './zmq.js';
import type { CoinSource, SimWallet, TxOut, WalletCoin } from './wallet.js';
import { RBF_SEQUENCE } from './wallet.js';

/** Core's defaults: -minrelaytxfee and -incrementalrelayfee, 1 sat/vB. */
const MIN_RELAY_SAT_PER_VB = 1;
const INCREMENTAL_RELAY_SAT_PER_VB = 1;
/** BIP125 rule 5. */
const MAX_REPLACEMENT_EVICTIONS = 100;

export type RemovalReason = 'replaced' | 'conflict' | 'evicted' | 'reorg';

/** A transaction the mempool refuses, with the RPC error code sendrawtransaction gives. */
export class RejectError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RejectError';
  }
}

export const SILENT_LISTENER: ChainListener = {
  txAdded: () => undefined,
  txRemoved: () => undefined,
  blockConnected: () => undefined,
  blockDisconnected: () => undefined,
  tipUpdated: () => undefined,
};

export interface SimulatorOptions {
  wallet: SimWallet;
  now: () => Date;
  listener?: ChainListener;
  /** Core ≥ 28 replaces without BIP125 signalling (mempoolfullrbf=1). Default true. */
  fullRbf?: boolean;
  maxBlockWeight?: number;
}

export interface ReorgOptions {
  /** Blocks beyond `depth` on the new branch. Default 1. */
  extra?: number;
  /** Kept out of the new branch (with their descendants); they stay in the mempool unless `evict`. */
  dropTxs?: readonly string[];
  evict?: boolean;
  /** The new branch confirms a conflicting spend (back to the wallet) of each of these instead. */
  doubleSpend?: readonly string[];
  /**
   * 'invalidate' (default): what `invalidateblock` + `generatetoaddress` do on Core — each
   * block disconnected (rawtx…, D) with its transactions back in the mempool (rawtx, A),
   * then every new block announced as the tip. 'peer': a longer branch arriving from a
   * peer — all Ds, then the new blocks connected with only the disconnected transactions
   * they lack returned to the mempool, then their Cs, then one hashblock/rawblock for
   * the first block with more work than the old tip (and one per block after it).
   */
  mode?: 'invalidate' | 'peer';
}

export class Simulator implements CoinSource {
  readonly chain = new ChainState(genesisBlock());
  readonly mempool = new Mempool();
  readonly wallet: SimWallet;
  listener: ChainListener;
  private readonly now: () => Date;
  private readonly fullRbf: boolean;
  private readonly maxBlockWeight: number;
  private extraNonce = 0;

  constructor(opts: SimulatorOptions) {
    this.wallet = opts.wallet;
    this.now = opts.now;
    this.listener = opts.listener ?? SILENT_LISTENER;
    this.fullRbf = opts.fullRbf ?? true;
    this.maxBlockWeight = opts.maxBlockWeight ?? MAX_BLOCK_WEIGHT;
  }

  // CoinSource: the wallet's view of the world.
  lookup(key: string): Coin | undefined {
    return this.chain.utxo.get(key) ?? this.mempool.output(key);
  }

  spentInMempool(key: string): boolean {
    return this.mempool.spender(key) !== undefined;
  }

  nowSeconds(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  tipHeight(): number {
    return this.chain.height();
  }

  /** BIP125 signalling, own or inherited from an unconfirmed ancestor. */
  signalsRbf(txid: string): boolean {
    const own = (t: string) => this.mempool.get(t)?.rec.tx.ins.some((i) => i.sequence <= RBF_SEQUENCE) ?? false;
    if (own(txid)) return true;
    for (const a of this.mempool.ancestors(txid)) if (own(a)) return true;
    return false;
  }

  // ---------------------------------------------------------------- mempool

  /** Core's AcceptToMemoryPool, RBF included; announces rawtx + 'A'. */
  accept(rec: TxRecord, opts: { bypassLimits?: boolean } = {}): MempoolEntry {
    if (rec.tx.isCoinbase()) throw new RejectError(RPC_ERR.VERIFY_REJECTED, 'coinbase');
    if (this.mempool.has(rec.txid)) throw new RejectError(RPC_ERR.VERIFY_REJECTED, 'txn-already-in-mempool');
    const conflicts = this.mempool.conflicts(rec);
    const tipHeight = this.chain.height();
    const prevouts: Coin[] = [];
    let inSum = 0n;
    for (const input of rec.tx.ins) {
      const key = outpointKey(prevTxid(input), input.index);
      const coin = this.lookup(key);
      if (coin === undefined) {
        if (rec.tx.outs.some((_o, vout) => this.chain.utxo.has(outpointKey(rec.txid, vout)))) {
          throw new RejectError(RPC_ERR.VERIFY_ALREADY_IN_CHAIN, 'Transaction outputs already in utxo set');
        }
        throw new RejectError(RPC_ERR.VERIFY_ERROR, 'bad-txns-inputs-missingorspent');
      }
      if (coin.coinbase && tipHeight + 1 - coin.height < COINBASE_MATURITY) {
        throw new RejectError(RPC_ERR.VERIFY_REJECTED, 'bad-txns-premature-spend-of-coinbase');
      }
      prevouts.push(coin);
      inSum += coin.value;
    }
    const outSum = rec.tx.outs.reduce((sum, o) => sum + o.value, 0n);
    if (outSum > inSum) throw new RejectError(RPC_ERR.VERIFY_REJECTED, 'bad-txns-in-belowout');
    const fee = inSum - outSum;
    const minFee = BigInt(rec.vsize * MIN_RELAY_SAT_PER_VB);
    if (!opts.bypassLimits && fee < minFee) throw new RejectError(RPC_ERR.VERIFY_REJECTED, `min relay fee not met, ${fee} < ${minFee}`);
    if (conflicts.size > 0) this.checkReplacement(rec, fee, conflicts);

    const entry: MempoolEntry = {
      rec,
      fee,
      time: this.nowSeconds(),
      height: tipHeight,
      prevouts,
      parents: new Set(),
      children: new Set(),
    };
    this.mempool.add(entry);
    this.listener.txAdded(rec, this.mempool.takeSequence());
    this.wallet.refreshTx(rec, this);
    return entry;
  }

  /** BIP125 rules 2–5 (and rule 1 unless full RBF); evicts what is replaced. */
  private checkReplacement(rec: TxRecord, fee: bigint, conflicts: Set<string>): void {
    const reject = (msg: string) => new RejectError(RPC_ERR.VERIFY_REJECTED, msg);
    if (!this.fullRbf) for (const c of conflicts) if (!this.signalsRbf(c)) throw reject('txn-mempool-conflict');
    const all = new Set<string>();
    for (const c of conflicts) for (const d of this.mempool.withDescendants(c)) all.add(d);
    if (all.size > MAX_REPLACEMENT_EVICTIONS) throw reject(`too many potential replacements, rejecting replacement ${rec.txid}; too many potential replacements (${all.size} > ${MAX_REPLACEMENT_EVICTIONS})`);
    if (rec.tx.ins.some((i) => all.has(prevTxid(i)))) throw reject(`bad-txns-spends-conflicting-tx, ${rec.txid} spends conflicting transaction`);
    for (const c of conflicts) {
      const old = this.mempool.get(c) as MempoolEntry;
      if (fee * BigInt(old.rec.vsize) <= old.fee * BigInt(rec.vsize)) {
        const rate = (f: bigint, v: number) => btc((f * 1000n) / BigInt(v)).text;
        throw reject(`insufficient fee, rejecting replacement ${rec.txid}; new feerate ${rate(fee, rec.vsize)} BTC/kvB <= old feerate ${rate(old.fee, old.rec.vsize)} BTC/kvB`);
      }
    }
    const replacedFees = [...all].reduce((sum, t) => sum + (this.mempool.get(t)?.fee ?? 0n), 0n);
    if (fee < replacedFees) throw reject(`insufficient fee, rejecting replacement ${rec.txid}, less fees than conflicting txs; ${btc(fee).text} < ${btc(replacedFees).text}`);
    const relay = BigInt(rec.vsize * INCREMENTAL_RELAY_SAT_PER_VB);
    if (fee - replacedFees < relay) {
      throw reject(`insufficient fee, rejecting replacement ${rec.txid}, not enough additional fees to relay; ${btc(fee - replacedFees).text} < ${btc(relay).text}`);
    }
    this.removeSet(all);
  }

  /** Removes a transaction and its descendants, each announced with 'R'. */
  removeRecursive(txid: string): TxRecord[] {
    if (!this.mempool.has(txid)) return [];
    return this.removeSet(this.mempool.withDescendants(txid));
  }

  /**
   * Core removes a staged set in the order of a std::set keyed by txid, i.e. by the
   * hash's internal bytes; so does the simulator, one 'R' (and sequence number) each.
   */
  private removeSet(txids: Iterable<string>): TxRecord[] {
    const entries = [...txids].map((t) => this.mempool.get(t)).filter((e): e is MempoolEntry => e !== undefined);
    entries.sort((a, b) => Buffer.compare(a.rec.txidBytes, b.rec.txidBytes));
    for (const e of entries) {
      this.mempool.remove(e.rec.txid);
      this.listener.txRemoved(e.rec, this.mempool.takeSequence());
    }
    for (const e of entries) this.wallet.refreshTx(e.rec, this);
    return entries.map((e) => e.rec);
  }

  /** Core's removeForReorg: mempool transactions the new chain no longer supports go ('R'). */
  private removeForReorg(): void {
    const nextHeight = this.chain.height() + 1;
    for (const txid of this.mempool.topological()) {
      const entry = this.mempool.get(txid);
      if (entry === undefined) continue;
      const ok = entry.rec.tx.ins.every((input) => {
        const key = outpointKey(prevTxid(input), input.index);
        const coin = this.lookup(key);
        return coin !== undefined && (!coin.coinbase || nextHeight - coin.height >= COINBASE_MATURITY);
      });
      if (!ok) this.removeRecursive(txid);
    }
  }

  /** Core's MaybeUpdateMempoolForReorg: disconnected transactions back in, earliest first. */
  private returnToMempool(txs: readonly TxRecord[]): void {
    for (const rec of txs) {
      if (rec.tx.isCoinbase()) continue;
      try {
        this.accept(rec, { bypassLimits: true });
      } catch (err) {
        if (!(err instanceof RejectError)) throw err;
      }
    }
    this.removeForReorg();
  }

  // ---------------------------------------------------------------- blocks

  /** A valid block on the tip (or `prev`) with these transactions after the coinbase. */
  buildBlock(txs: readonly TxRecord[], opts: { prev?: BlockRecord; payoutScript?: Uint8Array } = {}): BlockRecord {
    const prev = opts.prev ?? this.chain.tip();
    const created = new Map<string, bigint>();
    let fees = 0n;
    for (const rec of txs) {
      let inSum = 0n;
      for (const input of rec.tx.ins) {
        const key = outpointKey(prevTxid(input), input.index);
        const value = created.get(key) ?? this.chain.utxo.get(key)?.value;
        if (value === undefined) throw new ConsensusError(`block template: ${rec.txid} spends unknown ${key}`);
        inSum += value;
      }
      rec.tx.outs.forEach((o, vout) => created.set(outpointKey(rec.txid, vout), o.value));
      fees += inSum - rec.tx.outs.reduce((sum, o) => sum + o.value, 0n);
    }
    return assembleBlock({
      prev,
      txs,
      fees,
      payoutScript: opts.payoutScript ?? this.wallet.script,
      time: this.nowSeconds(),
      extraNonce: this.extraNonce++,
    });
  }

  /** The mempool as a block template: parents first, within the weight limit, minus `exclude` and its descendants. */
  private template(exclude: ReadonlySet<string>, reservedWeight: number): TxRecord[] {
    const left = new Set<string>();
    const picked: TxRecord[] = [];
    let weight = COINBASE_WEIGHT_RESERVE + reservedWeight;
    for (const txid of this.mempool.topological()) {
      const entry = this.mempool.get(txid) as MempoolEntry;
      if (exclude.has(txid) || [...entry.parents].some((p) => left.has(p)) || weight + entry.rec.weight > this.maxBlockWeight) {
        left.add(txid);
        continue;
      }
      weight += entry.rec.weight;
      picked.push(entry.rec);
    }
    return picked;
  }

  /**
   * Connects `block` as the new tip. Mempool side first (Core's removeForBlock: each
   * included tx leaves silently but takes a sequence number; conflicts leave with 'R'),
   * then — unless deferred — rawtx… + 'C' and hashblock + rawblock.
   */
  connect(block: BlockRecord, notify: { connected?: boolean; tip?: boolean } = {}): void {
    this.chain.connect(block);
    for (const rec of block.txs) {
      if (this.mempool.remove(rec.txid) !== undefined) this.mempool.takeSequence();
      if (rec.tx.isCoinbase()) continue;
      for (const input of rec.tx.ins) {
        const spender = this.mempool.spender(outpointKey(prevTxid(input), input.index));
        if (spender !== undefined && spender !== rec.txid) this.removeRecursive(spender);
      }
    }
    for (const rec of block.txs) this.wallet.refreshTx(rec, this);
    if (notify.connected ?? true) this.listener.blockConnected(block);
    if (notify.tip ?? true) this.listener.tipUpdated(block);
  }

  /** Disconnects the tip: rawtx… + 'D'. Its transactions are the caller's to return. */
  disconnect(): BlockRecord {
    const block = this.chain.disconnect();
    for (const rec of block.txs) this.wallet.refreshTx(rec, this);
    this.listener.blockDisconnected(block);
    return block;
  }

  /** generatetoaddress: `n` blocks, the first taking the mempool (and `extraFirst` after it). */
  mine(n: number, opts: { exclude?: ReadonlySet<string>; extraFirst?: readonly TxRecord[]; payoutScript?: Uint8Array } = {}): BlockRecord[] {
    const blocks: BlockRecord[] = [];
    for (let i = 0; i < n; i++) {
      const extra = i === 0 ? (opts.extraFirst ?? []) : [];
      const reserved = extra.reduce((w, t) => w + t.weight, 0);
      const block = this.buildBlock([...this.template(opts.exclude ?? new Set(), reserved), ...extra], { payoutScript: opts.payoutScript });
      this.connect(block);
      blocks.push(block);
    }
    return blocks;
  }

  /** `mine`, with the first block confirming a conflicting spend of each of `txids` (mempool txs). */
  mineWithDoubleSpends(n: number, txids: readonly string[]): BlockRecord[] {
    const spends = txids.map((txid) => {
      const entry = this.mempool.get(txid);
      if (entry === undefined) throw new RangeError(`doubleSpend: ${txid} is not in the mempool`);
      return this.doubleSpendOf(txid, entry.prevouts);
    });
    return this.mine(n, { exclude: new Set(txids), extraFirst: spends });
  }

  /** Mines one block with exactly these transactions (e.g. synthetic ones) after the coinbase. */
  mineTxs(txs: readonly TxRecord[]): BlockRecord {
    const block = this.buildBlock(txs);
    this.connect(block);
    return block;
  }

  // ---------------------------------------------------------------- invalidate / reconsider

  /**
   * Core's `invalidateblock`: disconnects the block and everything above it (rawtx…, D
   * each) with their transactions back in the mempool, and mines nothing in their place:
   * the node's best block becomes the block's parent.
   */
  invalidate(hash: string): BlockRecord[] {
    const block = this.chain.get(hash);
    if (block === undefined) throw new RangeError(`invalidateblock: unknown block ${hash}`);
    const disconnected: BlockRecord[] = [];
    if (this.chain.onActiveChain(block)) {
      while (this.chain.tip() !== block) disconnected.push(this.disconnect());
      disconnected.push(this.disconnect());
    }
    this.chain.markInvalid(block);
    // Tip first, as Core's DisconnectTip loop hands them back; no hashblock/rawblock follows
    // (Core announces no new tip for an invalidation, only the D of each block).
    for (const b of disconnected) this.returnToMempool(b.txs);
    return disconnected;
  }

  /**
   * Core's `reconsiderblock`: clears the mark and, when the block's branch has more work
   * than the active chain, switches back to it (the blocks reconnected in order).
   */
  reconsider(hash: string): BlockRecord[] {
    const block = this.chain.get(hash);
    if (block === undefined) throw new RangeError(`reconsiderblock: unknown block ${hash}`);
    this.chain.clearInvalid(block);
    let best = block;
    for (const tip of this.chain.tips()) {
      for (let at: BlockRecord | null = tip; at !== null; at = at.prev) {
        if (at === block) {
          if (tip.chainWork > best.chainWork) best = tip;
          break;
        }
      }
    }
    if (best.chainWork <= this.chain.tip().chainWork) return [];
    const branch: BlockRecord[] = [];
    for (let at: BlockRecord | null = best; at !== null && !this.chain.onActiveChain(at); at = at.prev) branch.unshift(at);
    const fork = branch[0]!.prev!;
    const dropped: BlockRecord[] = [];
    while (this.chain.tip() !== fork) dropped.push(this.disconnect());
    for (const b of branch) this.connect(b, { tip: false });
    for (const b of dropped.reverse()) this.returnToMempool(b.txs);
    this.listener.tipUpdated(this.chain.tip());
    return branch;
  }

  // ---------------------------------------------------------------- reorg

  reorg(depth: number, opts: ReorgOptions = {}): BlockRecord[] {
    const extra = opts.extra ?? 1;
    const mode = opts.mode ?? 'invalidate';
    if (!Number.isInteger(depth) || depth < 1 || depth > this.chain.height()) throw new RangeError(`reorg depth must be 1..${this.chain.height()}, got ${depth}`);
    const minExtra = mode === 'peer' ? 1 : 0;
    if (!Number.isInteger(extra) || extra < minExtra) throw new RangeError(`reorg extra must be a whole number ≥ ${minExtra} in ${mode} mode, got ${extra}`);
    const drop = new Set(opts.dropTxs ?? []);
    const doubleSpent = opts.doubleSpend ?? [];
    // Prevouts of every tx that may need a double spend, read before anything moves.
    const oldBlocks = this.chain.active.slice(this.chain.height() - depth + 1);
    const prevoutsOf = new Map<string, Coin[]>();
    for (const txid of doubleSpent) {
      const inMempool = this.mempool.get(txid);
      if (inMempool !== undefined) {
        prevoutsOf.set(txid, [...inMempool.prevouts]);
        continue;
      }
      for (const b of oldBlocks) {
        const i = this.chain.txIndex(b, txid);
        if (i > 0) prevoutsOf.set(txid, (this.chain.undoFor(b) as Coin[][])[i - 1] as Coin[]);
      }
      if (!prevoutsOf.has(txid)) throw new RangeError(`doubleSpend: ${txid} is neither in the mempool nor in the blocks being disconnected`);
    }
    return mode === 'peer' ? this.peerReorg(depth, extra, drop, opts.evict ?? false, doubleSpent, prevoutsOf) : this.invalidateReorg(depth, extra, drop, opts.evict ?? false, doubleSpent, prevoutsOf);
  }

  private invalidateReorg(depth: number, extra: number, drop: Set<string>, evict: boolean, doubleSpent: readonly string[], prevoutsOf: Map<string, Coin[]>): BlockRecord[] {
    for (let i = 0; i < depth; i++) {
      const block = this.disconnect();
      this.chain.markInvalid(block);
      this.returnToMempool(block.txs);
    }
    if (evict) for (const txid of drop) this.removeRecursive(txid);
    const spends = doubleSpent.map((txid) => this.doubleSpendOf(txid, prevoutsOf.get(txid) as Coin[]));
    const exclude = new Set([...drop, ...doubleSpent]);
    return this.mine(depth + extra, { exclude, extraFirst: spends });
  }

  private peerReorg(depth: number, extra: number, drop: Set<string>, evict: boolean, doubleSpent: readonly string[], prevoutsOf: Map<string, Coin[]>): BlockRecord[] {
    const oldTipWork = this.chain.tip().chainWork;
    const disconnected: TxRecord[] = [];
    const oldBlocks: BlockRecord[] = [];
    for (let i = 0; i < depth; i++) oldBlocks.push(this.disconnect());
    // Earliest first, as Core's disconnectpool gives them back.
    for (const b of oldBlocks.slice().reverse()) disconnected.push(...b.txs.slice(1));

    // The other miner's first block: the disconnected txs and the mempool, minus what
    // was dropped or double-spent (and whatever spends those).
    const excluded = new Set([...drop, ...doubleSpent]);
    const firstTxs: TxRecord[] = [];
    const fromPool = (rec: TxRecord) => {
      if (excluded.has(rec.txid) || rec.tx.ins.some((i) => excluded.has(prevTxid(i)))) {
        excluded.add(rec.txid);
        return;
      }
      firstTxs.push(rec);
    };
    disconnected.forEach(fromPool);
    for (const txid of this.mempool.topological()) fromPool((this.mempool.get(txid) as MempoolEntry).rec);
    firstTxs.push(...doubleSpent.map((txid) => this.doubleSpendOf(txid, prevoutsOf.get(txid) as Coin[])));

    const newBlocks: BlockRecord[] = [];
    let announced = 0;
    for (let i = 0; i < depth + extra; i++) {
      const block = this.buildBlock(i === 0 ? firstTxs : []);
      newBlocks.push(block);
      const firstWinning = block.chainWork > oldTipWork && announced === 0;
      if (!firstWinning && block.chainWork > oldTipWork) {
        // Past the old tip: each further block is its own ActivateBestChain step.
        this.connect(block);
        continue;
      }
      this.connect(block, { connected: false, tip: false });
      if (!firstWinning) continue;
      // End of the step that overtook the old tip: the mempool first, then the signals.
      const confirmed = new Set(newBlocks.flatMap((b) => b.txs.map((t) => t.txid)));
      this.returnToMempool(disconnected.filter((t) => !confirmed.has(t.txid)));
      if (evict) for (const txid of drop) this.removeRecursive(txid);
      for (const b of newBlocks) this.listener.blockConnected(b);
      this.listener.tipUpdated(block);
      announced++;
    }
    return newBlocks;
  }

  /** A transaction spending the same coins back to the wallet (its fee: 3 sat/vB on top). */
  private doubleSpendOf(txid: string, prevouts: readonly Coin[]): TxRecord {
    const original = this.mempool.get(txid)?.rec ?? this.findConfirmed(txid);
    if (original === undefined) throw new RangeError(`doubleSpend: unknown transaction ${txid}`);
    const inputs: WalletCoin[] = original.tx.ins.map((input, i) => {
      const coin = prevouts[i] as Coin;
      return { txid: prevTxid(input), vout: input.index, value: coin.value, height: coin.height, coinbase: coin.coinbase };
    });
    const { tx } = this.wallet.build({ outputs: [], feeRate: 3, replaceable: true, tipHeight: this.chain.height(), mustSpend: inputs, avoid: new Set(inputs.map((c) => outpointKey(c.txid, c.vout))) });
    if (tx.ins.length !== inputs.length) throw new Error(`doubleSpend: the inputs of ${txid} cannot pay for their own double spend`);
    return txRecord(tx);
  }

  private findConfirmed(txid: string): TxRecord | undefined {
    for (const b of this.chain.blocks.values()) {
      const i = this.chain.txIndex(b, txid);
      if (i >= 0) return b.txs[i];
    }
    return undefined;
  }

  // ---------------------------------------------------------------- wallet

  /** Builds, signs and broadcasts a payment from the wallet. */
  pay(outputs: readonly TxOut[], opts: { replaceable: boolean; feeRate: number }): TxRecord {
    const { tx } = this.wallet.build({ outputs, feeRate: opts.feeRate, replaceable: opts.replaceable, tipHeight: this.chain.height() });
    const rec = txRecord(tx);
    this.accept(rec);
    return rec;
  }

  /**
   * Replaces a wallet transaction in the mempool: same inputs (more if needed), `outputs`
   * (default: the original's non-change outputs), a fee that satisfies BIP125.
   */
  replace(txid: string, opts: { outputs?: readonly TxOut[]; feeRate: number }): TxRecord {
    const original = this.mempool.get(txid);
    if (original === undefined) throw new RangeError(`replace: ${txid} is not in the mempool`);
    const inputs: WalletCoin[] = original.rec.tx.ins.map((input, i) => {
      const coin = original.prevouts[i] as Coin;
      if (!this.wallet.owns(coin.script)) throw new RangeError(`replace: ${txid} spends coins that are not the simulator wallet's`);
      return { txid: prevTxid(input), vout: input.index, value: coin.value, height: coin.height, coinbase: coin.coinbase };
    });
    const replaced = this.mempool.withDescendants(txid);
    const replacedFees = replaced.reduce((sum, t) => sum + (this.mempool.get(t)?.fee ?? 0n), 0n);
    const avoid = new Set<string>();
    for (const t of replaced) this.mempool.get(t)?.rec.tx.outs.forEach((_o, vout) => avoid.add(outpointKey(t, vout)));
    const outputs = opts.outputs ?? original.rec.tx.outs.filter((o) => !this.wallet.owns(o.script)).map((o) => ({ script: o.script, value: o.value }));
    const feeFloor = (vsize: number): bigint => {
      const byRelay = replacedFees + BigInt(vsize * INCREMENTAL_RELAY_SAT_PER_VB);
      const byRate = (original.fee * BigInt(vsize)) / BigInt(original.rec.vsize) + 1n;
      return byRelay > byRate ? byRelay : byRate;
    };
    const { tx } = this.wallet.build({ outputs, feeRate: opts.feeRate, replaceable: true, tipHeight: this.chain.height(), mustSpend: inputs, avoid, feeFloor });
    const rec = txRecord(tx);
    this.accept(rec);
    return rec;
  }
}
