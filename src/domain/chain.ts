/** Bitcoin Core's own chain names (`-chain=`, `getblockchaininfo.chain`), as Till's config uses them. */
export const CHAINS = ['main', 'test', 'testnet4', 'signet', 'regtest'] as const;
export type Chain = (typeof CHAINS)[number];

export function isChain(value: string): value is Chain {
  return (CHAINS as readonly string[]).includes(value);
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
