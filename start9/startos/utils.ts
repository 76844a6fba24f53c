/** Till's side of the package: where it listens, where its data and bitcoind's files are. */
export const tillPort = 5000
export const dataDir = '/data'
/** bitcoind's `main` volume, read-only: Till reads the RPC cookie from it. */
export const bitcoindMount = '/mnt/bitcoind'
/**
 * The user the image runs as (the Dockerfile's USER 1000:1000, which StartOS keeps): /data
 * must be its, and bitcoind's root-owned cookie is shown to it as its own (an idmap).
 */
export const tillUid = 1000
export const tillUser = `${tillUid}:${tillUid}`

/** The host both interfaces are served from, and the two interfaces. */
export const hostId = 'main'
export const uiInterfaceId = 'ui'
export const publicInterfaceId = 'public'

/**
 * The Bitcoin Core package (id `bitcoind`, Start9Labs/bitcoin-core-startos): its host ids
 * and internal ports. ZMQ: rawblock on 28332, rawtx and sequence on 28333.
 */
export const bitcoind = {
  id: 'bitcoind',
  rpcHostId: 'rpc',
  rpcPort: 8332,
  zmqHostId: 'zmq',
  zmqPortBlock: 28332,
  zmqPortTransaction: 28333,
  /** Its data dir is the root of its `main` volume; the cookie sits there on mainnet. */
  cookie: '.cookie',
} as const

/**
 * The bitcoind package's hidden `autoconfig` action, which merges the given settings into
 * its bitcoin.conf (`zmqEnabled` turns its ZMQ publishers on). Declared here by id and
 * input rather than imported from that package's sources.
 */
export const bitcoindAutoconfig = {
  id: 'autoconfig',
  _INPUT: {} as { zmqEnabled: boolean },
} as const
