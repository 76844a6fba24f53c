import type { Knex } from 'knex';

/**
 * The API's per-key rate limit, shared by every Till process on one PostgreSQL
 * (src/db/rate-limits.ts): a row per limited key holding the times of its requests still
 * in the window. SQLite has one process, whose limiter stays in memory: nothing to do.
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw(`
    CREATE TABLE rate_limits (
      key text PRIMARY KEY,
      -- Epoch ms of the admitted requests inside the window, oldest first.
      times bigint[] NOT NULL,
      -- Whether the request that last wrote the row was admitted: the upsert's answer.
      admitted boolean NOT NULL
    )`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP TABLE rate_limits');
}
