import { networks } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import { TillError } from '../domain/errors.js';

/** Bitcoin Core's own chain names (`-chain=`, `getblockchaininfo.chain`), as Till's config uses them. */
export type Chain = 'main' | 'test' | 'testnet4' | 'signet' | 'regtest';

export const CHAINS: readonly Chain[] = ['main', 'test', 'testnet4', 'signet', 'regtest'];

/** Extended keys and base58 addresses only tell mainnet from "some test chain". */
export type KeyNetwork = 'mainnet' | 'testnet';

export function isChain(value: string): value is Chain {
  return (CHAINS as readonly string[]).includes(value);
}

/** bitcoinjs-lib network parameters for a chain: regtest differs from the other test chains only in its bech32 HRP. */
export function networkFor(chain: Chain): Network {
  switch (chain) {
    case 'main':
      return networks.bitcoin;
    case 'test':
    case 'testnet4':
    case 'signet':
      return networks.testnet;
    case 'regtest':
      return networks.regtest;
    default:
      throw new TillError('validation_failed', `Unknown chain '${String(chain)}': expected one of ${CHAINS.join(', ')}`);
  }
}

export function keyNetworkFor(chain: Chain): KeyNetwork {
  return chain === 'main' ? 'mainnet' : 'testnet';
}

/** How a message names the chain Till runs on. */
export function describeChain(chain: Chain): string {
  switch (chain) {
    case 'main':
      return 'mainnet';
    case 'test':
      return 'testnet3';
    default:
      return chain;
  }
}
