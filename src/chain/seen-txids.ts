/**
 * Txids already read from the mempool: a re-read fetches only the others. Bounded (a
 * full mainnet mempool is ~300k transactions); forgetting one only costs a fetch.
 */
export class SeenTxids {
  private readonly set = new Set<string>();

  constructor(private readonly max = 500_000) {}

  has(txid: string): boolean {
    return this.set.has(txid);
  }

  /** Only once a match is committed: a failed write must leave it for the next re-read. */
  remember(txid: string): void {
    if (this.set.size >= this.max) this.set.clear();
    this.set.add(txid);
  }

  /** A payment that stopped standing may come back: the next re-read must fetch it again. */
  forget(txid: string): void {
    this.set.delete(txid);
  }
}
