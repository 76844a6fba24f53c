import { sha256d, sha256dSlicesBinary } from '../domain/hash.js';

/**
 * A reader for serialized transactions and blocks that touches only what the watcher
 * needs: each output's value and script, and the txid of a transaction that pays us.
 * A 4 MB block is walked without building an object per input or witness; bitcoinjs-lib
 * stays the reference the tests compare against.
 */

export interface RawOutput {
  vout: number;
  /** Satoshis. */
  value: bigint;
  /** A view into the source buffer: copy it to keep it. */
  script: Buffer;
}

export interface RawTx {
  /** Byte range of the whole transaction in the source buffer. */
  start: number;
  end: number;
  outputs: RawOutput[];
  /** Computes the txid (display hex); costs two SHA-256 passes. */
  txid(): string;
  /** The same hash in internal byte order: no reversal, no hex. */
  hash(): Buffer;
  /** That hash as a binary string (SeenTxids' key for a transaction that pays no one): no buffer made. */
  hashBinary(): string;
  /** The outpoints it spends, as `txid:vout`; read on demand (only a match needs them). */
  prevouts(): string[];
  /**
   * The outputs whose script `lookup` knows (its bytes are `buf[start, end)`), with what
   * it answered; null if none. The outputs are walked in place: nothing is built for one
   * that matches nothing, which is nearly every output Till is sent.
   */
  matchOutputs(lookup: ScriptLookup): OutputMatch[] | null;
}

export type ScriptLookup = (buf: Uint8Array, start: number, end: number) => number | undefined;

export interface OutputMatch {
  vout: number;
  /** Satoshis. */
  value: bigint;
  /** What the lookup answered. */
  id: number;
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`truncated data at byte ${this.pos}`);
  }

  varint(): number {
    this.need(1);
    const first = this.buf[this.pos++]!;
    if (first < 0xfd) return first;
    if (first === 0xfd) {
      this.need(2);
      const v = this.buf.readUInt16LE(this.pos);
      this.pos += 2;
      return v;
    }
    if (first === 0xfe) {
      this.need(4);
      const v = this.buf.readUInt32LE(this.pos);
      this.pos += 4;
      return v;
    }
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    if (v > BigInt(this.buf.length)) throw new RangeError(`implausible count ${v} at byte ${this.pos - 9}`);
    return Number(v);
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
}

/** Display (RPC) hex of a hash: the bytes reversed. */
export function displayHex(hash: Buffer): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/**
 * A transaction read in place: byte offsets into the source buffer. A class rather than
 * an object of closures, and the outputs built only when asked: every mempool transaction
 * Till is sent is read, so nothing is built for it beyond this one object.
 */
class ParsedTx implements RawTx {
  private read: RawOutput[] | null = null;

  constructor(
    private readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
    /** Where the first output begins, and how many there are. */
    private readonly outputsStart: number,
    private readonly nOut: number,
    /** Where the inputs' count begins (after a segwit marker), and where the outputs end. */
    private readonly bodyStart: number,
    private readonly bodyEnd: number,
    private readonly segwit: boolean,
    private readonly inputsStart: number,
    private readonly nIn: number,
  ) {}

  /** The txid's hash in internal order: of the whole tx, or of a segwit tx without its witness. */
  hash(): Buffer {
    return Buffer.from(this.hashBinary(), 'latin1');
  }

  /** Of a segwit tx, its version, body and lock time: the witness is left out. */
  hashBinary(): string {
    const { buf, start, end } = this;
    return this.segwit ? sha256dSlicesBinary(buf, start, start + 4, this.bodyStart, this.bodyEnd, end - 4, end) : sha256dSlicesBinary(buf, start, end);
  }

  txid(): string {
    return displayHex(this.hash());
  }

