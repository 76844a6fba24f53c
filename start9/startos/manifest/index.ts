import { setupManifest } from '@start9labs/start-sdk'

export const manifest = setupManifest({
  id: 'till',
  title: 'Till',
  license: 'MIT',
  packageRepo: 'https://github.com/__OWNER__/__REPO__/tree/main/start9',
  upstreamRepo: 'https://github.com/__OWNER__/__REPO__',
  marketingUrl: 'https://github.com/__OWNER__/__REPO__',
  donationUrl: null,
  description: {
    short: 'Take bitcoin payments with your own node',
    long: 'Till is a small payment processor beside your Bitcoin Core: your shop asks its API for an invoice, Till derives a fresh address from your watch-only extended public key, converts the price at live rates and follows the payment to its confirmations. It speaks its own API, a checkout API and the legacy BitPay API, and serves checkout pages and payment links. No third party, no private keys on the server.',
  },
  // /data: the SQLite database.
  volumes: ['main'],
  images: {
    till: {
      // The repository's Dockerfile (multi-arch, user 1000:1000, tini, HEALTHCHECK).
      source: { dockerBuild: { workdir: '..', dockerfile: '../Dockerfile' } },
      arch: ['x86_64', 'aarch64'],
    },
  },
  dependencies: {
    bitcoind: {
      description: 'Till follows your own Bitcoin Core over RPC (cookie auth) and ZMQ.',
      optional: false,
      metadata: {
        title: 'Bitcoin Core',
        // The icon the bitcoind package publishes for its dependents.
        icon: 'https://raw.githubusercontent.com/Start9Labs/bitcoin-core-startos/feec0b1dae42961a257948fe39b40caf8672fce1/dep-icon.svg',
      },
    },
  },
})
