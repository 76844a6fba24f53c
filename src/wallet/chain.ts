import { networks } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import { CHAINS, type Chain } from '../domain/chain.js';
import { TillError } from '../domain/errors.js';

export { CHAINS, describeChain, isChain, type Chain } from '../domain/chain.js';

/** Extended keys and base58 addresses only tell mainnet from "some test chain". */
export type KeyNetwork = 'mainnet' | 'testnet';

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
