import { TillError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { NodeApi } from './node-api.js';
import type { ChainChanges, ChainReport, ChainSink, ChainStore, ConnectedBlock, Tip } from './ports.js';
import { parseBlock, type RawBlock } from './raw.js';
import type { SerialQueue } from './serial.js';
import type { WatchMap } from './watch-map.js';

export interface CatchUp {
  from: number;
  to: number;
  at: number;
  startedAt: number;
}

export interface BlockFollowerOptions {
  node: NodeApi;
  store: ChainStore;
  sink: ChainSink;
  watch: WatchMap;
  serial: SerialQueue;
  log: Logger;
  now: () => number;
  /** Told of every batch the sink applied. */
  onReport: (r: ChainReport) => void;
  /** Blocks fetched and applied per transaction while catching up. */
  catchUpChunk: number;
}

/** Block time may be two hours off; look that much further back on a first start. */
const CLOCK_SLACK_MS = 2 * 3600_000;
/** How far a first start may look back for payments made before it. */
const FIRST_START_MAX_BLOCKS = 1008;

/**
 * Brings the stored tip to the node's best block: every block between is read and
 * matched (so downtime, restarts and lost messages cost time, never money), and a reorg
 * walks back to the fork point, undoing what the dropped blocks confirmed.
 */
export class BlockFollower {
  tip: Tip | null = null;
  catchUp: CatchUp | null = null;
  lastSyncAt: number | null = null;
  private syncQueued: Promise<void> | null = null;

  constructor(private readonly o: BlockFollowerOptions) {}

  /** Calls made while a sync runs share the next one. */
  syncToTip(): Promise<void> {
    this.syncQueued ??= this.o.serial.run(async () => {
      this.syncQueued = null;
      await this.sync();
    });
    return this.syncQueued;
  }

  /** A block announced over ZMQ: connected at once when it extends the tip, else a sync. */
  async announced(block: RawBlock): Promise<void> {
    await this.o.serial.run(async () => {
      if (this.tip && block.prevHash === this.tip.hash) {
        const connected = this.connectedBlock(block, this.tip.height + 1);
        this.o.onReport(await this.o.sink.apply({ connected: [connected] }));
        this.tip = { hash: connected.hash, height: connected.height };
      } else if (!this.tip || block.hash !== this.tip.hash) {
        await this.sync();
      }
    });
  }

  private async sync(): Promise<void> {
    const { node, log } = this.o;
    for (let round = 0; round < 10; round++) {
      const best = await node.getBestBlockHash();
      if (this.tip && best === this.tip.hash) {
        this.lastSyncAt = this.o.now();
        return;
      }
      const bestHeader = await node.getBlockHeader(best);
      if (!bestHeader) continue;
      if (!this.tip) {
        const start = await this.firstStartTip(bestHeader.height);
        await this.o.sink.apply({ startAt: start });
        this.tip = start;
      }

      const { fork, disconnected } = await this.forkPoint(this.tip);
      if (disconnected.length > 0) {
        log.warn({ depth: disconnected.length, fork: fork.height, forkHash: fork.hash }, 'reorg: walking back to the fork point');
      }
      const target = bestHeader.height;
      const startedAt = this.o.now();
      if (target - fork.height > 1) this.catchUp = { from: fork.height, to: target, at: fork.height, startedAt };
      let prev = fork;
      let first = true;
      let moved = true;
      // The disconnect is applied even when no block follows it yet: the node's best block
      // may be the fork point itself (invalidateblock, a new branch still on its way).
      while ((prev.height < target && moved) || (first && disconnected.length > 0)) {
        const blocks = await this.readChunk(prev, Math.min(target, prev.height + this.o.catchUpChunk));
        moved = blocks.length > 0;
        if (!moved && !(first && disconnected.length > 0)) break;
        const changes: ChainChanges = { connected: blocks };
        if (first && disconnected.length > 0) {
          changes.disconnected = disconnected;
          changes.forkPoint = fork;
          changes.inMempool = new Set(await node.getRawMempool());
        }
        this.o.onReport(await this.o.sink.apply(changes));
        first = false;
        const last = blocks[blocks.length - 1];
        prev = last ? { hash: last.hash, height: last.height } : fork;
        this.tip = prev;
        if (this.catchUp) {
          this.catchUp.at = prev.height;
          if ((prev.height - fork.height) % (this.o.catchUpChunk * 10) === 0) {
            log.info({ height: prev.height, target, behind: target - prev.height }, 'catching up');
          }
        }
      }
      if (this.catchUp) {
        log.info({ from: this.catchUp.from, to: prev.height, ms: this.o.now() - startedAt }, 'caught up with the node');
        this.catchUp = null;
      }
    }
  }

  /** The blocks after `prev` up to height `end` that link up; stops early at a branch change. */
  private async readChunk(prev: Tip, end: number): Promise<ConnectedBlock[]> {
    const { node } = this.o;
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
    return blocks;
  }

  /** Money first found in a block moved when the block was made (the sink caps it at now). */
  private connectedBlock(block: RawBlock, height: number): ConnectedBlock {
    return { hash: block.hash, height, prevHash: block.prevHash, movedAt: block.time * 1000, outputs: this.o.watch.matchAll(block.txs) };
  }

  /** Walks back from `tip` through stored blocks until one is on the node's active chain. */
  private async forkPoint(tip: Tip): Promise<{ fork: Tip; disconnected: string[] }> {
    const disconnected: string[] = [];
    let at = tip;
    for (;;) {
      const header = await this.o.node.getBlockHeader(at.hash);
      if (header && header.confirmations >= 0) return { fork: at, disconnected };
      const stored = await this.o.store.findBlock(at.hash);
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
    const { node } = this.o;
    const since = await this.o.store.earliestAddressTime();
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
    this.o.log.info({ height: Math.max(0, height) }, 'first start: following the chain from this block');
    return { hash, height: Math.max(0, height) };
  }
}
