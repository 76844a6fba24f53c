import type { Knex } from 'knex';

/**
 * The rate limits (API requests per key, login tries, payment-link invoices, BitPay's
 * invoices per hour), shared by every Till process on one PostgreSQL
 * (src/db/rate-limits.ts): a row per limited key holding the times of its requests still
 * in the window. SQLite has one process, whose limiter stays in memory: nothing to do.
 * UNLOGGED: a count is worth no WAL, and a transaction that writes no WAL commits without
 * waiting for the disk; a crash empties the table, which forgives a minute's requests.
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw(`
    CREATE UNLOGGED TABLE rate_limits (
      key text PRIMARY KEY,
      -- Epoch ms of the admitted requests inside the window, oldest first (for a large
      -- limit, the start of each second), and how many were admitted at each.
      times bigint[] NOT NULL,
      counts integer[] NOT NULL,
      -- Whether the request that last wrote the row was admitted: the upsert's answer.
      admitted boolean NOT NULL
    )`);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client !== 'pg') return;
  await knex.raw('DROP TABLE rate_limits');
}
