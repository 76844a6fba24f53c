import type { Logger } from '../log.js';
import type { ChainReport, ChainSink, SeenOutput } from './ports.js';
import type { SeenTxids } from './seen-txids.js';

/** Sightings waiting for the writer before the feed waits too. */
const MAX_PENDING = 5_000;
/** Sightings per transaction. */
const FLUSH_BATCH = 500;

/**
 * Mempool sightings are committed without holding up the next message, and those that
 * arrive while a commit is under way go together in the next one: one transaction for
 * many payments instead of one per frame. A failed commit is logged; the next mempool
 * re-read finds those payments again (their txids were never remembered as read).
 */
export class WriteBatcher {
  lastError: string | null = null;
  private pending: SeenOutput[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly o: { sink: ChainSink; seen: SeenTxids; log: Logger; onReport: (r: ChainReport) => void },
  ) {}

  async record(seen: SeenOutput[]): Promise<void> {
    for (const o of seen) this.pending.push(o);
    this.flushing ??= this.flush();
    if (this.pending.length >= MAX_PENDING) await this.flushing;
  }

  /** Resolves when every sighting handed over has been committed (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, FLUSH_BATCH);
        try {
          this.o.onReport(await this.o.sink.apply({ seen: batch }));
          // Only once committed: the mempool re-read skips what it has read.
          for (const o of batch) this.o.seen.remember(o.txid);
        } catch (err) {
          this.lastError = (err as Error).message;
          this.o.log.error({ err, payments: batch.length }, 'could not record mempool payments; the next mempool re-read will find them');
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
