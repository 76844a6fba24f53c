import path from 'node:path';
import type { Config } from '../config/load.js';
import { describeDatabase, migrateLatest, openConfiguredDatabase } from '../db/connection.js';
import { copySqliteToPostgres, openSqliteSource, type CopyReport } from '../db/copy.js';
import { TillError } from '../domain/errors.js';

export async function runMigrate(config: Config, opts: { fromSqlite?: string } = {}): Promise<void> {
  if (opts.fromSqlite !== undefined) return migrateFromSqlite(config, opts.fromSqlite);
  const db = await openConfiguredDatabase(config);
  try {
    let applied: string[];
    try {
      applied = await migrateLatest(db);
    } catch (err) {
      // One line for the operator: the statement that failed and why, not a stack.
      throw new TillError('internal', `migrating ${describeDatabase(config)} failed: ${String((err as Error).message ?? err).split('\n')[0]}`);
    }
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.close();
  }
}

/**
 * Copies a SQLite installation into the PostgreSQL database TILL_DATABASE_URL names. The
 * target is migrated first (so its schema is the one the rows are checked against), then
 * must be empty; the source is only read.
 */
async function migrateFromSqlite(config: Config, from: string): Promise<void> {
  if (!config.databaseUrl) {
    throw new TillError('config_invalid', 'till migrate --from-sqlite: set TILL_DATABASE_URL to the PostgreSQL database to copy into');
  }
  const file = path.resolve(from);
  const source = await openSqliteSource(file);
  try {
    const target = await openConfiguredDatabase(config);
    try {
      await migrateLatest(target);
      print(file, describeDatabase(config), await copySqliteToPostgres(source, target));
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

function print(file: string, target: string, report: CopyReport): void {
  const width = Math.max(...report.tables.map((t) => t.name.length), ...report.checks.map((c) => c.name.length));
  console.log(`copied ${file} into ${target}`);
  for (const t of report.tables) console.log(`  ${t.name.padEnd(width)}  ${t.rows}`);
  console.log('verified (source = target):');
  for (const c of report.checks.filter((x) => !x.name.endsWith(' rows'))) console.log(`  ${c.name.padEnd(width)}  ${c.source}`);
}