  /** Built on first use (a block's transactions, tests): the flood path never asks. */
  get outputs(): RawOutput[] {
    if (this.read) return this.read;
    const { buf } = this;
    const r = new Reader(buf, this.outputsStart);
    const outputs: RawOutput[] = new Array(this.nOut);
    for (let i = 0; i < this.nOut; i++) {
      const value = buf.readBigUInt64LE(r.pos);
      r.pos += 8;
      const len = r.varint();
      outputs[i] = { vout: i, value, script: buf.subarray(r.pos, r.pos + len) };
      r.pos += len;
    }
    return (this.read = outputs);
  }

  matchOutputs(lookup: ScriptLookup): OutputMatch[] | null {
    const { buf } = this;
    const r = new Reader(buf, this.outputsStart);
    let found: OutputMatch[] | null = null;
    for (let i = 0; i < this.nOut; i++) {
      const valueAt = r.pos;
      r.pos += 8;
      const len = r.varint();
      const id = lookup(buf, r.pos, r.pos + len);
      if (id !== undefined) (found ??= []).push({ vout: i, value: buf.readBigUInt64LE(valueAt), id });
      r.pos += len;
    }
    return found;
  }

  prevouts(): string[] {
    const { buf } = this;
    const out: string[] = [];
    const ir = new Reader(buf, this.inputsStart);
    for (let i = 0; i < this.nIn; i++) {
      out.push(`${displayHex(buf.subarray(ir.pos, ir.pos + 32))}:${buf.readUInt32LE(ir.pos + 32)}`);
      ir.skip(36);
      ir.skip(ir.varint());
      ir.skip(4);
    }
    return out;
  }
}

function readTx(r: Reader): RawTx {
  const buf = r.buf;
  const start = r.pos;
  r.skip(4);
  let segwit = false;
  r.need(2);
  if (buf[r.pos] === 0x00 && buf[r.pos + 1] === 0x01) {
    segwit = true;
    r.pos += 2;
  }
  const bodyStart = r.pos;
  const nIn = r.varint();
  const inputsStart = r.pos;
  for (let i = 0; i < nIn; i++) {
    r.skip(36);
    r.skip(r.varint());
    r.skip(4);
  }
  const nOut = r.varint();
  // Walked here only to check the bounds and find the end: read again on demand.
  const outputsStart = r.pos;
  for (let i = 0; i < nOut; i++) {
    r.skip(8);
    r.skip(r.varint());
  }
  const bodyEnd = r.pos;
  if (segwit) {
    for (let i = 0; i < nIn; i++) {
      const items = r.varint();
      for (let j = 0; j < items; j++) r.skip(r.varint());
    }
  }
  r.skip(4);
  return new ParsedTx(buf, start, r.pos, outputsStart, nOut, bodyStart, bodyEnd, segwit, inputsStart, nIn);
}

/** One serialized transaction (a ZMQ rawtx body, a getrawtransaction result). */
export function parseTx(buf: Buffer): RawTx {
  const r = new Reader(buf, 0);
  const tx = readTx(r);
  if (r.pos !== buf.length) throw new RangeError(`${buf.length - r.pos} bytes after the transaction`);
  return tx;
}

export interface RawBlock {
  /** Block hash, display hex. */
  hash: string;
  prevHash: string;
  /** The header's timestamp, unix seconds. */
  time: number;
  txs: RawTx[];
}

export function blockHash(header: Buffer): string {
  return displayHex(sha256d(header.subarray(0, 80)));
}

/** A serialized block (a ZMQ rawblock body, getblock verbosity 0). */
export function parseBlock(buf: Buffer): RawBlock {
  if (buf.length < 81) throw new RangeError('block shorter than its header');
  const r = new Reader(buf, 80);
  const n = r.varint();
  const txs: RawTx[] = new Array(n);
  for (let i = 0; i < n; i++) txs[i] = readTx(r);
  if (r.pos !== buf.length) throw new RangeError(`${buf.length - r.pos} bytes after the last transaction`);
  return { hash: blockHash(buf), prevHash: displayHex(buf.subarray(4, 36)), time: buf.readUInt32LE(68), txs };
}
