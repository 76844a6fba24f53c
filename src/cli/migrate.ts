import type { Config } from '../config/load.js';
import { migrateLatest, openDatabase } from '../db/connection.js';

export async function runMigrate(config: Config): Promise<void> {
  const db = openDatabase({ filename: config.databaseFile });
  try {
    const applied = await migrateLatest(db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
}
