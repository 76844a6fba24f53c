import { hash } from 'node:crypto';

/**
 * Bitcoin's double SHA-256 of `parts` taken as one message. Node's OpenSSL hash rather
 * than bitcoinjs-lib's pure-JS one: the chain reader hashes every block it reads. The
 * one-shot `crypto.hash` (no Hash stream object per call: the watcher hashes every
 * mempool transaction it is sent); several parts are joined first (a transaction's
 * slices, a few hundred bytes).
 */
export function sha256d(...parts: Uint8Array[]): Buffer {
  const message = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return hash('sha256', hash('sha256', message, 'buffer'), 'buffer');
}
