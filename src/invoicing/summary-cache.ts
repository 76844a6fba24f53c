import type { InvoiceKey, InvoiceSummary } from '../db/invoices.js';

interface Entry<T> {
  id: number;
  summary: T;
}

/**
 * Status polls are the hottest read: a checkout page asks every second or two. This
 * process writes every invoice change (one writer), so it can keep recent summaries in
 * memory and drop one the moment its invoice changes. A read that raced a write must
 * not put a stale row back: each id has a generation, bumped on every change, and a
 * summary read under an older generation is not kept.
 *
 * With several processes on PostgreSQL, the others' changes arrive as news (LISTEN/
 * NOTIFY) and invalidate here the same way; while that news cannot arrive the cache is
 * `suspended` (it keeps nothing and answers nothing). Whole invoices are kept the same
 * way (the checkout dialect's status and the payer's page read one on every poll), in a
 * smaller cache.
 */
export class SummaryCache<T extends { id: number } = InvoiceSummary> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly keysById = new Map<number, Set<string>>();
  private readonly generations = new Map<number, number>();
  private generation = 0;
  /** Reads stamped before this may have missed a forgotten generation. */
  private floor = 0;

  constructor(private readonly max = 50_000) {}

  private static keyOf(k: InvoiceKey): string {
    return `${k.by}:${k.value}`;
  }

  /** Nothing is kept or answered: the changes of other processes may go unheard. */
  private suspended = false;

  suspend(): void {
    this.suspended = true;
    this.generation++;
    this.floor = this.generation;
    this.clear();
    this.generations.clear();
  }

  resume(): void {
    // Reads begun while suspended may hold what a change unheard of made stale.
    this.generation++;
    this.floor = this.generation;
    this.suspended = false;
  }

  get(k: InvoiceKey): T | undefined {
    if (this.suspended) return undefined;
    return this.entries.get(SummaryCache.keyOf(k))?.summary;
  }

  /** A token to take before reading the database, for `put`. */
  stamp(): number {
    return this.generation;
  }

  put(k: InvoiceKey, summary: T, stamp: number): void {
    const changed = this.generations.get(summary.id);
    if (this.suspended || stamp < this.floor || (changed !== undefined && changed > stamp)) return;
    if (this.entries.size >= this.max) this.clear();
    const key = SummaryCache.keyOf(k);
    this.entries.set(key, { id: summary.id, summary });
    let keys = this.keysById.get(summary.id);
    if (!keys) this.keysById.set(summary.id, (keys = new Set()));
    keys.add(key);
  }

  /** Called after a change to invoice `id` has committed. */
  invalidate(id: number): void {
    this.generation++;
    this.generations.set(id, this.generation);
    const keys = this.keysById.get(id);
    if (keys) {
      for (const k of keys) this.entries.delete(k);
      this.keysById.delete(id);
    }
    if (this.generations.size > this.max) {
      this.generations.clear();
      this.floor = this.generation;
    }
  }

  private clear(): void {
    this.entries.clear();
    this.keysById.clear();
  }
}
