import fs from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import Client_SQLite3 from 'knex/lib/dialects/sqlite3/index.js';
import Transaction_Sqlite from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';
import { migrationSource } from '../../migrations/index.js';
import { GroupCommit, NO_CLAIM, type GroupCommitStats, type TxOptions, type UnitFn } from './group-commit.js';
import { LOCKS, type DriverLog, checkPostgresUrl, describePostgresUrl, isRetryable, openPostgresKnex, postgresClient } from './postgres.js';
import { TillError } from '../domain/errors.js';

export type { TxOptions };

/**
 * A write transaction that reads first must hold the write lock from its first statement,
 * or a second process (the CLI beside the server) can make it fail with SQLITE_BUSY
 * instead of waiting on busy_timeout. knex begins with a plain BEGIN; this begins IMMEDIATE.
 */
class ImmediateTransaction extends Transaction_Sqlite {
  begin(conn: unknown): Promise<unknown> {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  }
}

class TillSqliteClient extends Client_SQLite3 {
  override transaction(...args: unknown[]) {
    return new ImmediateTransaction(this, ...args) as unknown as Knex.Transaction;
  }
}

type SqliteConnection = { exec(sql: string, cb: (err: Error | null) => void): void };

function pragmas(readOnly: boolean): string {
  return [
    'PRAGMA journal_mode = WAL;',
    'PRAGMA foreign_keys = ON;',
    'PRAGMA busy_timeout = 5000;',
    // A committed money row must survive power loss, not only a crash.
    'PRAGMA synchronous = FULL;',
    readOnly ? 'PRAGMA query_only = ON;' : '',
    // The writer never checkpoints on commit (that would stall the commit that crosses
    // the threshold for a whole WAL copy and fsync); a background loop does it instead.
    readOnly ? '' : 'PRAGMA wal_autocheckpoint = 0;',
  ].join(' ');
}

function sqliteConfig(filename: string, poolSize: number, readOnly: boolean): Knex.Config {
  return {
    client: TillSqliteClient as unknown as typeof Knex.Client,
    connection: { filename },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: poolSize,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) => {
        conn.exec(pragmas(readOnly), (err) => done(err, conn));
      },
    },
  };
}

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  engine: Engine;
  /** The PostgreSQL URL (postgres only): sessions of their own, LISTEN, the worker lock. */
  url?: string;
  /**
   * This process among the others on one PostgreSQL (its sessions' application_name,
   * which the news triggers sign their messages with).
   */
  name: string;
  /**
   * Copies the WAL into the database file from a connection of its own, without
   * blocking the writer (PASSIVE). Run it every few seconds.
   */
  checkpoint(): Promise<void>;
  /** The single writer connection: every state change goes through `tx`. */
  write: Knex;
  /** Readers: WAL lets them run beside the writer. */
  read: Knex;
  /**
   * Runs `fn` as one atomic unit of work and resolves once it is durable. Units that
   * arrive together share a commit (see GroupCommit), each in a savepoint of its own, one
   * after another: a unit that throws leaves no row behind and fails only its caller.
   * `fn` must do nothing but database work in `trx` and await every statement it starts.
   * A unit made only of compare-and-sets, single atomic statements and writes a unique
   * index refuses may say `concurrent` and run beside others of its kind (and run twice);
   * it claims what it reads that no such write covers (`Claim`).
   */
  tx<T>(fn: UnitFn<T>, opts?: TxOptions): Promise<T>;
  /** How many commits carried how many units so far (tests, benchmarks). */
  commitStats(): GroupCommitStats;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Path of the SQLite file, or ':memory:' (tests only: one connection, no readers). */
  filename?: string;
  /** postgres://…: PostgreSQL instead of the SQLite file. */
  url?: string;
  /** The driver's complaints (a lost connection), PostgreSQL only; unset, they are dropped. */
  log?: DriverLog;
  readers?: number;
  /** Most units of work one commit may carry (1 turns group commit off). */
  maxBatch?: number;
}

