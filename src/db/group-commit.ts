import type { Knex } from 'knex';
import { execute } from './fast.js';
import { WriteConflict } from './errors.js';

/**
 * Given to a unit beside its transaction: `claim(key)` says the unit reads or writes
 * what `key` names (a payment's transaction, an invoice, a spent outpoint). Two units
 * side by side in one attempt may not claim the same key: the second claim throws a
 * WriteConflict, which fails the attempt, and the batch is replayed one unit after
 * another. A unit that runs alone or one after another claims nothing.
 */
export type Claim = (key: string) => void;

export type UnitFn<T> = (trx: Knex.Transaction, claim: Claim) => Promise<T>;

/** The claim of a unit that runs alone or one after another: it has no one to collide with. */
export const NO_CLAIM: Claim = () => {};

interface Unit {
  fn: UnitFn<unknown>;
  /** May run side by side with other such units (see `TxOptions.concurrent`). */
  concurrent: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Counters for tests and benchmarks: how many commits carried how many units. */
export interface GroupCommitStats {
  commits: number;
  units: number;
  /** The most units one commit carried. */
  largest: number;
  /** Batches whose units ran side by side and committed so. */
  together: number;
  /** Batches in which a unit failed, run again one unit after another. */
  replayed: number;
}

/** A unit of the batch failed: the whole batch rolls back and runs again, unit by unit. */
class UnitFailed extends Error {}

export interface TxOptions {
  /**
   * The unit may run side by side with other concurrent units of its batch, its
   * statements interleaved with theirs. Only for a unit whose every change is a single
   * atomic statement, a compare-and-set that throws when the row moved, or a write a
   * unique index refuses (creating and finalizing an invoice, recording mempool
   * payments): a collision then fails the attempt and the batch is replayed one unit
   * after another. A unit whose writes depend on reads that no one row's compare-and-set
   * covers (which payments spend an outpoint, which payments an invoice has) claims what
   * it reads (`Claim`), so that two units touching one of them never commit side by
   * side. Any other unit (a block's payments, which read statuses and the tip and then
   * write from them) runs alone, one after another, still sharing its batch's commit.
   */
  concurrent?: boolean;
}

/**
 * Group commit for the single SQLite writer. With synchronous=FULL every commit waits
 * for the disk, so units of work that arrive while a commit is under way are run
 * together in the next transaction and made durable by one sync. Every caller is
 * answered only after that commit is durable, and each unit commits atomically with
 * everything it wrote (its outbox event included).
 *
 * Units run one after another in the batch's transaction, each in a SAVEPOINT of its
 * own, unless they say they are `concurrent` (TxOptions): a batch of those first runs
 * all its units at once: their statements queue on the one connection back to back,
 * with no round trip to JavaScript between one unit and the next (on a busy machine
 * each round trip to the driver's thread costs more than the statement). If every unit
 * succeeds, the batch commits. A batch holds units of one kind only.
 *
 * If any unit throws, that attempt is rolled back entirely and the batch runs again in
 * one transaction, one unit after another in the order they arrived, each inside a
 * SAVEPOINT of its own: a unit that throws is rolled back to its savepoint (every row it
 * wrote goes, the others' stay) and only its caller hears the error. There each unit
 * sees what the units before it wrote, exactly as if each had committed alone. If that
 * commit (or the transaction itself) fails, every unit of the batch is rejected and
 * nothing of it stays.
 *
 * So a concurrent unit may run twice, and beside others: it must do nothing but
 * database work in `trx`, await every statement it starts before it returns or throws,
 * and make every change a compare-and-set that throws when the row moved (an invoice's
 * version): two units that collide in the first attempt then fail it, and the replay
 * gives each the outcome it would have had alone.
 */
export class GroupCommit {
  private queue: Unit[] = [];
  private busy = false;
  private readonly counts: GroupCommitStats = { commits: 0, units: 0, largest: 0, together: 0, replayed: 0 };

