import { sdk } from './sdk'
import { bitcoind, bitcoindMount, dataDir, tillPort, tillUid, tillUser } from './utils'

type Health = { ok?: boolean; syncing?: boolean; blocks_behind?: number; warnings?: string[] }

/** Till's /health, as a StartOS health check: 200 is healthy, 503 says why not. */
async function tillHealth() {
  try {
    const res = await fetch(`http://127.0.0.1:${tillPort}/health`, { signal: AbortSignal.timeout(5000) })
    const body = (await res.json().catch(() => ({}))) as Health
    if (res.ok) {
      const warnings = body.warnings?.length ? ` (${body.warnings.join('; ')})` : ''
      return { result: 'success' as const, message: `Following Bitcoin Core${warnings}` }
    }
    if (body.syncing) return { result: 'loading' as const, message: 'Bitcoin Core is still syncing; Till waits for it' }
    return { result: 'failure' as const, message: body.warnings?.join('; ') || 'Till cannot follow Bitcoin Core' }
  } catch {
    return { result: 'starting' as const, message: 'Till is not answering yet' }
  }
}

export const main = sdk.setupMain(async ({ effects }) => {
  // bitcoind's RPC and ZMQ as this container reaches them; main restarts when they move.
  const rpc = await sdk.host
    .getBridgeAddress(effects, { packageId: bitcoind.id, hostId: bitcoind.rpcHostId, internalPort: bitcoind.rpcPort, ssl: false })
    .const()
  const zmqBlock = await sdk.host
    .getBridgeAddress(effects, { packageId: bitcoind.id, hostId: bitcoind.zmqHostId, internalPort: bitcoind.zmqPortBlock })
    .const()
  const zmqTx = await sdk.host
    .getBridgeAddress(effects, { packageId: bitcoind.id, hostId: bitcoind.zmqHostId, internalPort: bitcoind.zmqPortTransaction })
    .const()
  if (!rpc) throw new Error('Bitcoin Core is not installed or exposes no RPC')
  const [rpcHost, rpcPort] = [rpc.slice(0, rpc.lastIndexOf(':')), rpc.slice(rpc.lastIndexOf(':') + 1)]
  // StartOS's own proxy (TLS, .local and Tor) is the only peer whose X-Forwarded-* is believed.
  const osIp = await sdk.getOsIp(effects)

  // Till runs as the image's user (1000), not root. bitcoind writes its cookie as root with
  // mode 0600: the idmap shows files of uid/gid 0 on that volume as 1000's, in this mount
  // only (read-only), so Till can read the cookie and nothing else changes for bitcoind.
  const mounts = sdk.Mounts.of()
    .mountVolume({ volumeId: 'main', subpath: null, mountpoint: dataDir, readonly: false })
    .mountDependency({
      dependencyId: bitcoind.id,
      volumeId: 'main',
      subpath: null,
      mountpoint: bitcoindMount,
      readonly: true,
      idmap: [{ fromId: 0, toId: tillUid }],
    })

  const till = await sdk.SubContainer.of(effects, { imageId: 'till' }, mounts, 'till')

  return sdk.Daemons.of(effects)
    // A new volume is root's, and a restored backup may be too: give /data to Till's user
    // (as root, once per start) before Till starts.
    .addOneshot('chown-data', {
      subcontainer: till,
      exec: { command: ['chown', '-R', tillUser, dataDir], user: 'root' },
      requires: [],
    })
    .addDaemon('till', {
      subcontainer: till,
      exec: {
        command: sdk.useEntrypoint(),
        env: {
          TILL_DATA_DIR: dataDir,
          TILL_HOST: '0.0.0.0',
          TILL_PORT: String(tillPort),
          TILL_CHAIN: 'main',
          TILL_RPC_HOST: rpcHost,
          TILL_RPC_PORT: rpcPort,
          // Cookie auth: bitcoind rewrites the cookie at each start, Till re-reads it after a 401.
          TILL_RPC_COOKIE_FILE: `${bitcoindMount}/${bitcoind.cookie}`,
          ...(zmqBlock && { TILL_ZMQ_RAWBLOCK: `tcp://${zmqBlock}` }),
          ...(zmqTx && { TILL_ZMQ_RAWTX: `tcp://${zmqTx}`, TILL_ZMQ_SEQUENCE: `tcp://${zmqTx}` }),
          TILL_UI_AUTH: 'password',
          TILL_TRUST_PROXY: osIp,
        },
        sigtermTimeout: 30_000,
      },
      ready: {
        display: 'Till',
        gracePeriod: 60_000,
        fn: tillHealth,
      },
      requires: ['chown-data'],
    })
})
