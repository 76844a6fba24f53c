// knex ships no types for its dialect internals; Till subclasses two of them so that
// SQLite write transactions start with BEGIN IMMEDIATE.
declare module 'knex/lib/dialects/sqlite3/index.js' {
  import type { Knex } from 'knex';
  const Client_SQLite3: new (config: Knex.Config) => Knex.Client;
  export default Client_SQLite3;
}
declare module 'knex/lib/dialects/sqlite3/execution/sqlite-transaction.js' {
  const Transaction_Sqlite: new (...args: unknown[]) => {
    query(conn: unknown, sql: string): Promise<unknown>;
  };
  export default Transaction_Sqlite;
}
