import { createHmac } from 'node:crypto';
import * as ecc from 'tiny-secp256k1';
import { TillError } from '../domain/errors.js';
import { HARDENED } from './derivation-path.js';

/**
 * An extended public key reduced to what child derivation needs, with the point kept
 * uncompressed so that no step pays for a square root to decompress it.
 */
export interface PublicNode {
  /** 65 bytes, 0x04 || x || y. */
  point: Uint8Array;
  chainCode: Uint8Array;
}

const FIELD_P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;

export function publicNode(compressedKey: Uint8Array, chainCode: Uint8Array): PublicNode {
  const point = ecc.pointCompress(compressedKey, false);
  return { point, chainCode: Uint8Array.from(chainCode) };
}

export function compress(point: Uint8Array): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = 0x02 | ((point[64] as number) & 1);
  out.set(point.subarray(1, 33), 1);
  return out;
}

/**
 * BIP32 CKDpub. Written here rather than taken from bip32's `derive` because an
 * invoice address pool derives thousands of keys: this uses Node's native HMAC and
 * skips bip32's per-call decompression and re-validation, about twice as fast.
 * Checked against bip32 and the BIP32 test vectors in the unit tests.
 */
export function publicChild(parent: PublicNode, index: number): PublicNode {
  if (!Number.isInteger(index) || index < 0 || index >= HARDENED) {
    throw new TillError('validation_failed', `Cannot derive index ${String(index)} from a public key`);
  }
  const data = new Uint8Array(37);
  data.set(compress(parent.point), 0);
  new DataView(data.buffer).setUint32(33, index, false);
  const i = createHmac('sha512', parent.chainCode).update(data).digest();
  const il = i.subarray(0, 32);
  // IL >= n (or 0) or a point at infinity: BIP32 says skip the index. Odds are below 2^-127.
  const point = addGeneratorMultiple(parent.point, il);
  if (point === null) {
    throw new TillError('internal', `BIP32 index ${index} yields an invalid key; skip it`);
  }
  return { point, chainCode: Uint8Array.from(i.subarray(32)) };
}

/**
 * point + scalar·G, or null when the scalar is 0 or not below the curve order or the
 * sum is infinity. Two library calls rather than `pointAddScalar`: multiplying G uses
 * libsecp256k1's precomputed generator tables, which is measurably faster here.
 */
export function addGeneratorMultiple(point: Uint8Array, scalar: Uint8Array): Uint8Array | null {
  if (!ecc.isPrivate(scalar)) return null;
  const multiple = ecc.pointFromScalar(scalar, false);
  return multiple === null ? null : ecc.pointAdd(point, multiple, false);
}

/** The same point with an even y: the key lift_x(x) that BIP340/341 work with. */
export function withEvenY(point: Uint8Array): Uint8Array {
  if (((point[64] as number) & 1) === 0) return point;
  const y = toBigInt(point.subarray(33));
  const out = Uint8Array.from(point);
  out.set(Buffer.from((FIELD_P - y).toString(16).padStart(64, '0'), 'hex'), 33);
  return out;
}

function toBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(bytes).toString('hex'));
}
