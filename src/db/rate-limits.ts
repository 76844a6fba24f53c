import type { Knex } from 'knex';

/** Where a key stands after one request: the window's times as the request left them. */
export interface WindowTake {
  admitted: boolean;
  /** Admitted requests inside the window, this one included when admitted. */
  count: number;
  /** Epoch ms of the oldest and the newest of them (0 when there are none). */
  oldest: number;
  newest: number;
}

/**
 * Above this many requests a window, times are kept per second rather than per
 * millisecond: the row stays at most one entry a second long (a benchmark's limit of a
 * million would otherwise rewrite an array of every request on each one), and a request
 * leaves the window up to a second early, in the client's favour.
 */
export const EXACT_UP_TO = 1000;

/**
 * One request against a sliding window of `limit` per `windowMs`, shared by every
 * process on this PostgreSQL: one statement, so two processes taking the same key's last
 * slot at once are ordered by the row lock ON CONFLICT takes, and exactly one gets it.
 * The row keeps the times still in the window with how many requests were admitted at
 * each: times at or before `t - windowMs` are dropped, and one more is counted at `t`
 * when fewer than `limit` remain — never before the newest time, so a clock stepped back
 * keeps the arrays sorted (the in-memory limiter does the same). Up to EXACT_UP_TO this is
 * the in-memory limiter's exact log, to the millisecond. A new row is the key's first
 * request: admitted, as every limit is at least 1.
 */
export async function takeSharedWindow(knex: Knex, key: string, t: number, windowMs: number, limit: number): Promise<WindowTake> {
  const at = limit > EXACT_UP_TO ? t - (t % 1000) : t;
  const { rows } = await knex.raw<{ rows: { admitted: boolean; count: number | string; oldest: string | number | null; newest: string | number | null }[] }>(
    `INSERT INTO rate_limits AS r (key, times, counts, admitted) VALUES (:key, ARRAY[:at::bigint], ARRAY[1], true)
     ON CONFLICT (key) DO UPDATE SET (times, counts, admitted) = (
       SELECT CASE WHEN k.total >= :limit THEN k.ts
                   WHEN k.newest >= :at::bigint THEN k.ts
                   ELSE k.ts || :at::bigint END,
              CASE WHEN k.total >= :limit THEN k.cs
                   WHEN k.newest >= :at::bigint THEN k.cs[1:cardinality(k.cs) - 1] || (k.cs[cardinality(k.cs)] + 1)
                   ELSE k.cs || 1 END,
              k.total < :limit
         FROM (SELECT coalesce(array_agg(x ORDER BY i), '{}'::bigint[]) AS ts,
                      coalesce(array_agg(c ORDER BY i), '{}'::integer[]) AS cs,
                      coalesce(sum(c), 0) AS total,
                      max(x) AS newest
                 FROM unnest(r.times, r.counts) WITH ORDINALITY AS u(x, c, i)
                WHERE x > :cutoff::bigint) AS k)
     RETURNING admitted, (SELECT sum(c) FROM unnest(counts) AS c) AS count, times[1] AS oldest, times[cardinality(times)] AS newest`,
    { key, at, limit, cutoff: t - windowMs },
  );
  const row = rows[0]!;
  return { admitted: row.admitted, count: Number(row.count ?? 0), oldest: Number(row.oldest ?? 0), newest: Number(row.newest ?? 0) };
}

/**
 * Forgets one admission at the key's newest time: the operation it admitted did not
 * happen (a login with the right password, an invoice the core refused), and a limit on
 * things made counts only things made. The in-memory limiter drops its newest time the
 * same way; with other processes taking the key meanwhile the newest may be another's
 * admission, which leaves the count the same and a time at most that much later. No row,
 * or an empty one: nothing to give back.
 */
export async function giveBackSharedWindow(knex: Knex, key: string): Promise<void> {
  await knex.raw(
    `UPDATE rate_limits SET (times, counts) = (
       CASE WHEN counts[cardinality(counts)] > 1 THEN times ELSE times[1:cardinality(times) - 1] END,
       CASE WHEN counts[cardinality(counts)] > 1 THEN counts[1:cardinality(counts) - 1] || (counts[cardinality(counts)] - 1)
            ELSE counts[1:cardinality(counts) - 1] END)
     WHERE key = :key AND cardinality(counts) > 0`,
    { key },
  );
}
