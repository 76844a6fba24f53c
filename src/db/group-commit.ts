import type { Knex } from 'knex';

interface Unit {
  fn: (trx: Knex.Transaction) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for the single SQLite writer. With synchronous=FULL every commit waits
 * for the disk, so units of work that arrive while a commit is under way are run
 * together in the next transaction and made durable by one sync. Each unit still
 * commits atomically with everything it wrote (its outbox event included), and its
 * caller hears back only after that commit.
 *
 * If any unit of a batch throws, the batch is rolled back and every unit of it is run
 * again alone, so one failing request never takes others down with it and never
 * leaves half its writes behind. That is why a unit must be pure database work, and
 * why every change it makes must be a compare-and-set (units of a batch run at once).
 */
export class GroupCommit {
  private queue: Unit[] = [];
  private busy = false;

  constructor(
    private readonly knex: Knex,
    private readonly maxBatch: number,
  ) {}

  run<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        if (batch.length === 1) await this.solo(batch[0]!);
        else await this.together(batch);
      }
    } finally {
      this.busy = false;
    }
  }

  private async solo(u: Unit): Promise<void> {
    try {
      u.resolve(await this.knex.transaction((trx) => u.fn(trx)));
    } catch (e) {
      u.reject(e);
    }
  }

  private async together(batch: Unit[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.knex.transaction(async (trx) => {
        // All at once: their statements queue on the one connection and run back to back,
        // with no round trip to JavaScript between them. Every change a unit makes is a
        // compare-and-set, so two units that collide fail, and the batch reruns one by one.
        const settled = await Promise.allSettled(batch.map((u) => u.fn(trx)));
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw (failed as PromiseRejectedResult).reason;
        return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
      });
    } catch {
      for (const u of batch) await this.solo(u);
      return;
    }
    batch.forEach((u, i) => u.resolve(results[i]));
  }
}
