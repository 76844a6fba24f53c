import { address, crypto } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import { TillError } from '../domain/errors.js';
import { addGeneratorMultiple, compress, withEvenY } from './public-derivation.js';

/** The single-key output types Till can watch. */
export type ScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';

export const SCRIPT_TYPES: readonly ScriptType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

/** The descriptor that wraps a key expression for each type: `pkh(KEY)`, `sh(wpkh(KEY))`... */
export function wrapKey(type: ScriptType, key: string): string {
  switch (type) {
    case 'p2pkh':
      return `pkh(${key})`;
    case 'p2sh-p2wpkh':
      return `sh(wpkh(${key}))`;
    case 'p2wpkh':
      return `wpkh(${key})`;
    case 'p2tr':
      return `tr(${key})`;
  }
}

export interface OutputForKey {
  address: string;
  output: Uint8Array;
}

const OP_0 = 0x00;
const OP_1 = 0x51;
const OP_DUP = 0x76;
const OP_HASH160 = 0xa9;
const OP_EQUAL = 0x87;
const OP_EQUALVERIFY = 0x88;
const OP_CHECKSIG = 0xac;

function bytes(...parts: (number | Uint8Array)[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...p])));
}

/**
 * The scriptPubKey and address paying to one derived public key, given as an
 * uncompressed point. Built from the script templates directly (bitcoinjs-lib's
 * `payments` re-validates every field, which dominated the cost of a large pool);
 * the unit tests check every type against published vectors and against
 * bitcoinjs-lib's own address decoding. p2tr is BIP86: the derived key is the internal
 * key, tweaked with no script tree.
 */
export function outputForKey(type: ScriptType, point: Uint8Array, network: Network): OutputForKey {
  switch (type) {
    case 'p2pkh': {
      const hash = crypto.hash160(compress(point));
      return {
        address: address.toBase58Check(hash, network.pubKeyHash),
        output: bytes(OP_DUP, OP_HASH160, 20, hash, OP_EQUALVERIFY, OP_CHECKSIG),
      };
    }
    case 'p2sh-p2wpkh': {
      const redeem = bytes(OP_0, 20, crypto.hash160(compress(point)));
      const hash = crypto.hash160(redeem);
      return {
        address: address.toBase58Check(hash, network.scriptHash),
        output: bytes(OP_HASH160, 20, hash, OP_EQUAL),
      };
    }
    case 'p2wpkh': {
      const hash = crypto.hash160(compress(point));
      return { address: address.toBech32(hash, 0, network.bech32), output: bytes(OP_0, 20, hash) };
    }
    case 'p2tr': {
      const internal = withEvenY(point);
      const tweak = crypto.taggedHash('TapTweak', internal.subarray(1, 33));
      const tweaked = addGeneratorMultiple(internal, tweak);
      if (tweaked === null) throw new TillError('internal', 'The taproot tweak gave an invalid key');
      const outputKey = tweaked.subarray(1, 33);
      return { address: address.toBech32(outputKey, 1, network.bech32), output: bytes(OP_1, 32, outputKey) };
    }
  }
}
