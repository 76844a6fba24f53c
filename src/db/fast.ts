import type { Knex } from 'knex';

/**
 * The hottest statements skip knex's query builder: on SQLite they run as cached
 * prepared statements on the transaction's own connection (about 25 µs instead of
 * 100–200 µs per statement through the builder), elsewhere through `knex.raw`. The
 * SQL is plain and portable (`?` placeholders, RETURNING), so PostgreSQL runs it too.
 */
interface SqliteStatement {
  all(params: unknown[], cb: (err: Error | null, rows: Record<string, unknown>[]) => void): void;
  run(params: unknown[], cb: (this: { changes: number }, err: Error | null) => void): void;
}
interface SqliteConnection {
  prepare(sql: string, cb: (err: Error | null) => void): SqliteStatement;
}

const statements = new WeakMap<object, Map<string, Promise<SqliteStatement>>>();
/** Prepared statements kept per connection; the least recently used goes first (multi-row inserts vary in size). */
const MAX_PREPARED = 256;

async function sqliteConnection(q: Knex | Knex.Transaction): Promise<SqliteConnection | null> {
  if (q.client.config.client !== undefined && typeof q.client.config.client === 'string' && q.client.config.client !== 'sqlite3') return null;
  if (!(q as Knex.Transaction).isTransaction) return null;
  // After its transaction ended a statement would run on the bare connection in
  // autocommit, outside any unit: refuse, as knex's own builder does.
  if ((q as Knex.Transaction).isCompleted()) throw new Error('statement on a transaction that has ended');
  const conn = (await q.client.acquireConnection()) as Partial<SqliteConnection>;
  return typeof conn.prepare === 'function' ? (conn as SqliteConnection) : null;
}

/**
 * The statement for `sql` on `conn`, prepared once. A statement SQLite refuses to prepare
 * (too many parameters, a syntax error) rejects here: without a callback node-sqlite3
 * would emit its error as an event nobody handles, which ends the process.
 */
function prepared(conn: SqliteConnection, sql: string): Promise<SqliteStatement> {
  let cache = statements.get(conn);
  if (!cache) statements.set(conn, (cache = new Map()));
  const known = cache.get(sql);
  if (known) {
    // Used again: to the back of the line, so the statements in use stay prepared.
    cache.delete(sql);
    cache.set(sql, known);
    return known;
  }
  const kept = cache;
  const st = new Promise<SqliteStatement>((resolve, reject) => {
    const statement = conn.prepare(sql, (err) => {
      if (!err) return resolve(statement);
      kept.delete(sql);
      reject(err);
    });
  });
  if (cache.size >= MAX_PREPARED) cache.delete(cache.keys().next().value as string);
  cache.set(sql, st);
  return st;
}

function isSqlite(q: Knex | Knex.Transaction): boolean {
  const client = q.client.config.client as unknown;
  return client === undefined || typeof client !== 'string' || client === 'sqlite3';
}

/** Whether a connection or transaction is PostgreSQL's (engine-specific SQL stays in src/db). */
export function isPostgres(q: Knex | Knex.Transaction): boolean {
  return q.client.config.client === 'pg';
}

/**
 * Rows of a statement: prepared, on the transaction's connection inside a write
 * transaction, on a pooled connection borrowed for the statement elsewhere (the
 * readers: a status poll's query is prepared once per connection, not on every call);
 * through knex.raw on other engines.
 */
export async function rowsOf(trx: Knex | Knex.Transaction, sql: string, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (!(trx as Knex.Transaction).isTransaction && isSqlite(trx)) {
    const pooled = (await trx.client.acquireConnection()) as Partial<SqliteConnection>;
    try {
      if (typeof pooled.prepare === 'function') {
        const st = await prepared(pooled as SqliteConnection, sql);
        return await new Promise((resolve, reject) => st.all(params, (err, rows) => (err ? reject(err) : resolve(rows))));
      }
    } finally {
      await trx.client.releaseConnection(pooled);
    }
  }
  const conn = await sqliteConnection(trx);
  if (!conn) {
    const r = (await trx.raw(sql, params as Knex.RawBinding[])) as { rows?: Record<string, unknown>[] } | Record<string, unknown>[];
    return Array.isArray(r) ? r : (r.rows ?? []);
  }
  const st = await prepared(conn, sql);
  return new Promise((resolve, reject) => st.all(params, (err, rows) => (err ? reject(err) : resolve(rows))));
}

/** Runs a statement inside a write transaction; resolves to the number of rows changed. */
export async function execute(trx: Knex.Transaction, sql: string, params: unknown[]): Promise<number> {
  const conn = await sqliteConnection(trx);
  if (!conn) {
    const r = (await trx.raw(sql, params as Knex.RawBinding[])) as { rowCount?: number };
    return r.rowCount ?? 0;
  }
  const st = await prepared(conn, sql);
  return new Promise((resolve, reject) =>
    st.run(params, function (err) {
      if (err) reject(err);
      else resolve(this.changes);
    }),
  );
}

/**
 * Two statements of one unit that do not wait on each other, started together: on SQLite
 * they run back to back on the unit's connection with no round trip to JavaScript in
 * between (on PostgreSQL the connection runs them in the order given). Both are awaited
 * before it returns or throws, as a unit must await every statement it starts.
 */
export async function both<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}
