import type { Logger } from '../log.js';
import { BlockFollower, type CatchUp } from './block-follower.js';
import { MempoolReader } from './mempool-reader.js';
import type { NodeApi } from './node-api.js';
import type { ChainReport, ChainSink, ChainStore, Tip } from './ports.js';
import { SeenTxids } from './seen-txids.js';
import { SerialQueue } from './serial.js';
import { WatchMap } from './watch-map.js';
import { WriteBatcher } from './write-batcher.js';
import { dispatch, type Dispatch, type FeedMessage } from './zmq-dispatch.js';

export type { CatchUp } from './block-follower.js';
export type { FeedMessage, Topic } from './zmq-dispatch.js';

export interface WatcherOptions {
  node: NodeApi;
  /** Where what the watcher finds is recorded (invoicing). */
  sink: ChainSink;
  /** The watcher's bookkeeping: tip, recent blocks, issued addresses, open payments. */
  store: ChainStore;
  log: Logger;
  now: () => number;
  /** Blocks fetched and applied per transaction while catching up. */
  catchUpChunk?: number;
  /** Txids per batched getrawtransaction call in a mempool re-read. */
  mempoolBatch?: number;
}

/**
 * Follows the node: ZMQ is the fast path, the RPC is the truth. Four parts, one job each:
 * the block follower (tip, catch-up, reorgs), the mempool reader (what was broadcast or
 * dropped meanwhile), the write batcher (sightings committed together) and the ZMQ
 * dispatch (each message to its part).
 */
export class ChainWatcher {
  readonly watch = new WatchMap();
  /** Set while the node is in initial block download: nothing is scanned. */
  paused = false;
  private readonly seen = new SeenTxids();
  private readonly blocks: BlockFollower;
  private readonly mempool: MempoolReader;
  private readonly batcher: WriteBatcher;
  /** What a ZMQ message is handed to (built once: every mempool tx goes through it). */
  private readonly parts: Dispatch;

  constructor(private readonly o: WatcherOptions) {
    const serial = new SerialQueue();
    const onReport = (r: ChainReport) => {
      for (const { payment } of r.reverted) this.seen.forget(payment.txid);
    };
    const common = { node: o.node, store: o.store, sink: o.sink, watch: this.watch, serial, now: o.now, onReport };
    this.mempool = new MempoolReader({
      ...common, seen: this.seen, batch: o.mempoolBatch ?? 500,
      tip: () => this.blocks.tip, syncToTip: () => this.blocks.syncToTip(),
    });
    this.blocks = new BlockFollower({ ...common, log: o.log, catchUpChunk: o.catchUpChunk ?? 20 });
    this.batcher = new WriteBatcher({
      sink: o.sink, seen: this.seen, log: o.log, onReport,
      inMempool: async (txid) => (await o.node.getMempoolEntryTime(txid)) !== null,
    });
    this.parts = { watch: this.watch, seen: this.seen, batcher: this.batcher, blocks: this.blocks, mempool: this.mempool, store: o.store };
  }

  get currentTip(): Tip | null {
    return this.blocks.tip;
  }

  get progress(): CatchUp | null {
    return this.blocks.catchUp;
  }

  /** The node is still loading its mempool after a restart. */
  get mempoolLoading(): boolean {
    return this.mempool.loading;
  }

  get lastError(): string | null {
    return this.batcher.lastError;
  }

  /** Loads every address ever issued and the stored tip. No RPC yet: the node may be down. */
  async load(): Promise<void> {
    // A page at a time: 100,000 rows at once would grow the heap for good (RSS) for a moment's use.
    const PAGE = 5_000;
    for (let after = 0; ; ) {
      const page = await this.o.store.watchedScripts(after, PAGE);
      for (const s of page) this.watch.add(s.scriptHex, s.addressId);
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.addressId;
    }
    this.blocks.tip = await this.o.store.loadTip();
  }

  /** A newly issued address joins the watch map (finalize calls this after commit). */
  addAddress(scriptHex: string, addressId: number): void {
    this.watch.add(scriptHex, addressId);
  }

  syncToTip(): Promise<void> {
    return this.blocks.syncToTip();
  }

  /** After downtime, a restart or lost messages: every block since the tip, then the mempool. */
  async catchUpAll(): Promise<void> {
    await this.blocks.syncToTip();
    await this.mempool.read();
  }

  resyncMempool(): Promise<{ fetched: number; matched: number; removed: number }> {
    return this.mempool.read();
  }

  /** Resolves when every sighting handed to the writer has been committed (tests, shutdown). */
  settled(): Promise<void> {
    return this.batcher.settled();
  }

  /** A ZMQ message. In initial block download the node's view is old: the catch-up after it reads all. */
  handle(msg: FeedMessage): Promise<void> | void {
    if (this.paused) return;
    return dispatch(msg, this.parts);
  }
}
