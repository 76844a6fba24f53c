/**
 * Txids already read from the mempool: a re-read fetches only the others. Bounded (a
 * full mainnet mempool is ~300k transactions); forgetting one only costs a fetch.
 *
 * Kept as the hash's 32 bytes in their internal order, one character a byte (latin1):
 * every mempool transaction Till is sent lands here, so the key is the hash as it comes
 * out of SHA-256 (no copy, no reversal, no 64-character hex), half the memory a key.
 * Txids in RPC (display) order are turned into keys at the edges.
 */
export class SeenTxids {
  private readonly set = new Set<string>();

  constructor(private readonly max = 500_000) {}

  static keyOf(txid: string): string {
    return Buffer.from(txid, 'hex').reverse().toString('latin1');
  }

  has(txid: string): boolean {
    return this.set.has(SeenTxids.keyOf(txid));
  }

  /** Only once a match is committed: a failed write must leave it for the next re-read. */
  remember(txid: string): void {
    this.rememberKey(SeenTxids.keyOf(txid));
  }

  /** The same, by key (RawTx.txidKey): the path every transaction that pays no one takes. */
  rememberKey(key: string): void {
    if (this.set.size >= this.max) this.set.clear();
    this.set.add(key);
  }

  /** A payment that stopped standing may come back: the next re-read must fetch it again. */
  forget(txid: string): void {
    this.set.delete(SeenTxids.keyOf(txid));
  }
}
