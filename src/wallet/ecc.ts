import { BIP32Factory } from 'bip32';
import type { BIP32API } from 'bip32';
import { initEccLib } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';

/**
 * bitcoinjs-lib needs an ECC backend registered before it can build p2tr outputs.
 * Called by whoever derives, rather than at import time, so importing the wallet
 * module has no side effect. Idempotent: bitcoinjs-lib skips re-verification when it
 * is handed the instance it already holds, and the module namespace is always the same object.
 */
export function ensureEcc(): void {
  initEccLib(ecc);
}

/** A BIP32 API bound to tiny-secp256k1. Cheap enough to build once per parsed wallet. */
export function bip32Api(): BIP32API {
  return BIP32Factory(ecc);
}
