/**
 * What the engines' errors mean, for the repositories here: SQLSTATEs and SQLite's codes
 * stay inside src/db.
 */

/** A write a unique index refused (SQLite's UNIQUE constraint, PostgreSQL's 23505). */
export function isUniqueViolation(err: unknown, index?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code === '23505') return index === undefined || e.constraint === index;
  // SQLite names the columns, not the index: a caller that passes an index name means the
  // only unique index of the statement's table it can break.
  return e.code === 'SQLITE_CONSTRAINT' && /UNIQUE constraint failed/.test(String(e.message));
}

/**
 * A compare-and-set that lost to another writer: the unit must run again on fresh rows.
 * It carries PostgreSQL's serialization_failure code, so a PostgreSQL unit of work is run
 * again as after a serialization failure (connection.ts); SQLite's group commit replays
 * the batch one unit after another on any error.
 */
export class WriteConflict extends Error {
  readonly code = '40001';
}

/** Largest value of an `integer` column on PostgreSQL (knex's increments() and integer()). */
const INT4_MAX = 2_147_483_647;

/**
 * Whether a lookup key could be stored in an `integer` column. PostgreSQL refuses a
 * comparison with a larger value (22003) where SQLite finds no row: a key that cannot be
 * stored matches nothing on either engine, and the lookup says so without asking.
 */
export function fitsInteger(n: number): boolean {
  return Number.isSafeInteger(n) && n >= -INT4_MAX - 1 && n <= INT4_MAX;
}

/**
 * Whether text could be stored in a text column: PostgreSQL refuses NUL (U+0000) in text
 * (22021) where SQLite stores it. A key holding one matches nothing on either engine.
 */
export function storableText(s: string): boolean {
  return !s.includes('\u0000');
}
