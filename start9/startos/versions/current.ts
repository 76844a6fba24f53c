import { VersionInfo } from '@start9labs/start-sdk'

export const current = VersionInfo.of({
  version: '0.1.0:0',
  releaseNotes: 'The first StartOS package of Till.',
  migrations: {
    up: async () => {},
    down: async () => {},
  },
})
