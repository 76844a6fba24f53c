import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { actions } from '../actions'
import { restoreInit } from '../backups'
import { setDependencies } from '../dependencies'
import { setInterfaces } from '../interfaces'
import { sdk } from '../sdk'
import { mainVolume, sessionSecretFile } from '../utils'
import { versionGraph } from '../versions'

/** Once, at install: the secret merchant UI sessions are signed with (kept across restarts and in backups). */
const sessionSecret = sdk.setupOnInit(async (_effects, kind) => {
  if (kind !== 'install') return
  await mkdir(mainVolume, { recursive: true })
  await writeFile(`${mainVolume}/${sessionSecretFile}`, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    },
  )
})

export const init = sdk.setupInit(restoreInit, versionGraph, sessionSecret, setInterfaces, setDependencies, actions)

export const uninit = sdk.setupUninit(versionGraph)
