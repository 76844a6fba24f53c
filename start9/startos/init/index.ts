import { actions } from '../actions'
import { restoreInit } from '../backups'
import { setDependencies } from '../dependencies'
import { setInterfaces } from '../interfaces'
import { sdk } from '../sdk'
import { versionGraph } from '../versions'

// No secret to make at install: the merchant UI's sessions are server-side (a random token
// whose hash the database keeps), so nothing signs them.
export const init = sdk.setupInit(restoreInit, versionGraph, setInterfaces, setDependencies, actions)

export const uninit = sdk.setupUninit(versionGraph)
