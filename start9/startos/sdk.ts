import { StartSdk } from '@start9labs/start-sdk'
import { manifest } from './manifest'

/** The SDK bound to Till's manifest: every other file builds on it. */
export const sdk = StartSdk.of().withManifest(manifest).build(true)
