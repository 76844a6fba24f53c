import { sdk } from './sdk'

/** Everything Till keeps is on `main` (/data): the SQLite database. */
export const { createBackup, restoreInit } = sdk.setupBackups(async () => sdk.Backups.ofVolumes('main'))
