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
 * The same hash as a binary string, one character a byte (latin1). For the hash Till only
 * compares and keeps (a mempool transaction's, in SeenTxids): no buffer is made for it,
 * which in a flood of 10,000 transactions a second costs more than the hashing itself.
 */
export function sha256dBinary(...parts: Uint8Array[]): string {
  return hash('sha256', hash('sha256', parts.length === 1 ? parts[0]! : joined(parts), 'buffer'), 'binary');
}

/**
 * The parts laid end to end in a buffer kept for the purpose (the hash reads it at once
 * and keeps nothing): a segwit transaction's three slices cost a copy, not an allocation.
 */
let scratch = new Uint8Array(4096);
function joined(parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  if (total > scratch.length) scratch = new Uint8Array(Math.max(total, scratch.length * 2));
  let at = 0;
  for (const p of parts) {
    scratch.set(p, at);
    at += p.length;
  }
  return scratch.subarray(0, total);
}
