/**
 * A small in-process pub/sub of invoice changes: main.ts publishes the ids the services
 * report after each commit, and every open checkout page (its SSE stream) of one of those
 * invoices hears of it. One process, one writer: nothing leaves the process.
 */
export type Listener = () => void;

export class InvoiceFeed {
  private readonly byInvoice = new Map<number, Set<Listener>>();
  private readonly closers = new Set<() => void>();
  private closed = false;

  /** Called after commit with the ids of the invoices that changed. */
  publish(ids: Iterable<number>): void {
    for (const id of new Set(ids)) {
      for (const l of [...(this.byInvoice.get(id) ?? [])]) {
        try {
          l();
        } catch {
          // A listener's failure is its own stream's: the others still hear.
        }
      }
    }
  }

  /**
   * Tells every open page (a new block: the confirmations it shows may have moved). Each
   * page re-reads its status with what it shows, and hears 204 when nothing changed.
   */
  publishAll(): void {
    for (const set of [...this.byInvoice.values()]) {
      for (const l of [...set]) {
        try {
          l();
        } catch {
          // As in publish: one stream's failure is its own.
        }
      }
    }
  }

  /** Listens to one invoice; returns the unsubscribe. `onClose` runs when the feed shuts. */
  subscribe(invoiceId: number, l: Listener, onClose: () => void): () => void {
    // A stream whose request was read before the shutdown, and subscribes after it, ends
    // too (once its caller holds the unsubscribe it is handed).
    if (this.closed) {
      setImmediate(onClose);
      return () => {};
    }
    let set = this.byInvoice.get(invoiceId);
    if (!set) this.byInvoice.set(invoiceId, (set = new Set()));
    set.add(l);
    this.closers.add(onClose);
    return () => {
      set.delete(l);
      if (set.size === 0) this.byInvoice.delete(invoiceId);
      this.closers.delete(onClose);
    };
  }

  /** Open streams, for tests and the bench. */
  get size(): number {
    return this.closers.size;
  }

  /** Ends every open stream and any opened later (Till's shutdown: a server closes only once its streams end). */
  closeAll(): void {
    this.closed = true;
    for (const c of [...this.closers]) c();
    this.closers.clear();
    this.byInvoice.clear();
  }
}
