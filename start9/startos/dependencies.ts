import { bitcoind, bitcoindAutoconfig } from './utils'
import { sdk } from './sdk'

/**
 * Bitcoin Core, running, with its ZMQ publishers on: a task asks the bitcoind package to
 * turn them on (through its autoconfig action) whenever they are off.
 */
export const setDependencies = sdk.setupDependencies(async ({ effects }) => {
  await sdk.action.createTask(effects, bitcoind.id, bitcoindAutoconfig, 'critical', {
    input: {
      kind: 'partial',
      accept: [{ zmqEnabled: true }],
      set: { zmqEnabled: true },
    },
    reason: 'Till hears of new transactions and blocks over ZMQ',
    when: { condition: 'input-not-matches', once: false },
  })
  return {
    bitcoind: {
      kind: 'running',
      versionRange: '>=28.4:17',
      healthChecks: ['bitcoind'],
    },
  }
})
