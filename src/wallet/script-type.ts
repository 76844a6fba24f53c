import { payments, toXOnly } from 'bitcoinjs-lib';
import type { Network, Payment } from 'bitcoinjs-lib';

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

/**
 * The scriptPubKey and address paying to one derived public key (33 bytes, compressed).
 * p2tr is BIP86: the derived key is the internal key, tweaked with no script tree.
 * payments needs the ECC backend registered (ensureEcc) for p2tr.
 */
export function outputForKey(type: ScriptType, pubkey: Uint8Array, network: Network): OutputForKey {
  const payment: Payment =
    type === 'p2pkh'
      ? payments.p2pkh({ pubkey, network })
      : type === 'p2sh-p2wpkh'
        ? payments.p2sh({ redeem: payments.p2wpkh({ pubkey, network }), network })
        : type === 'p2wpkh'
          ? payments.p2wpkh({ pubkey, network })
          : payments.p2tr({ internalPubkey: toXOnly(pubkey), network });
  return { address: payment.address as string, output: payment.output as Uint8Array };
}
