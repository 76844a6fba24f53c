import { hash } from 'node:crypto';

/**
 * Bitcoin's double SHA-256 of `parts` taken as one message. Node's OpenSSL hash rather
 * than bitcoinjs-lib's pure-JS one: the chain reader hashes every block it reads. The
 * one-shot `crypto.hash` (no Hash stream object per call: the watcher hashes every
 * mempool transaction it is sent); several parts are joined first (a transaction's
 * slices, a few hundred bytes).
 */
export function sha256d(...parts: Uint8Array[]): Buffer {
  return hash('sha256', hash('sha256', parts.length === 1 ? parts[0]! : joined(parts), 'buffer'), 'buffer');
}

/**
 * The double SHA-256 of up to three slices of `buf` laid end to end ([a0, a1), then
 * [b0, b1) and [c0, c1) if not empty: a segwit transaction's version, body and lock time),
 * as a binary string, one character a byte. For the hash Till only compares and keeps (a
 * mempool transaction's, in SeenTxids), on the path every transaction it is sent takes:
 * no buffer is made for the result, and no view for the slices, which at 10,000 a second
 * cost more than the hashing itself.
 */
export function sha256dSlicesBinary(buf: Uint8Array, a0: number, a1: number, b0 = 0, b1 = 0, c0 = 0, c1 = 0): string {
  if (!(0 <= a0 && a0 <= a1 && 0 <= b0 && b0 <= b1 && 0 <= c0 && c0 <= c1 && a1 <= buf.length && b1 <= buf.length && c1 <= buf.length)) {
    throw new RangeError(`slices [${a0}, ${a1}) [${b0}, ${b1}) [${c0}, ${c1}) do not lie in ${buf.length} bytes`);
  }
  const message = a0 === 0 && a1 === buf.length && b0 === b1 && c0 === c1 ? buf : laidOut(buf, a0, a1, b0, b1, c0, c1);
  return hash('sha256', hash('sha256', message, 'buffer'), 'binary');
}

/**
 * The parts laid end to end in a buffer kept for the purpose (the hash reads it at once
 * and keeps nothing): a segwit transaction's three slices cost a copy, not an allocation.
 */
let scratch = new Uint8Array(4096);
/**
 * Views of scratch's first n bytes by n, made once each, for n up to VIEWS (transactions of
 * a few hundred bytes come in a few hundred lengths; a longer one gets a view of its own).
 */
const VIEWS = 4096;
let views: Uint8Array[] = new Array<Uint8Array>(VIEWS + 1);

function ensureScratch(total: number): void {
  if (total <= scratch.length) return;
  scratch = new Uint8Array(Math.max(total, scratch.length * 2));
  views = new Array<Uint8Array>(VIEWS + 1);
}

function viewOf(total: number): Uint8Array {
  if (total > VIEWS) return scratch.subarray(0, total);
  return (views[total] ??= scratch.subarray(0, total));
}

function joined(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  ensureScratch(total);
  let at = 0;
  for (const p of parts) {
    scratch.set(p, at);
    at += p.length;
  }
  return viewOf(total);
}

function laidOut(buf: Uint8Array, a0: number, a1: number, b0: number, b1: number, c0: number, c1: number): Uint8Array {
  const total = a1 - a0 + (b1 - b0) + (c1 - c0);
  ensureScratch(total);
  let at = copyInto(buf, a0, a1, 0);
  at = copyInto(buf, b0, b1, at);
  copyInto(buf, c0, c1, at);
  return viewOf(total);
}

/** buf[from, to) into scratch at `at`; returns where it ends. A short slice byte by byte, a long one in one go. */
function copyInto(buf: Uint8Array, from: number, to: number, at: number): number {
  if (to - from > 512) scratch.set(buf.subarray(from, to), at);
  else for (let i = from; i < to; i++) scratch[at + i - from] = buf[i]!;
  return at + to - from;
}
