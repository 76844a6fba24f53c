/**
 * `till migrate --from-sqlite`: a SQLite installation copied into an empty, migrated
 * PostgreSQL database in one transaction, then checked against the source (row counts,
 * money sums) before the commit, so a copy is all there or not there at all.
 */
import fs from 'node:fs';
import type { Knex } from 'knex';
import { migrationSource } from '../../migrations/index.js';
import { TillError } from '../domain/errors.js';
import { openDatabase, type Database } from './connection.js';

const BATCH = 500;
/** Tables a trigger fills from another's rows (migration 0011): copying them would double them. */
const DERIVED = new Set(['payment_spends']);
/** PostgreSQL takes at most 65535 parameters in one statement. */
const MAX_PARAMS = 60_000;
const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);
const RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  integer: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
};

interface Column {
  name: string;
  type: string;
  /** The sequence behind a serial column (ids), to move past the copied rows. */
  serial: boolean;
}

interface Table {
  name: string;
  columns: Column[];
}

export interface Check {
  name: string;
  source: string;
  target: string;
}

export interface CopyReport {
  tables: { name: string; rows: number }[];
  /** Counts and sums taken on both sides after the copy; all equal, or there is no report. */
  checks: Check[];
}

/**
 * Opens a Till SQLite file for copying. A missing path or a file that is not SQLite is
 * refused here, before SQLite would create an empty database in its place.
 */
