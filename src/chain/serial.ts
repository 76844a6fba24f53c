/**
 * One chain job at a time: block connects, syncs and mempool removals never interleave,
 * so each works from the tip the previous one left.
 */
export class SerialQueue {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.last.then(job, job);
    this.last = next.catch(() => undefined);
    return next;
  }
}