  constructor(
    private readonly knex: Knex,
    private readonly maxBatch: number,
  ) {}

  run<T>(fn: UnitFn<T>, opts: TxOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn: fn as UnitFn<unknown>, concurrent: opts.concurrent === true, resolve: resolve as (v: unknown) => void, reject });
      if (!this.busy) void this.drain();
    });
  }

  stats(): GroupCommitStats {
    return { ...this.counts };
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        // A batch is a run of units of one kind, in the order they arrived.
        const kind = this.queue[0]!.concurrent;
        let n = 1;
        while (n < this.queue.length && n < this.maxBatch && this.queue[n]!.concurrent === kind) n++;
        const batch = this.queue.splice(0, n);
        // Counted before any caller hears back, as `together` and `replayed` are.
        this.counts.commits++;
        this.counts.units += batch.length;
        this.counts.largest = Math.max(this.counts.largest, batch.length);
        if (batch.length === 1) await this.solo(batch[0]!);
        else if (kind) await this.together(batch);
        else await this.oneByOne(batch);
      }
    } finally {
      this.busy = false;
    }
  }

  /** Alone in its transaction: no savepoint needed, a throw rolls the transaction back. */
  private async solo(u: Unit): Promise<void> {
    try {
      u.resolve(await this.knex.transaction((trx) => Promise.resolve().then(() => u.fn(trx, NO_CLAIM))));
    } catch (e) {
      u.reject(e);
    }
  }

  private async together(batch: Unit[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.knex.transaction(async (trx) => {
        const owners = new Map<string, number>();
        // Kept apart from the throw: a unit that caught the WriteConflict still fails the attempt.
        let collided = false;
        const claimFor = (unit: number): Claim => (key) => {
          const owner = owners.get(key);
          if (owner !== undefined && owner !== unit) {
            collided = true;
            throw new WriteConflict(`${key} is claimed by another unit of the batch`);
          }
          owners.set(key, unit);
        };
        // Each unit starts on its own promise: one that throws at once must not end the
        // transaction while the others still run.
        const settled = await Promise.allSettled(batch.map((u, i) => Promise.resolve().then(() => u.fn(trx, claimFor(i)))));
        if (collided || settled.some((r) => r.status === 'rejected')) throw new UnitFailed();
        return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value);
      });
    } catch (e) {
      if (!(e instanceof UnitFailed)) {
        // The transaction itself failed (its COMMIT: a full disk, an I/O error): nothing
        // of the batch is durable, and nobody is told otherwise.
        for (const u of batch) u.reject(e);
        return;
      }
      this.counts.replayed++;
      await this.oneByOne(batch);
      return;
    }
    this.counts.together++;
    batch.forEach((u, i) => u.resolve(results[i]));
  }

  private async oneByOne(batch: Unit[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await this.knex.transaction(async (trx) => {
        // Savepoints nest, one per unit, and are never released one by one (the commit
        // ends them all): a unit costs one statement more than its own, not two.
        for (const [i, u] of batch.entries()) {
          await execute(trx, `SAVEPOINT till_unit_${i}`, []);
          let outcome: Outcome;
          try {
            outcome = { ok: true, value: await u.fn(trx, NO_CLAIM) };
          } catch (error) {
            outcome = { ok: false, error };
          }
          // A failed rollback (the engine ended the whole transaction: disk full, I/O
          // error) throws out of here, and the batch is rejected below.
          if (!outcome.ok) await execute(trx, `ROLLBACK TO SAVEPOINT till_unit_${i}`, []);
          outcomes.push(outcome);
        }
      });
    } catch (e) {
      // Nothing of the batch committed: a unit that failed on its own keeps its own error.
      batch.forEach((u, i) => {
        const o = outcomes[i];
        u.reject(o && !o.ok ? o.error : e);
      });
      return;
    }
    batch.forEach((u, i) => {
      const o = outcomes[i]!;
      if (o.ok) u.resolve(o.value);
      else u.reject(o.error);
    });
  }
}