export async function openSqliteSource(file: string): Promise<Database> {
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(16);
      fs.readSync(fd, header, 0, 16, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new TillError('config_invalid', code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${code ?? String(err)}`);
  }
  if (header.toString('latin1') !== 'SQLite format 3\0') throw new TillError('config_invalid', `${file} is not a SQLite database`);
  const db = openDatabase({ filename: file, readers: 1, maxBatch: 1 });
  try {
    await checkSourceSchema(db.read, file);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

/**
 * The source must be at exactly the schema this Till migrates PostgreSQL to. An older
 * file is refused rather than migrated here: the copy never writes to its source.
 */
async function checkSourceSchema(q: Knex, file: string): Promise<void> {
  const has = await q('sqlite_master').where({ type: 'table', name: 'knex_migrations' }).first();
  if (!has) throw new TillError('config_invalid', `${file} is not a Till database (it has no migrations table)`);
  const done = new Set(((await q('knex_migrations').select('name')) as { name: string }[]).map((r) => r.name));
  const known = await migrationSource.getMigrations([]);
  const missing = known.filter((m) => !done.has(m));
  const unknown = [...done].filter((m) => !known.includes(m));
  if (unknown.length) {
    throw new TillError('config_invalid', `${file} was migrated by a newer Till (${unknown.join(', ')}): copy it with that version`);
  }
  if (missing.length) {
    throw new TillError('config_invalid',
      `${file} is behind this Till's schema (missing ${missing.join(', ')}): run \`till migrate\` on it first, with TILL_DATABASE_URL unset and TILL_DATA_DIR at its directory`);
  }
}

/**
 * Copies every table of `source` (SQLite) into `target` (PostgreSQL, migrated to the
 * latest schema and holding no rows). The source is read inside one write transaction of
 * its own, so a Till still running on it cannot change it between two batches.
 */
export async function copySqliteToPostgres(source: Database, target: Database): Promise<CopyReport> {
  return source.write.transaction(async (src) => {
    return target.write.transaction(async (dst) => {
      const all = await targetTables(dst);
      const tables = await sourceTables(src, all);
      await refuseNonEmpty(dst, tables);
      // PostgreSQL's own tables (the shared rate limit's counts) hold nothing worth keeping.
      for (const t of all) if (!tables.some((x) => x.name === t.name)) await dst(t.name).del();
      const counts: CopyReport['tables'] = [];
      for (const t of tables) {
        // Filled by a trigger as its source rows land: counted and compared below, not copied.
        const rows = DERIVED.has(t.name) ? Number((await src(t.name).count({ n: '*' }))[0]!.n) : await copyTable(src, dst, t);
        counts.push({ name: t.name, rows });
      }
      for (const t of tables) await resetSequences(dst, t);
      const checks = await compare(src, dst, tables);
      const differ = checks.filter((c) => c.source !== c.target);
      if (differ.length) {
        throw new TillError('internal',
          `copy rolled back, source and target differ: ${differ.map((c) => `${c.name} ${c.source} ≠ ${c.target}`).join('; ')}`);
      }
      return { tables: counts, checks };
    });
  });
}

/** PostgreSQL's tables (not knex's own), parents before the tables whose foreign keys name them. */
async function targetTables(dst: Knex.Transaction): Promise<Table[]> {
  const cols = (await dst.raw(
    `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name IN (
       SELECT table_name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name NOT LIKE 'knex\\_migrations%')
     ORDER BY table_name, ordinal_position`,
  )).rows as { table_name: string; column_name: string; data_type: string; column_default: string | null }[];
  const byName = new Map<string, Table>();
  for (const c of cols) {
    const t = byName.get(c.table_name) ?? { name: c.table_name, columns: [] };
    t.columns.push({ name: c.column_name, type: c.data_type, serial: (c.column_default ?? '').startsWith('nextval(') });
    byName.set(t.name, t);
  }
  const fks = (await dst.raw(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
     WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`,
  )).rows as { child: string; parent: string }[];
  const order: Table[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new TillError('internal', `foreign keys form a cycle through ${name}: no order to copy in`);
    state.set(name, 'visiting');
    for (const fk of fks) if (fk.child === name && fk.parent !== name && byName.has(fk.parent)) visit(fk.parent);
    state.set(name, 'done');
    order.push(byName.get(name)!);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return order;
}

/**
 * The tables to copy: every one SQLite has must exist in PostgreSQL with the same columns
 * (a table or column left behind would be data lost). A table only PostgreSQL has (state
 * that SQLite's single process keeps in memory, such as the shared rate limit) stays empty.
 */
async function sourceTables(src: Knex.Transaction, all: Table[]): Promise<Table[]> {
  const names = ((await src('sqlite_master').where({ type: 'table' }).select('name')) as { name: string }[])
    .map((r) => r.name)
    .filter((n) => !n.startsWith('sqlite_') && !n.startsWith('knex_migrations'));
  const extra = names.filter((n) => !all.some((t) => t.name === n));
  if (extra.length) throw new TillError('config_invalid', `PostgreSQL has no table for SQLite's ${extra.join(', ')}: nothing was copied`);
  const tables = all.filter((t) => names.includes(t.name));
  for (const t of tables) {
    const have = ((await src.raw(`PRAGMA table_info(${quote(t.name)})`)) as { name: string }[]).map((c) => c.name).sort();
    const cols = t.columns.map((c) => c.name).sort();
    if (have.join(',') !== cols.join(',')) {
      throw new TillError('config_invalid', `table ${t.name}: SQLite has columns ${have.join(', ')}; PostgreSQL has ${cols.join(', ')}`);
    }
  }
  return tables;
}

/** Never merge: a database that already holds rows is someone's data. */
async function refuseNonEmpty(dst: Knex.Transaction, tables: Table[]): Promise<void> {
  const full: string[] = [];
  for (const t of tables) {
    const row = await dst(t.name).first(dst.raw('1 AS x'));
    if (row) full.push(t.name);
  }
  if (full.length) {
    throw new TillError('invalid_state',
      `the PostgreSQL database already holds data (${full.join(', ')}): copy only into an empty database; nothing was changed`);
  }
}

/** Reads in rowid order, BATCH rows at a time, and inserts each batch as one statement. */
async function copyTable(src: Knex.Transaction, dst: Knex.Transaction, t: Table): Promise<number> {
  // Integers leave SQLite as decimal text: a value never passes through a float on its way.
  const select = t.columns.map((c) => (INTEGER_TYPES.has(c.type) ? `CAST(${quote(c.name)} AS TEXT) AS ${quote(c.name)}` : quote(c.name)));
  const size = Math.max(1, Math.min(BATCH, Math.floor(MAX_PARAMS / t.columns.length)));
  let after: number | null = null;
  let copied = 0;
  for (;;) {
    const rows = (await src.raw(
      `SELECT rowid AS "__rowid", ${select.join(', ')} FROM ${quote(t.name)} ${after === null ? '' : 'WHERE rowid > ?'} ORDER BY rowid LIMIT ?`,
      after === null ? [size] : [after, size],
    )) as Record<string, unknown>[];
    if (!rows.length) return copied;
    after = rows[rows.length - 1]!.__rowid as number;
    await dst(t.name).insert(rows.map((r) => convertRow(t, r)));
    copied += rows.length;
  }
}

function convertRow(t: Table, r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of t.columns) out[c.name] = convert(t.name, c, r[c.name]);
  return out;
}

function convert(table: string, c: Column, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  const where = `${table}.${c.name}`;
  if (c.type === 'boolean') {
    if (v === 0 || v === 1) return v === 1;
    throw new TillError('internal', `${where}: ${JSON.stringify(v)} is not a SQLite boolean (0 or 1)`);
  }
  if (INTEGER_TYPES.has(c.type)) {
    const s = String(v);
    if (!/^-?\d+$/.test(s)) throw new TillError('internal', `${where}: ${s} is not a whole number`);
    const [min, max] = RANGES[c.type]!;
    const n = BigInt(s);
    if (n < min || n > max) throw new TillError('internal', `${where}: ${s} does not fit PostgreSQL's ${c.type}`);
    // Text: node-postgres passes it on unchanged and PostgreSQL reads it exactly.
    return s;
  }
  return v;
}

/** Serial ids continue after the copied rows, so the next insert does not collide. */
async function resetSequences(dst: Knex.Transaction, t: Table): Promise<void> {
  for (const c of t.columns.filter((x) => x.serial)) {
    await dst.raw(
      `SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT MAX(??) FROM ??), 0) + 1, false)`,
      [t.name, c.name, c.name, t.name],
    );
  }
}

/** The same counts and sums on both sides, as decimal text (exact, whatever their size). */
async function compare(src: Knex.Transaction, dst: Knex.Transaction, tables: Table[]): Promise<Check[]> {
  const queries: { name: string; sql: (engine: 'sqlite' | 'pg') => string }[] = tables.map((t) => ({
    name: `${t.name} rows`,
    sql: () => `SELECT COUNT(*) AS v FROM ${quote(t.name)}`,
  }));
  const sum = (table: string, col: string) => ({
    name: `${table} SUM(${col})`,
    sql: () => `SELECT COALESCE(SUM(${quote(col)}), 0) AS v FROM ${quote(table)}`,
  });
  queries.push(sum('invoices', 'total'), sum('invoices', 'due_sats'), sum('invoices', 'paid_sats'), sum('payments', 'sats'));
  const checks: Check[] = [];
  for (const q of queries) {
    checks.push({ name: q.name, source: await scalar(src, q.sql('sqlite'), 'sqlite'), target: await scalar(dst, q.sql('pg'), 'pg') });
  }
  const [a, b] = [await statusCounts(src), await statusCounts(dst)];
  for (const status of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    checks.push({ name: `deliveries ${status}`, source: a.get(status) ?? '0', target: b.get(status) ?? '0' });
  }
  return checks;
}

async function scalar(q: Knex.Transaction, sql: string, engine: 'sqlite' | 'pg'): Promise<string> {
  const text = engine === 'sqlite' ? `SELECT CAST(v AS TEXT) AS v FROM (${sql})` : `SELECT v::text AS v FROM (${sql}) s`;
  const res = (await q.raw(text)) as { rows?: { v: string }[] } & { v: string }[];
  return String((res.rows ?? res)[0]!.v);
}

async function statusCounts(q: Knex.Transaction): Promise<Map<string, string>> {
  const rows = (await q('deliveries').select('status').count({ n: '*' }).groupBy('status')) as { status: string; n: number | string }[];
  return new Map(rows.map((r) => [r.status, String(r.n)]));
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
