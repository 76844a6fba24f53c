import type { Database } from '../db/connection.js';
import { TillError } from '../domain/errors.js';
import { findBlock, loadTip, watchedScripts, type Tip } from '../db/chain.js';
import { mempoolPayments, paymentsOfTx } from '../db/payments.js';
import { earliestAddressTime } from '../db/wallets.js';
import type { Logger } from '../log.js';
import type { ApplyResult, ChainChanges, ConnectedBlock, PaymentService, RemovedTx, SeenOutput } from '../invoicing/payments.js';
import type { NodeApi } from './node-api.js';
import { parseBlock, parseTx, type RawBlock } from './raw.js';
import { WatchMap } from './watch-map.js';

export type Topic = 'rawtx' | 'rawblock' | 'hashblock' | 'sequence';

export interface FeedMessage {
  topic: Topic;
  body: Buffer;
  seq: number;
}

export interface WatcherOptions {
  node: NodeApi;
  payments: PaymentService;
  db: Database;
  log: Logger;
  now: () => number;
  /** Blocks fetched and applied per transaction while catching up. */
  catchUpChunk?: number;
  /** Txids per batched getrawtransaction call in a mempool re-read. */
  mempoolBatch?: number;
}

export interface CatchUp {
  from: number;
  to: number;
  at: number;
  startedAt: number;
}

/** Block time may be two hours off; look that much further back on a first start. */
const CLOCK_SLACK_MS = 2 * 3600_000;
/** Sightings waiting for the writer before the feed waits too. */
const MAX_PENDING = 5_000;
/** Sightings per transaction. */
const FLUSH_BATCH = 500;
/** How far a first start may look back for payments made before it. */
const FIRST_START_MAX_BLOCKS = 1008;

/**
 * Follows the node: ZMQ is the fast path, the RPC is the truth. Every block from the
 * stored tip to the node's best is read and matched (so downtime, restarts and lost
 * messages cost time, never money), reorgs walk back to the fork point, and a mempool
 * re-read finds what was broadcast meanwhile and what left the mempool unmined.
 */
export class ChainWatcher {
  readonly watch = new WatchMap();
  private tip: Tip | null = null;
  /** Txids already matched in the mempool: a re-read fetches only the others. */
  private readonly seenTx = new Set<string>();
  /** One chain job at a time: block connects, syncs and re-reads never interleave. */
  private chainJob: Promise<unknown> = Promise.resolve();
  private syncQueued: Promise<void> | null = null;
  private catchUp: CatchUp | null = null;
  private readonly opts: Required<Pick<WatcherOptions, 'catchUpChunk' | 'mempoolBatch'>> & WatcherOptions;
  lastError: string | null = null;
  lastSyncAt: number | null = null;
  private pendingSeen: SeenOutput[] = [];
  private flushing: Promise<void> | null = null;
  /** The node is still loading mempool.dat: its mempool is not yet the truth. */
  mempoolLoading = false;
  /** Set while the node is in initial block download: nothing is scanned. */
  paused = false;
  /**
   * When the last complete mempool read began (this process's clock). A transaction first
   * found after it was not in the mempool then, so its money moved no earlier, whatever
   * the node's clock says; before the first read (after downtime) the node's times stand.
   */
  private lastFullReadAt: number | null = null;

  constructor(opts: WatcherOptions) {
    this.opts = { catchUpChunk: 20, mempoolBatch: 500, ...opts };
  }

  get currentTip(): Tip | null {
    return this.tip;
  }

  get progress(): CatchUp | null {
    return this.catchUp;
  }

  /** Loads every address ever issued and the stored tip. No RPC yet: the node may be down. */
  async load(): Promise<void> {
    for (const s of await watchedScripts(this.opts.db.read)) this.watch.add(s.scriptHex, s.addressId);
    this.tip = await loadTip(this.opts.db.read);
  }

