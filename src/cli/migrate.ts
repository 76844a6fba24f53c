import type { Config } from '../config/load.js';
import { migrateLatest, openConfiguredDatabase } from '../db/connection.js';

export async function runMigrate(config: Config): Promise<void> {
  const db = await openConfiguredDatabase(config);
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
}
