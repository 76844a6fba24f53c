import type { Logger } from '../log.js';
import type { ChainReport, ChainSink, SeenOutput } from './ports.js';
import type { SeenTxids } from './seen-txids.js';

/** Sightings waiting for the writer before the feed waits too. */
const MAX_PENDING = 5_000;
/** Sightings per transaction. */
const FLUSH_BATCH = 500;

/**
 * Sightings that have nothing to do with each other: split so that outputs of one
 * transaction, outputs to one address and transactions spending one outpoint (a
 * replacement and what it replaces) stay together, each group one unit of work.
 */
export function independentGroups(seen: readonly SeenOutput[]): SeenOutput[][] {
  const parent = seen.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const owner = new Map<string, number>();
  const join = (key: string, i: number) => {
    const j = owner.get(key);
    if (j === undefined) owner.set(key, i);
    else parent[root(i)] = root(j);
  };
  seen.forEach((o, i) => {
    join(`t${o.txid}`, i);
    join(`a${o.addressId}`, i);
    for (const s of o.spends ?? []) join(`s${s}`, i);
  });
  const groups = new Map<number, SeenOutput[]>();
  seen.forEach((o, i) => {
    const r = root(i);
    let g = groups.get(r);
    if (!g) groups.set(r, (g = []));
    g.push(o);
  });
  return [...groups.values()];
}

/**
 * Mempool sightings are committed without holding up the next message, and those that
 * arrive while a commit is under way go together in the next one. Within a flush, each
 * group of related sightings (independentGroups) is its own unit of work, all handed to
 * the database at once: the group commit runs them side by side in one transaction, so
 * a burst costs one sync and no unit waits for another's round trips to the driver. A
 * failed unit is logged; the next mempool re-read finds those payments again (their
 * txids were never remembered as read).
 */
export class WriteBatcher {
  lastError: string | null = null;
  private pending: SeenOutput[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly o: {
      sink: ChainSink;
      seen: SeenTxids;
      log: Logger;
      onReport: (r: ChainReport) => void;
      /** The node's word: is this txid in its mempool now? */
      inMempool: (txid: string) => Promise<boolean>;
    },
  ) {}

  async record(seen: readonly SeenOutput[]): Promise<void> {
    for (const o of seen) this.pending.push(o);
    this.flushing ??= this.flush();
    if (this.pending.length >= MAX_PENDING) await this.flushing;
  }

  /** Resolves when every sighting handed over has been committed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /**
   * A payment that stopped standing, sighted again: it stands again once the node says
   * the transaction is in its mempool (a rawtx from a disconnected block is not that).
   */
  private async confirmReturns(batch: SeenOutput[], returns: string[]): Promise<void> {
    const back: SeenOutput[] = [];
    for (const txid of new Set(returns)) {
      if (await this.o.inMempool(txid)) for (const o of batch) if (o.txid === txid) back.push({ ...o, inMempool: true });
    }
    if (back.length > 0) this.o.onReport(await this.o.sink.apply({ seen: back }));
  }

  private async commit(group: SeenOutput[]): Promise<void> {
    try {
      const report = await this.o.sink.apply({ seen: group });
      this.o.onReport(report);
      // Only once committed: the mempool re-read skips what it has read.
      for (const o of group) this.o.seen.remember(o.txid);
      await this.confirmReturns(group, report.returns);
    } catch (err) {
      this.lastError = (err as Error).message;
      this.o.log.error({ err, payments: group.length }, 'could not record mempool payments; the next mempool re-read will find them');
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, FLUSH_BATCH);
        await Promise.all(independentGroups(batch).map((group) => this.commit(group)));
      }
    } finally {
      this.flushing = null;
    }
  }
}
