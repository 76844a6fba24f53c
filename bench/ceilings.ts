/**
 * What this machine can do at best, measured beside each figure in the same run (the
 * machine is shared: absolute figures swing, ratios to a ceiling measured a moment
 * before or after do not swing nearly as much).
 */
import fs from 'node:fs';
import path from 'node:path';
import sqlite3 from 'sqlite3';

export interface CommitCeiling {
  /** Durable commits a second, one after another. */
  perSecond: number;
  /** ms of one commit: BEGIN IMMEDIATE, one INSERT, COMMIT. */
  p50: number;
  p99: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/**
 * A scratch SQLite file under `dir`, set up as Till's writer is (WAL, synchronous=FULL,
 * checkpoints by hand), with a table of invoice-sized rows; `insert` writes the next one.
 */
async function scratchCommits(dir: string, name: string) {
  const file = path.join(dir, `${name}-${process.pid}-${Date.now()}.sqlite`);
  const db = new sqlite3.Database(file);
  const run = (sql: string, params: unknown[] = []) =>
    new Promise<void>((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve())));
  await run('PRAGMA journal_mode = WAL');
  await run('PRAGMA synchronous = FULL');
  await run('PRAGMA wal_autocheckpoint = 0');
  await run('CREATE TABLE t (id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, body TEXT NOT NULL)');
  const statement = db.prepare('INSERT INTO t (ref, body) VALUES (?, ?)');
  const body = 'x'.repeat(600);
  let n = 0;
  return {
    run,
    insert: () => new Promise<void>((resolve, reject) => statement.run([`r${n++}`, body], (err) => (err ? reject(err) : resolve()))),
    async close() {
      await new Promise<void>((resolve) => statement.finalize(() => resolve()));
      await new Promise<void>((resolve, reject) => db.close((err) => (err ? reject(err) : resolve())));
      for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    },
  };
}

/**
 * The raw durable-commit rate of one SQLite connection on the disk under `dir`: WAL,
 * synchronous=FULL, one row (the size of an invoice row) per transaction, through the
 * same driver Till uses, with nothing else in the way.
 */
export async function durableCommitCeiling(dir: string, seconds: number): Promise<CommitCeiling> {
  const db = await scratchCommits(dir, 'ceiling');
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    await db.run('BEGIN IMMEDIATE');
    await db.insert();
    await db.run('COMMIT');
    times.push(performance.now() - t0);
  }
  await db.close();
  return { perSecond: times.length / seconds, p50: pct(times, 50), p99: pct(times, 99) };
}

export interface PacedCeiling {
  /** ms from a row's arrival to its durable commit. */
  p50: number;
  p99: number;
  max: number;
}

/**
 * Durable commits of one row each arriving at `rate` a second for `count` rows, on the
 * disk under `dir`, through the same driver: rows that arrive while a commit is under way
 * share the next one, as Till's group commit does. Over as long a stretch as a latency
 * run, so its tail holds what the disk and the machine's other tenants did meanwhile
 * (a stall of the sync, a core taken away), which a burst of a second does not see.
 */
export async function pacedCommitCeiling(dir: string, rate: number, count: number): Promise<PacedCeiling> {
  const db = await scratchCommits(dir, 'paced');
  const waiting: number[] = [];
  const latencies: number[] = [];
  let committing: Promise<void> | null = null;
  const commitWaiting = async () => {
    while (waiting.length > 0) {
      const arrived = waiting.splice(0);
      await db.run('BEGIN IMMEDIATE');
      for (let i = 0; i < arrived.length; i++) await db.insert();
      await db.run('COMMIT');
      const done = performance.now();
      for (const t of arrived) latencies.push(done - t);
    }
    committing = null;
  };
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    waiting.push(performance.now());
    committing ??= commitWaiting();
  }
  while (committing) await committing;
  await db.close();
  return { p50: pct(latencies, 50), p99: pct(latencies, 99), max: Math.max(...latencies) };
}

/** `a / b` as a percentage, one decimal. */
export function ratio(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)} %`;
}

/**
 * The same for one PostgreSQL connection on the server at `url` (which should run with
 * fsync, synchronous_commit and full_page_writes on, its defaults): BEGIN, one INSERT of
 * the same row, COMMIT, each commit waiting for its WAL flush, through the pg driver
 * Till uses. Also returns the server's settings that decide durability, to print.
 */
export async function postgresCommitCeiling(url: string, seconds: number): Promise<CommitCeiling & { settings: string }> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, application_name: 'till bench ceiling' });
  await client.connect();
  try {
    const table = `ceiling_${process.pid}_${Date.now()}`;
    await client.query(`CREATE TABLE ${table} (id bigserial PRIMARY KEY, ref text NOT NULL UNIQUE, body text NOT NULL)`);
    const settings: string[] = [];
    for (const s of ['fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method']) {
      settings.push(`${s}=${(await client.query<Record<string, string>>(`SHOW ${s}`)).rows[0]![s]}`);
    }
    const body = 'x'.repeat(600);
    const times: number[] = [];
    const until = performance.now() + seconds * 1000;
    for (let i = 0; performance.now() < until; i++) {
      const t0 = performance.now();
      await client.query('BEGIN');
      await client.query({ name: 'ceiling-insert', text: `INSERT INTO ${table} (ref, body) VALUES ($1, $2)`, values: [`r${i}`, body] });
      await client.query('COMMIT');
      times.push(performance.now() - t0);
    }
    await client.query(`DROP TABLE ${table}`);
    return { perSecond: times.length / seconds, p50: pct(times, 50), p99: pct(times, 99), settings: settings.join(', ') };
  } finally {
    await client.end();
  }
}
