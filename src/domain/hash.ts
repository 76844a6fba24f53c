import { createHash } from 'node:crypto';

/**
 * Bitcoin's double SHA-256 of `parts` taken as one message. Node's OpenSSL hash rather
 * than bitcoinjs-lib's pure-JS one: the chain reader hashes every block it reads. Parts
 * are fed in turn, so slices of a block need no copy.
 */
export function sha256d(...parts: Uint8Array[]): Buffer {
  const once = createHash('sha256');
  for (const part of parts) once.update(part);
  return createHash('sha256').update(once.digest()).digest();
}
