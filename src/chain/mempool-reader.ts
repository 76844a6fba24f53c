import type { NodeApi } from './node-api.js';
import type { ChainReport, ChainSink, ChainStore, RemovedTx, SeenOutput, Tip } from './ports.js';
import { parseTx } from './raw.js';
import type { SeenTxids } from './seen-txids.js';
import type { SerialQueue } from './serial.js';
import type { WatchMap } from './watch-map.js';

export interface MempoolReaderOptions {
  node: NodeApi;
  store: ChainStore;
  sink: ChainSink;
  watch: WatchMap;
  seen: SeenTxids;
  serial: SerialQueue;
  now: () => number;
  /** The tip the block follower stands on, and a way to move it. */
  tip: () => Tip | null;
  syncToTip: () => Promise<void>;
  onReport: (r: ChainReport) => void;
  /** Txids per batched getrawtransaction call. */
  batch: number;
}

/**
 * Reads the node's mempool after downtime, a lost message or on a timer: finds what was
 * broadcast meanwhile, and what left the mempool unmined (and why: replaced or evicted).
 */
export class MempoolReader {
  /** The node is still loading mempool.dat: its mempool is not yet the truth. */
  loading = false;
  /**
   * When the last complete read began (this process's clock). A transaction first found
   * after it was not in the mempool then, so its money moved no earlier, whatever the
   * node's clock says; before the first read (after downtime) the node's times stand.
   */
  private lastFullReadAt: number | null = null;

  constructor(private readonly o: MempoolReaderOptions) {}

  /**
   * A transaction found now that a complete read begun at `lastFullReadAt` did not see
   * entered the mempool after it, whatever the node's clock says.
   */
  private notBefore(chainTime: number): number {
    return this.lastFullReadAt === null ? chainTime : Math.max(chainTime, this.lastFullReadAt);
  }

  /**
   * Fetches only txids not seen yet, in batches (a full mainnet mempool is ~100k
   * transactions), and marks unconfirmed payments that are no longer there. Nothing is
   * read while the node is still loading its mempool after a restart: an empty or partial
   * mempool then is not the truth, and reading it would take good payments for replaced.
   */
  async read(): Promise<{ fetched: number; matched: number; removed: number }> {
    const { node, sink, seen } = this.o;
    const info = await node.getMempoolInfo();
    this.loading = !info.loaded;
    if (this.loading) return { fetched: 0, matched: 0, removed: 0 };
    const bestBefore = await node.getBestBlockHash();
    const startedAt = this.o.now();
    const txids = await node.getRawMempool();
    const inPool = new Set(txids);
    const unknown = txids.filter((t) => !seen.has(t));
    let matched = 0;
    for (let i = 0; i < unknown.length; i += this.o.batch) {
      const chunk = unknown.slice(i, i + this.o.batch);
      const found = await this.match(chunk);
      if (found.length > 0) {
        matched += found.length;
        this.o.onReport(await sink.apply({ seen: found }));
        // Only once committed: a failed write leaves the txid for the next re-read.
        for (const o of found) seen.remember(o.txid);
      }
    }
    this.lastFullReadAt = startedAt;
    // Only trust "gone from the mempool" if no block came meanwhile (it may hold the tx).
    let removed = 0;
    if ((await node.getBestBlockHash()) === bestBefore && this.o.tip()?.hash === bestBefore) {
      const gone = (await this.o.store.mempoolPayments()).filter((p) => p.seenAt < startedAt && !inPool.has(p.txid)).map((p) => p.txid);
      if (gone.length > 0) {
        removed = gone.length;
        await this.removed([...new Set(gone)]);
      }
    } else {
      await this.o.syncToTip();
    }
    return { fetched: unknown.length, matched, removed };
  }

  /** The watched outputs of these mempool txids; the others are remembered as read. */
  private async match(chunk: string[]): Promise<SeenOutput[]> {
    const { node, watch, seen } = this.o;
    const raws = await node.getRawTransactions(chunk);
    const found: SeenOutput[] = [];
    for (let j = 0; j < raws.length; j++) {
      const raw = raws[j];
      if (!raw) continue;
      const outputs = watch.match(parseTx(raw));
      if (outputs.length === 0) {
        seen.remember(chunk[j]!);
        continue;
      }
      // Found on a re-read (Till was down, or a message was lost): the money moved when
      // the node first accepted it, not now. Gone meanwhile (mined, most likely): the block
      // will bring it, with the block's time.
      const entered = await node.getMempoolEntryTime(chunk[j]!);
      if (entered === null) continue;
      for (const m of outputs) found.push({ ...m, movedAt: this.notBefore(entered), inMempool: true });
    }
    return found;
  }

  /** Transactions that left the mempool unmined ('R', or absent from a read): reported with why. */
  async removed(txids: string[]): Promise<void> {
    const removed: RemovedTx[] = [];
    for (const txid of txids) removed.push(await this.whyRemoved(txid));
    this.o.onReport(await this.o.serial.run(() => this.o.sink.apply({ removed })));
  }

  /**
   * If anything (mined or in the mempool) spends one of its inputs it was replaced or
   * double-spent; if they are all unspent again, evicted.
   */
  private async whyRemoved(txid: string): Promise<RemovedTx> {
    const spends = (await this.o.store.paymentsOfTx(txid)).find((p) => p.spends !== null)?.spends;
    if (!spends || spends.length === 0) return { txid, reason: 'replaced' };
    for (const outpoint of spends) {
      const at = outpoint.lastIndexOf(':');
      if (!(await this.o.node.isUnspent(outpoint.slice(0, at), Number(outpoint.slice(at + 1))))) return { txid, reason: 'replaced' };
    }
    return { txid, reason: 'evicted' };
  }
}
