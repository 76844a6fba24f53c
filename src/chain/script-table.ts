/**
 * A set of output scripts, each with a number, in three typed arrays instead of a Map of
 * strings: every address Till ever handed out is watched for good, and at 100,000 of them
 * a Map keyed by strings costs about 18 MB of heap where this costs about 4. A lookup
 * hashes the script's bytes (FNV-1a) and compares bytes: nothing is allocated, which
 * matters as much, since every output of every mempool transaction is looked up.
 *
 * Open addressing with linear probing, at most half full; entries are never removed.
 */
export class ScriptTable {
  /** Slot → 1 + index of its entry (0: empty). */
  private slots: Uint32Array;
  /** Entry → where its script starts in `arena`; the script ends where the next begins. */
  private starts: Uint32Array;
  private ids: Float64Array;
  private arena: Uint8Array;
  private arenaUsed = 0;
  private count = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.slots = new Uint32Array(n);
    this.starts = new Uint32Array(capacity + 1);
    this.ids = new Float64Array(capacity);
    this.arena = new Uint8Array(capacity * 24);
  }

  get size(): number {
    return this.count;
  }

  /** The number kept with `script`, or undefined. */
  get(script: Uint8Array): number | undefined {
    return this.getAt(script, 0, script.length);
  }

  /** The same for the script at `bytes[start, end)`, read in place (an output inside its transaction). */
  getAt(bytes: Uint8Array, start: number, end: number): number | undefined {
    const mask = this.slots.length - 1;
    for (let slot = hashAt(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot]!;
      if (e === 0) return undefined;
      if (this.equalsAt(e - 1, bytes, start, end)) return this.ids[e - 1];
    }
  }

  /** Keeps `id` with `script`; a script already there gets the new number. */
  set(script: Uint8Array, id: number): void {
    const mask = this.slots.length - 1;
    let slot = hash(script) & mask;
    for (; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot]!;
      if (e === 0) break;
      if (this.equals(e - 1, script)) {
        this.ids[e - 1] = id;
        return;
      }
    }
    const entry = this.count;
    this.reserve(script.length);
    this.arena.set(script, this.arenaUsed);
    this.starts[entry] = this.arenaUsed;
    this.arenaUsed += script.length;
    this.starts[entry + 1] = this.arenaUsed;
    this.ids[entry] = id;
    this.slots[slot] = entry + 1;
    this.count++;
    if (this.count * 2 > this.slots.length) this.rehash(this.slots.length * 2);
  }

  private equals(entry: number, script: Uint8Array): boolean {
    return this.equalsAt(entry, script, 0, script.length);
  }

  private equalsAt(entry: number, bytes: Uint8Array, start: number, end: number): boolean {
    const at = this.starts[entry]!;
    if (this.starts[entry + 1]! - at !== end - start) return false;
    const arena = this.arena;
    for (let i = 0; i < end - start; i++) if (arena[at + i] !== bytes[start + i]) return false;
    return true;
  }

  /** Room for one more entry of `bytes` bytes. */
  private reserve(bytes: number): void {
    if (this.count + 2 > this.starts.length) {
      const starts = new Uint32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
      const ids = new Float64Array(starts.length - 1);
      ids.set(this.ids);
      this.ids = ids;
    }
    if (this.arenaUsed + bytes > this.arena.length) {
      const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + bytes));
      arena.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = arena;
    }
  }

  private rehash(size: number): void {
    const slots = new Uint32Array(size);
    const mask = size - 1;
    for (let entry = 0; entry < this.count; entry++) {
      let slot = hash(this.arena.subarray(this.starts[entry]!, this.starts[entry + 1]!)) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = entry + 1;
    }
    this.slots = slots;
  }
}

/** FNV-1a over the bytes, as an unsigned 32-bit number. */
function hash(bytes: Uint8Array): number {
  return hashAt(bytes, 0, bytes.length);
}

function hashAt(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
