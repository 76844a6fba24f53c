import { createRequire } from 'node:module';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';

/** The driver, loaded on first use: a Till on SQLite never pays for it in memory. */
let driver: typeof pg | null = null;
function pgDriver(): typeof pg {
  driver ??= createRequire(import.meta.url)('pg') as typeof pg;
  return driver;
}

/** PostgreSQL's type id of int8 (bigint). */
const INT8 = 20;

/**
 * PostgreSQL's 64-bit integers (satoshis, minor units, milliseconds) arrive as strings by
 * default. A safe integer becomes a number, as SQLite gives it; a larger one stays a
 * string, which rows.ts's toBig reads exactly. NUMERIC (SUM of bigint) stays a string.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 && format !== 'binary') {
      return (v: string) => {
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v;
      };
    }
    return pgDriver().types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/** What a PostgreSQL URL names, without its password, for messages and logs. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    // A unix socket is named by ?host=/run/postgresql (libpq's form).
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${host}:${u.port || '5432'}${u.pathname || '/'}`;
  } catch {
    return 'an unreadable URL';
  }
}

/** The URL a node-postgres client takes, checked: an error says what is wrong with it. */
export function checkPostgresUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'it is not a URL (postgres://user:password@host:5432/database)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `its scheme is ${u.protocol.replace(/:$/, '')}, not postgres`;
  if (!u.pathname || u.pathname === '/') return 'it names no database (postgres://user:password@host:5432/database)';
  return null;
}

/** Where the driver's own complaints go (a lost connection, a failed acquire). */
export type DriverLog = (message: string) => void;

export interface PostgresOptions {
  url: string;
  log?: DriverLog;
  /** Connections of the pool every statement and transaction takes from. */
  poolSize?: number;
  /** A name PostgreSQL shows in pg_stat_activity. */
  applicationName?: string;
}

/**
 * knex prints the driver's complaints to the console with their stacks; during an outage
 * that is one per statement. They go to Till's log instead, the same message at most once
 * a minute (the outage itself shows on /health and as 503s).
 */
function driverLog(log: DriverLog | undefined): Knex.Config['log'] {
  const last = new Map<string, number>();
  const say = (m: unknown) => {
    const text = (m instanceof Error ? m.message : String(m)).split('\n')[0]!.replace(/:\d+$/, '');
    const now = Date.now();
    if ((last.get(text) ?? -Infinity) > now - 60_000) return;
    if (last.size > 100) last.clear();
    last.set(text, now);
    log?.(text);
  };
  return { warn: say, error: say, deprecate: () => {}, debug: () => {} };
}

export function postgresConfig(opts: PostgresOptions): Knex.Config {
  return {
    client: 'pg',
    log: driverLog(opts.log),
    connection: {
      connectionString: opts.url,
      application_name: opts.applicationName ?? 'till',
      types,
      // A database that does not answer fails the statement, rather than hanging it.
      connectionTimeoutMillis: 5000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5000,
      // A statement on a connection that went silent (a NAT or a host that vanished without
      // a reset) fails after this instead of holding its request and its pooled connection
      // for good; the pool drops the idle connection soon after.
      query_timeout: 30_000,
    } as Knex.PgConnectionConfig,
    pool: {
      min: 0,
      max: opts.poolSize ?? 10,
      // A connection the server dropped is found dead when taken, not after a failed statement.
      acquireTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
    },
    acquireConnectionTimeout: 10_000,
  };
}

export function openPostgresKnex(opts: PostgresOptions): Knex {
  return knexFactory(postgresConfig(opts));
}

/** A client of its own, outside the pool: advisory locks held for a session, LISTEN. */
export function postgresClient(url: string, applicationName: string): pg.Client {
  return new (pgDriver().Client)({
    connectionString: url, application_name: applicationName, types, connectionTimeoutMillis: 5000, keepAlive: true, keepAliveInitialDelayMillis: 5000,
  });
}

/**
 * A statement on a session of its own, given up after `ms`: a session whose peer went
 * silent never answers, and its caller must notice and connect again.
 */
export async function queryWithin<R extends pg.QueryResultRow>(client: pg.Client, sql: string, params: unknown[], ms: number): Promise<pg.QueryResult<R>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      client.query<R>(sql, params),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the database did not answer for ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** SQLSTATEs after which a unit of work can simply run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has((err as { code?: string }).code ?? '');
}

/**
 * Advisory lock keys (one 64-bit space per database). Fixed numbers, so every Till
 * process of one database agrees on them.
 */
export const LOCKS = {
  /** Held while migrating: a second process starting at once waits, then finds nothing to do. */
  migrate: 7_146_001,
  /** Taken per transaction around the next invoice number: numbers stay gap-free with many writers. */
  invoiceSeq: 7_146_002,
  /** Held for its session by the process that runs the chain, notification and expiry work. */
  worker: 7_146_003,
  /** Taken per transaction before an outbox row is written: ids become visible in order. */
  outbox: 7_146_004,
  /** Taken per transaction by a unit that applies chain changes: they run one after another. */
  chain: 7_146_005,
  /** Taken per transaction by a unit that makes a wallet the active one: settings queue up. */
  walletSet: 7_146_006,
} as const;

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  // admin_shutdown, crash_shutdown, cannot_connect_now, and the connection_exception class.
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

/**
 * Whether an error means the database is away (down, restarting, unreachable) rather
 * than that the statement was wrong: the request gets a 503 and may be tried again.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; errors?: unknown };
  if (e.name === 'KnexTimeoutError') return true;
  if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && /^Connection terminated|^Client has encountered a connection error|connection timeout|^Query read timeout/i.test(e.message)) return true;
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}