export function openDatabase(opts: DatabaseOptions): Database {
  if (opts.url) return openPostgres(opts.url, opts.log);
  const filename = opts.filename;
  if (!filename) throw new Error('openDatabase: a filename or a url');
  const memory = filename === ':memory:';
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
  const write = knexFactory(sqliteConfig(filename, 1, false));
  const read = memory ? write : knexFactory(sqliteConfig(filename, opts.readers ?? 2, true));
  const group = new GroupCommit(write, opts.maxBatch ?? 64);
  let maintenance: Knex | null = null;
  return {
    engine: 'sqlite',
    name: 'till',
    write,
    read,
    checkpoint: async () => {
      if (memory) return;
      maintenance ??= knexFactory(sqliteConfig(filename, 1, true));
      await maintenance.raw('PRAGMA wal_checkpoint(PASSIVE)');
    },
    tx: (fn, opts) => group.run(fn, opts),
    commitStats: () => group.stats(),
    close: async () => {
      await maintenance?.destroy();
      if (read !== write) await read.destroy();
      await write.destroy();
    },
  };
}

/**
 * PostgreSQL: one pool for every process's reads and writes. Each unit of work is a
 * transaction of its own (many writers: the server orders them, so there is nothing to
 * batch by hand); one that meets a deadlock or a serialization failure runs again, which
 * is safe because a unit does nothing but database work.
 */
function openPostgres(url: string, log?: DriverLog): Database {
  const name = `till ${os.hostname().slice(0, 30)} ${process.pid} ${randomBytes(3).toString('hex')}`;
  const knex = openPostgresKnex({ url, applicationName: name, log });
  const stats: GroupCommitStats = { commits: 0, units: 0, largest: 1, together: 0, replayed: 0 };
  return {
    engine: 'postgres',
    url,
    name,
    write: knex,
    read: knex,
    checkpoint: async () => {},
    tx: async (fn) => {
      for (let attempt = 1; ; attempt++) {
        try {
          // Every unit is a transaction of its own here: none runs beside another in one.
          const value = await knex.transaction((trx) => fn(trx, NO_CLAIM));
          stats.commits++;
          stats.units++;
          return value;
        } catch (err) {
          if (!isRetryable(err) || attempt >= 5) throw err;
          stats.replayed++;
        }
      }
    },
    commitStats: () => ({ ...stats }),
    close: () => knex.destroy(),
  };
}

export interface DatabaseSettings {
  databaseUrl: string;
  databaseFile: string;
}

/**
 * The database the settings name: PostgreSQL when TILL_DATABASE_URL is set, else the
 * SQLite file; tried once, so a server that cannot be reached stops Till with one line.
 */
export async function openConfiguredDatabase(config: DatabaseSettings, log?: DriverLog): Promise<Database> {
  if (!config.databaseUrl) return openDatabase({ filename: config.databaseFile });
  const problem = checkPostgresUrl(config.databaseUrl);
  if (problem) throw new TillError('config_invalid', `TILL_DATABASE_URL: ${problem}`);
  const db = openDatabase({ url: config.databaseUrl, log });
  await checkDatabase(db);
  return db;
}

/** Where the database is, for logs and messages (never a password). */
export function describeDatabase(config: DatabaseSettings): string {
  return config.databaseUrl ? `postgres ${describePostgresUrl(config.databaseUrl)}` : config.databaseFile;
}

/**
 * Tries the database once: a PostgreSQL that cannot be reached, or refuses the login,
 * becomes one line naming TILL_DATABASE_URL and what failed.
 */
export async function checkDatabase(db: Database): Promise<void> {
  try {
    await db.read.raw('SELECT 1');
  } catch (err) {
    if (db.engine !== 'postgres') throw err;
    await db.close().catch(() => {});
    throw new TillError('config_invalid', `TILL_DATABASE_URL: cannot use PostgreSQL at ${describePostgresUrl(db.url!)}: ${reasonOf(err)}`);
  }
}

function reasonOf(err: unknown): string {
  const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
  // An unreachable host gives an AggregateError (one per address tried) with no message.
  const msg = e.message || e.errors?.map((x) => x.message).filter(Boolean).join('; ') || e.code || String(err);
  return msg.replace(/\s+/g, ' ').trim();
}

export async function migrateLatest(db: Database): Promise<string[]> {
  if (db.engine !== 'postgres') {
    const [, applied] = (await db.write.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  }
  // Processes starting at once: the first migrates, the others wait here, then find
  // nothing left to do (knex's own lock would make them fail instead).
  const lock = postgresClient(db.url!, 'till migrate');
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
    const [, applied] = (await db.write.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  } finally {
    await lock.end().catch(() => {});
  }
}
