import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import Client_SQLite3 from 'knex/lib/dialects/sqlite3/index.js';
import Transaction_Sqlite from 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js';
import { migrationSource } from '../../migrations/index.js';
import { GroupCommit, type GroupCommitStats, type TxOptions } from './group-commit.js';

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

export interface Database {
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
   * index refuses may say `concurrent` and run beside others of its kind (and run twice).
   */
  tx<T>(fn: (trx: Knex.Transaction) => Promise<T>, opts?: TxOptions): Promise<T>;
  /** How many commits carried how many units so far (tests, benchmarks). */
  commitStats(): GroupCommitStats;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Path of the SQLite file, or ':memory:' (tests only: one connection, no readers). */
  filename: string;
  readers?: number;
  /** Most units of work one commit may carry (1 turns group commit off). */
  maxBatch?: number;
}

export function openDatabase(opts: DatabaseOptions): Database {
  const memory = opts.filename === ':memory:';
  if (!memory) fs.mkdirSync(path.dirname(path.resolve(opts.filename)), { recursive: true });
  const write = knexFactory(sqliteConfig(opts.filename, 1, false));
  const read = memory ? write : knexFactory(sqliteConfig(opts.filename, opts.readers ?? 2, true));
  const group = new GroupCommit(write, opts.maxBatch ?? 64);
  let maintenance: Knex | null = null;
  return {
    write,
    read,
    checkpoint: async () => {
      if (memory) return;
      maintenance ??= knexFactory(sqliteConfig(opts.filename, 1, true));
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

export async function migrateLatest(db: Database): Promise<string[]> {
  const [, applied] = (await db.write.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}