  /** A newly issued address joins the watch map (finalize calls this after commit). */
  addAddress(scriptHex: string, addressId: number): void {
    this.watch.add(scriptHex, addressId);
  }

  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.chainJob.then(job, job);
    this.chainJob = run.catch(() => undefined);
    return run;
  }

  /** Brings the stored tip to the node's best block. Calls made while one runs share the next run. */
  syncToTip(): Promise<void> {
    this.syncQueued ??= this.serial(async () => {
      this.syncQueued = null;
      await this.doSync();
    });
    return this.syncQueued;
  }

  /** After downtime, a restart or lost messages: every block since the tip, then the mempool. */
  async catchUpAll(): Promise<void> {
    await this.syncToTip();
    await this.resyncMempool();
  }

  private async doSync(): Promise<void> {
    const { node, log } = this.opts;
    for (let round = 0; round < 10; round++) {
      const best = await node.getBestBlockHash();
      if (this.tip && best === this.tip.hash) {
        this.lastSyncAt = this.opts.now();
        return;
      }
      const bestHeader = await node.getBlockHeader(best);
      if (!bestHeader) continue;
      if (!this.tip) {
        const start = await this.firstStartTip(bestHeader.height);
        await this.opts.payments.apply({ startAt: start });
        this.tip = start;
      }

      const { fork, disconnected } = await this.forkPoint(this.tip);
      if (disconnected.length > 0) {
        log.warn({ depth: disconnected.length, fork: fork.height, forkHash: fork.hash }, 'reorg: walking back to the fork point');
      }
      const target = bestHeader.height;
      const startedAt = this.opts.now();
      if (target - fork.height > 1) this.catchUp = { from: fork.height, to: target, at: fork.height, startedAt };
      let prev = fork;
      let first = true;
      let moved = true;
      // The disconnect is applied even when no block follows it yet: the node's best block
      // may be the fork point itself (invalidateblock, a new branch still on its way).
      while ((prev.height < target && moved) || (first && disconnected.length > 0)) {
        const end = Math.min(target, prev.height + this.opts.catchUpChunk);
        const blocks: ConnectedBlock[] = [];
        for (let h = prev.height + 1; h <= end; h++) {
          const hash = await node.getBlockHash(h);
          if (!hash) break;
          const raw = await node.getBlock(hash);
          if (!raw) {
            // Pruned away while Till was down: stop loudly rather than skip blocks that may pay us.
            throw new TillError(
              'node_unavailable',
              `block ${h} (${hash}) is no longer on the node (pruned): Till needs every block after height ${prev.height} to see the payments in them; raise the node's prune target or re-download the blocks`,
            );
          }
          const block = parseBlock(raw);
          const linkTo = blocks.length > 0 ? blocks[blocks.length - 1]!.hash : prev.hash;
          if (block.prevHash !== linkTo) break;
          blocks.push(this.connectedBlock(block, h));
        }
        moved = blocks.length > 0;
        if (!moved && !(first && disconnected.length > 0)) break;
        const changes: ChainChanges = { connected: blocks };
        if (first && disconnected.length > 0) {
          changes.disconnected = disconnected;
          changes.forkPoint = fork;
          changes.inMempool = new Set(await node.getRawMempool());
        }
        this.afterApply(await this.opts.payments.apply(changes));
        first = false;
        if (blocks.length > 0) {
          const last = blocks[blocks.length - 1]!;
          prev = { hash: last.hash, height: last.height };
        } else {
          prev = fork;
        }
        this.tip = prev;
        if (this.catchUp) {
          this.catchUp.at = prev.height;
          if ((prev.height - fork.height) % (this.opts.catchUpChunk * 10) === 0) {
            log.info({ height: prev.height, target, behind: target - prev.height }, 'catching up');
          }
        }
      }
      if (this.catchUp) {
        log.info({ from: this.catchUp.from, to: prev.height, ms: this.opts.now() - startedAt }, 'caught up with the node');
        this.catchUp = null;
      }
    }
  }

  private connectedBlock(block: RawBlock, height: number): ConnectedBlock {
    return {
      hash: block.hash, height, prevHash: block.prevHash, movedAt: this.notBefore(block.time * 1000), outputs: this.watch.matchAll(block.txs),
    };
  }

  private notBefore(chainTime: number): number {
    return this.lastFullReadAt === null ? chainTime : Math.max(chainTime, this.lastFullReadAt);
  }

  /** A payment that stopped standing may come back: a re-read must fetch its tx again. */
  private afterApply(r: ApplyResult): void {
    for (const { payment } of r.reverted) this.seenTx.delete(payment.txid);
  }

  /**
   * Why a tx left the mempool unmined: if anything (mined or in the mempool) spends one of
   * its inputs it was replaced or double-spent; if they are all unspent again, evicted.
   */
  private async whyRemoved(txid: string): Promise<RemovedTx> {
    const spends = (await paymentsOfTx(this.opts.db.read, txid)).find((p) => p.spends !== null)?.spends;
    if (!spends || spends.length === 0) return { txid, reason: 'replaced' };
    for (const outpoint of spends) {
      const at = outpoint.lastIndexOf(':');
      if (!(await this.opts.node.isUnspent(outpoint.slice(0, at), Number(outpoint.slice(at + 1))))) return { txid, reason: 'replaced' };
    }
    return { txid, reason: 'evicted' };
  }

  private async applyRemoved(txids: string[]): Promise<void> {
    const removed: RemovedTx[] = [];
    for (const txid of txids) removed.push(await this.whyRemoved(txid));
    this.afterApply(await this.serial(() => this.opts.payments.apply({ removed })));
  }

  /** Walks back from `tip` through stored blocks until one is on the node's active chain. */
  private async forkPoint(tip: Tip): Promise<{ fork: Tip; disconnected: string[] }> {
    const disconnected: string[] = [];
    let at = tip;
    for (;;) {
      const header = await this.opts.node.getBlockHeader(at.hash);
      if (header && header.confirmations >= 0) return { fork: at, disconnected };
      const stored = await findBlock(this.opts.db.read, at.hash);
      if (!stored) {
        throw new Error(`block ${at.hash} at height ${at.height} left the active chain and Till no longer knows its parent: the reorg is deeper than the blocks it keeps`);
      }
      disconnected.push(at.hash);
      at = { hash: stored.prevHash, height: stored.height - 1 };
    }
  }

  /**
   * With no stored tip, start far enough back to see payments to addresses issued
   * before the watcher first ran (block times may be two hours off).
   */
  private async firstStartTip(bestHeight: number): Promise<Tip> {
    const { node } = this.opts;
    const since = await earliestAddressTime(this.opts.db.read);
    let height = bestHeight;
    if (since !== null) {
      for (let h = bestHeight; h > Math.max(0, bestHeight - FIRST_START_MAX_BLOCKS); h--) {
        const hash = await node.getBlockHash(h);
        const header = hash ? await node.getBlockHeader(hash) : null;
        if (!header) break;
        height = h - 1;
        if (header.time * 1000 < since - CLOCK_SLACK_MS) break;
      }
    }
    const hash = await node.getBlockHash(Math.max(0, height));
    if (!hash) throw new Error(`the node has no block at height ${height}`);
    this.opts.log.info({ height: Math.max(0, height) }, 'first start: following the chain from this block');
    return { hash, height: Math.max(0, height) };
  }

  /**
   * Reads the node's mempool: fetches only txids not seen yet, in batches (a full
   * mainnet mempool is ~100k transactions), and marks unconfirmed payments that are no
   * longer there as replaced. Live ZMQ messages are handled between batches. Nothing is
   * read while the node is still loading its mempool after a restart: an empty or partial
   * mempool then is not the truth, and reading it would take good payments for replaced.
   */
  async resyncMempool(): Promise<{ fetched: number; matched: number; removed: number }> {
    const { node, payments } = this.opts;
    const info = await node.getMempoolInfo();
    this.mempoolLoading = !info.loaded;
    if (this.mempoolLoading) return { fetched: 0, matched: 0, removed: 0 };
    const bestBefore = await node.getBestBlockHash();
    const startedAt = this.opts.now();
    const txids = await node.getRawMempool();
    const inPool = new Set(txids);
    const unknown = txids.filter((t) => !this.seenTx.has(t));
    let matched = 0;
    for (let i = 0; i < unknown.length; i += this.opts.mempoolBatch) {
      const chunk = unknown.slice(i, i + this.opts.mempoolBatch);
      const raws = await node.getRawTransactions(chunk);
      const seen: SeenOutput[] = [];
      for (let j = 0; j < raws.length; j++) {
        const raw = raws[j];
        if (!raw) continue;
        const found = this.watch.match(parseTx(raw));
        if (found.length === 0) {
          this.remember(chunk[j]!);
          continue;
        }
        // Found on a re-read (Till was down, or a message was lost): the money moved when
        // the node first accepted it, not now.
        const entered = await node.getMempoolEntryTime(chunk[j]!);
        for (const m of found) seen.push(entered === null ? m : { ...m, movedAt: this.notBefore(entered) });
      }
      if (seen.length > 0) {
        matched += seen.length;
        this.afterApply(await payments.apply({ seen }));
        // Only once committed: a failed write leaves the txid for the next re-read.
        for (const o of seen) this.remember(o.txid);
      }
    }
    this.lastFullReadAt = startedAt;
    // Only trust "gone from the mempool" if no block came meanwhile (it may hold the tx).
    let removed = 0;
    if ((await node.getBestBlockHash()) === bestBefore && this.tip?.hash === bestBefore) {
      const gone = (await mempoolPayments(this.opts.db.read))
        .filter((p) => p.seenAt < startedAt && !inPool.has(p.txid))
        .map((p) => p.txid);
      if (gone.length > 0) {
        removed = gone.length;
        await this.applyRemoved([...new Set(gone)]);
      }
    } else {
      await this.syncToTip();
    }
    return { fetched: unknown.length, matched, removed };
  }

  /**
   * Mempool sightings are committed without holding up the next message, and those
   * that arrive while a commit is under way go together in the next one: one
   * transaction for many payments instead of one per frame. A failed commit is logged;
   * the next mempool re-read finds those payments again.
   */
  private async record(seen: SeenOutput[]): Promise<void> {
    for (const o of seen) this.pendingSeen.push(o);
    this.flushing ??= this.flush();
    if (this.pendingSeen.length >= MAX_PENDING) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pendingSeen.length > 0) {
        const batch = this.pendingSeen.splice(0, FLUSH_BATCH);
        try {
          this.afterApply(await this.opts.payments.apply({ seen: batch }));
          // Only once committed: the mempool re-read skips what it has seen.
          for (const o of batch) this.remember(o.txid);
        } catch (err) {
          this.lastError = (err as Error).message;
          this.opts.log.error({ err, payments: batch.length }, 'could not record mempool payments; the next mempool re-read will find them');
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Resolves when every sighting handed to the writer has been committed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private remember(txid: string): void {
    if (this.seenTx.size >= 500_000) this.seenTx.clear();
    this.seenTx.add(txid);
  }

  /** A ZMQ message. Never throws for bad data: the RPC catch-up is the safety net. */
  async handle(msg: FeedMessage): Promise<void> {
    // In initial block download the node's view is old: the catch-up after it reads all.
    if (this.paused) return;
    switch (msg.topic) {
      case 'rawtx': {
        const tx = parseTx(msg.body);
        const seen = this.watch.match(tx);
        // A match is remembered once its payment is committed (see flush).
        if (seen.length === 0) this.remember(tx.txid());
        else await this.record(seen);
        return;
      }
      case 'rawblock': {
        const block = parseBlock(msg.body);
        await this.serial(async () => {
          if (this.tip && block.prevHash === this.tip.hash) {
            const connected = this.connectedBlock(block, this.tip.height + 1);
            this.afterApply(await this.opts.payments.apply({ connected: [connected] }));
            this.tip = { hash: connected.hash, height: connected.height };
          } else if (!this.tip || block.hash !== this.tip.hash) {
            await this.doSync();
          }
        });
        return;
      }
      case 'hashblock':
        await this.syncToTip();
        return;
      case 'sequence': {
        if (msg.body.length < 33) return;
        const hash = msg.body.subarray(0, 32).toString('hex');
        const label = String.fromCharCode(msg.body[32]!);
        if (label === 'R') {
          // A sighting of this very tx may still be on its way to the database.
          await this.settled();
          const mine = await paymentsOfTx(this.opts.db.read, hash);
          if (mine.some((p) => p.status === 'mempool')) await this.applyRemoved([hash]);
        } else if (label === 'D') {
          await this.syncToTip();
        }
        return;
      }
    }
  }
}
