import { randomBytes } from 'node:crypto';

const KEY = 32;
const EMPTY = 0;
const TOMBSTONE = 0xffffffff;

/**
 * Txids already read from the mempool: a re-read fetches only the others. Bounded (a
 * full mainnet mempool is ~300k transactions); forgetting one only costs a fetch.
 *
 * Every mempool transaction Till is sent lands here, 10,000 a second in a flood, so it is
 * kept as bytes in typed arrays rather than a Set of strings: nothing is allocated per
 * transaction, and the garbage collector has no half a million small strings to walk (it
 * did, on threads of its own, for a good share of the flood's cost). A txid is kept as
 * the 32 bytes of its hash in internal order, as SHA-256 gives them (no reversal, no hex);
 * txids in RPC (display) order are turned round at the edges.
 *
 * Open addressing with linear probing, at most half full (slotOf). A forgotten txid
 * leaves a tombstone, which a later insert reuses.
 */
export class SeenTxids {
  /** Slot → 1 + its entry (EMPTY, or TOMBSTONE for a forgotten one). */
  private slots: Uint32Array;
  /** Entry e's key is bytes e*32 … e*32+31. */
  private keys: Uint8Array;
  /** Entries written since the last clear (forgotten ones included: their bytes stay). */
  private used = 0;
  private live = 0;
  private readonly scratch = new Uint8Array(KEY);

  constructor(private readonly max = 500_000) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`SeenTxids holds at least one txid, not ${max}`);
    this.keys = new Uint8Array(Math.min(4096, max) * KEY);
    this.slots = new Uint32Array(slotsFor(this.keys.length / KEY));
  }

  get size(): number {
    return this.live;
  }

  /** The key of a txid in display (RPC) order. */
  static keyOf(txid: string): Buffer {
    return Buffer.from(txid, 'hex').reverse();
  }

  has(txid: string): boolean {
    return this.find(SeenTxids.keyOf(txid)) >= 0;
  }

  /** Only once a match is committed: a failed write must leave it for the next re-read. */
  remember(txid: string): void {
    this.rememberHash(SeenTxids.keyOf(txid));
  }

  /** The same, by the hash in internal order (RawTx.hash): the path every transaction that pays no one takes. */
  rememberHash(key: Uint8Array): void {
    if (key.length !== KEY) throw new RangeError(`a txid is ${KEY} bytes, not ${key.length}`);
    if (this.find(key) >= 0) return;
    if (this.used >= this.max) this.clear();
    if (this.used === this.keys.length / KEY) this.grow();
    const mask = this.slots.length - 1;
    let slot = slotOf(key) & mask;
    while (this.slots[slot] !== EMPTY && this.slots[slot] !== TOMBSTONE) slot = (slot + 1) & mask;
    this.keys.set(key, this.used * KEY);
    this.slots[slot] = ++this.used;
    this.live++;
  }

  /** The same, by the hash as a binary string (RawTx.hashBinary): the flood's path, nothing allocated. */
  rememberBinary(key: string): void {
    if (key.length !== KEY) throw new RangeError(`a txid is ${KEY} bytes, not ${key.length}`);
    const bytes = this.scratch;
    for (let i = 0; i < KEY; i++) bytes[i] = key.charCodeAt(i);
    this.rememberHash(bytes);
  }

  /** A payment that stopped standing may come back: the next re-read must fetch it again. */
  forget(txid: string): void {
    const slot = this.find(SeenTxids.keyOf(txid));
    if (slot < 0) return;
    this.slots[slot] = TOMBSTONE;
    this.live--;
  }

  /** The slot holding `key`, or -1. */
  private find(key: Uint8Array): number {
    const mask = this.slots.length - 1;
    for (let slot = slotOf(key) & mask; ; slot = (slot + 1) & mask) {
      const e = this.slots[slot]!;
      if (e === EMPTY) return -1;
      if (e !== TOMBSTONE && this.equals(e - 1, key)) return slot;
    }
  }

  private equals(entry: number, key: Uint8Array): boolean {
    const keys = this.keys;
    const at = entry * KEY;
    for (let i = 0; i < KEY; i++) if (keys[at + i] !== key[i]) return false;
    return true;
  }

  /** Twice the room for entries (up to `max`), and slots to match; tombstones are dropped. */
  private grow(): void {
    const entries = Math.min(this.max, (this.keys.length / KEY) * 2);
    const keys = new Uint8Array(entries * KEY);
    keys.set(this.keys);
    this.keys = keys;
    const old = this.slots;
    const slots = new Uint32Array(slotsFor(entries));
    const mask = slots.length - 1;
    for (const e of old) {
      if (e === EMPTY || e === TOMBSTONE) continue;
      let slot = slotOf(keys.subarray((e - 1) * KEY, e * KEY)) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = e;
    }
    this.slots = slots;
  }

  /** Full: start again (each txid forgotten costs one fetch at the next re-read). */
  private clear(): void {
    this.slots.fill(EMPTY);
    this.used = 0;
    this.live = 0;
  }
}

/** A power of two at least twice `entries`: the table is never more than half full. */
function slotsFor(entries: number): number {
  let n = 16;
  while (n < entries * 2) n *= 2;
  return n;
}

/**
 * The slot of a key: its first eight bytes mixed with a seed of this process's own. A
 * txid is uniform already, but one can be ground to land where others do; without the
 * seed, transactions made to pile up in one run of slots cannot be aimed.
 */
const [SEED0, SEED1] = randomBytes(8).reduce<[number, number]>((s, b, i) => {
  s[i >> 2]! |= b << ((i & 3) * 8);
  return s;
}, [0, 0]);
function slotOf(key: Uint8Array): number {
  const w0 = key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24);
  const w1 = key[4]! | (key[5]! << 8) | (key[6]! << 16) | (key[7]! << 24);
  let h = Math.imul(w0 ^ SEED0, 0x85ebca6b) ^ Math.imul(w1 ^ SEED1, 0xc2b2ae35);
  h ^= h >>> 15;
  return h >>> 0;
}
