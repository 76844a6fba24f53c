import type { RawTx, ScriptLookup } from './raw.js';
import type { SeenOutput } from './ports.js';
import { ScriptTable } from './script-table.js';

/** The answer for a transaction that pays no one: one frozen array, not a new one each time. */
const NONE: readonly SeenOutput[] = Object.freeze([]);

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
    return this.addressAt(script, 0, script.length);
  }

  /** The address id of the script at `bytes[start, end)`; one function for the life of the map (no closure per transaction). */
  private readonly addressAt: ScriptLookup = (bytes, start, end) =>
    this.lengths.has(end - start) ? this.byScript.getAt(bytes, start, end) : undefined;

  /** The outputs of `tx` that pay a watched script (read-only: the empty answer is shared). */
  match(tx: RawTx): readonly SeenOutput[] {
    const found = tx.matchOutputs(this.addressAt);
    if (!found) return NONE;
    const txid = tx.txid();
    const spends = tx.prevouts();
    return found.map((f) => ({ txid, vout: f.vout, sats: f.value, addressId: f.id, spends }));
  }

  matchAll(txs: readonly RawTx[]): SeenOutput[] {
    const out: SeenOutput[] = [];
    for (const tx of txs) for (const m of this.match(tx)) out.push(m);
    return out;
  }
}
