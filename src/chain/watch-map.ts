import type { RawTx } from './raw.js';
import type { SeenOutput } from './ports.js';
import { ScriptTable } from './script-table.js';

/**
 * Every script Till ever handed out, in memory, so an output is matched with one map
 * lookup. Addresses are never removed: money sent to an old or released address is
 * still seen (no gap-limit blind spot).
 */
export class WatchMap {
  /** The scripts' bytes, each with its address id (ScriptTable: compact, and a lookup allocates nothing). */
  private readonly byScript = new ScriptTable();
  /** Script lengths in the map: most outputs are skipped without hashing. */
  private readonly lengths = new Set<number>();

  get size(): number {
    return this.byScript.size;
  }

  add(scriptHex: string, addressId: number): void {
    this.byScript.set(Buffer.from(scriptHex, 'hex'), addressId);
    this.lengths.add(scriptHex.length / 2);
  }

  addressOf(script: Buffer): number | undefined {
    if (!this.lengths.has(script.length)) return undefined;
    return this.byScript.get(script);
  }

  /** The outputs of `tx` that pay a watched script. */
  match(tx: RawTx): SeenOutput[] {
    let out: SeenOutput[] | null = null;
    let txid: string | null = null;
    let spends: string[] | null = null;
    for (const o of tx.outputs) {
      const addressId = this.addressOf(o.script);
      if (addressId === undefined) continue;
      txid ??= tx.txid();
      spends ??= tx.prevouts();
      (out ??= []).push({ txid, vout: o.vout, sats: o.value, addressId, spends });
    }
    return out ?? [];
  }

  matchAll(txs: readonly RawTx[]): SeenOutput[] {
    const out: SeenOutput[] = [];
    for (const tx of txs) for (const m of this.match(tx)) out.push(m);
    return out;
  }
}
