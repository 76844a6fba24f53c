/**
 * The mempool: entries with their fee and in-mempool parents/children, who spends which
 * outpoint, and Core's mempool sequence counter (starts at 1; every addition and every
 * removal — block inclusion too — takes one number).
 */
import { outpointKey } from './bytes.js';
import type { Coin } from './chain.js';
import { prevTxid, type TxRecord } from './tx.js';

export interface MempoolEntry {
  readonly rec: TxRecord;
  readonly fee: bigint;
  /** Unix seconds it entered. */
  readonly time: number;
  /** Tip height when it entered. */
  readonly height: number;
  /** The coins it spends, input by input (confirmed or from mempool parents). */
  readonly prevouts: readonly Coin[];
  readonly parents: Set<string>;
  readonly children: Set<string>;
}

export class Mempool {
  private readonly entries = new Map<string, MempoolEntry>();
  private readonly spentBy = new Map<string, string>();
  private sequence = 1;

  get size(): number {
    return this.entries.size;
  }

  /** What getrawmempool reports as mempool_sequence: the next number to be used. */
  currentSequence(): number {
    return this.sequence;
  }

  takeSequence(): number {
    return this.sequence++;
  }

  resetSequence(): void {
    this.sequence = 1;
  }

  get(txid: string): MempoolEntry | undefined {
    return this.entries.get(txid);
  }

  has(txid: string): boolean {
    return this.entries.has(txid);
  }

  txids(): string[] {
    return [...this.entries.keys()];
  }

  all(): MempoolEntry[] {
    return [...this.entries.values()];
  }

  spender(key: string): string | undefined {
    return this.spentBy.get(key);
  }

  /** An output of a mempool transaction, as a coin (height: -1, i.e. unconfirmed). */
  output(key: string): Coin | undefined {
    const sep = key.lastIndexOf(':');
    const entry = this.entries.get(key.slice(0, sep));
    const out = entry?.rec.tx.outs[Number(key.slice(sep + 1))];
    return out === undefined ? undefined : { value: out.value, script: out.script, height: -1, coinbase: false };
  }

  /** Mempool transactions spending any input of `rec`. */
  conflicts(rec: TxRecord): Set<string> {
    const found = new Set<string>();
    for (const input of rec.tx.ins) {
      const spender = this.spentBy.get(outpointKey(prevTxid(input), input.index));
      if (spender !== undefined && spender !== rec.txid) found.add(spender);
    }
    return found;
  }

  add(entry: MempoolEntry): void {
    const { rec } = entry;
    this.entries.set(rec.txid, entry);
    for (const input of rec.tx.ins) {
      const parent = prevTxid(input);
      this.spentBy.set(outpointKey(parent, input.index), rec.txid);
      const parentEntry = this.entries.get(parent);
      if (parentEntry !== undefined) {
        entry.parents.add(parent);
        parentEntry.children.add(rec.txid);
      }
    }
    // A parent can come back after its child (a reorg returns a block's txs to the pool).
    rec.tx.outs.forEach((_o, vout) => {
      const child = this.spentBy.get(outpointKey(rec.txid, vout));
      const childEntry = child === undefined ? undefined : this.entries.get(child);
      if (childEntry !== undefined) {
        entry.children.add(childEntry.rec.txid);
        childEntry.parents.add(rec.txid);
      }
    });
  }

  /** Removes one entry (not its descendants); returns it. */
  remove(txid: string): MempoolEntry | undefined {
    const entry = this.entries.get(txid);
    if (entry === undefined) return undefined;
    this.entries.delete(txid);
    for (const input of entry.rec.tx.ins) {
      const key = outpointKey(prevTxid(input), input.index);
      if (this.spentBy.get(key) === txid) this.spentBy.delete(key);
    }
    for (const p of entry.parents) this.entries.get(p)?.children.delete(txid);
    for (const c of entry.children) this.entries.get(c)?.parents.delete(txid);
    return entry;
  }

  /** `txid` and everything descending from it in the mempool, parents before children. */
  withDescendants(txid: string): string[] {
    const seen = new Set<string>();
    const stack = [txid];
    while (stack.length > 0) {
      const t = stack.pop() as string;
      if (seen.has(t) || !this.entries.has(t)) continue;
      seen.add(t);
      for (const c of this.entries.get(t)?.children ?? []) stack.push(c);
    }
    return this.topological([...seen]);
  }

  ancestors(txid: string): Set<string> {
    const seen = new Set<string>();
    const stack = [...(this.entries.get(txid)?.parents ?? [])];
    while (stack.length > 0) {
      const t = stack.pop() as string;
      if (seen.has(t)) continue;
      seen.add(t);
      for (const p of this.entries.get(t)?.parents ?? []) stack.push(p);
    }
    return seen;
  }

  descendants(txid: string): Set<string> {
    const all = new Set(this.withDescendants(txid));
    all.delete(txid);
    return all;
  }

  /** The given txids (default: all) in an order where parents come first, else arrival order. */
  topological(txids?: readonly string[]): string[] {
    const wanted = new Set(txids ?? this.entries.keys());
    const order: string[] = [];
    const placed = new Set<string>();
    const visit = (t: string) => {
      if (placed.has(t) || !wanted.has(t)) return;
      placed.add(t);
      for (const p of this.entries.get(t)?.parents ?? []) visit(p);
      order.push(t);
    };
    // Iterating the map keeps arrival order among unrelated transactions.
    for (const t of this.entries.keys()) visit(t);
    return order;
  }
}
