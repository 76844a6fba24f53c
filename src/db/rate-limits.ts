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
 * One request against an exact sliding window of `limit` per `windowMs`, shared by every
 * process on this PostgreSQL: one statement, so two processes taking the same key's last
 * slot at once are ordered by the row lock ON CONFLICT takes, and exactly one gets it.
 * The row keeps the admitted times still in the window (never more than `limit`): times
 * at or before `t - windowMs` are dropped, and `t` is appended when fewer than `limit`
 * remain — never before the newest, so a clock stepped back keeps the array sorted (the
 * in-memory limiter does the same). A new row is the key's first request: admitted, as
 * every limit is at least 1.
 */
export async function takeSharedWindow(knex: Knex, key: string, t: number, windowMs: number, limit: number): Promise<WindowTake> {
  const { rows } = await knex.raw<{ rows: { admitted: boolean; count: number; oldest: string | number | null; newest: string | number | null }[] }>(
    `INSERT INTO rate_limits AS r (key, times, admitted) VALUES (:key, ARRAY[:t::bigint], true)
     ON CONFLICT (key) DO UPDATE SET (times, admitted) = (
       SELECT CASE WHEN cardinality(k.kept) < :limit
                THEN k.kept || greatest(:t::bigint, k.kept[cardinality(k.kept)])
                ELSE k.kept END,
              cardinality(k.kept) < :limit
         FROM (SELECT coalesce(array_agg(x ORDER BY i), '{}'::bigint[]) AS kept
                 FROM unnest(r.times) WITH ORDINALITY AS u(x, i)
                WHERE x > :cutoff::bigint) AS k)
     RETURNING admitted, cardinality(times) AS count, times[1] AS oldest, times[cardinality(times)] AS newest`,
    { key, t, limit, cutoff: t - windowMs },
  );
  const row = rows[0]!;
  return { admitted: row.admitted, count: Number(row.count), oldest: Number(row.oldest ?? 0), newest: Number(row.newest ?? 0) };
}
