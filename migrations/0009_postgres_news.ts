import type { Knex } from 'knex';
import { createNewsTriggers, dropNewsTriggers } from '../src/db/news.js';

/**
 * Several Till processes on one PostgreSQL hear of each other's commits through
 * LISTEN/NOTIFY, sent by triggers (src/db/news.ts). SQLite has one process: nothing to do.
 */
export async function up(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await createNewsTriggers(knex);
}

export async function down(knex: Knex): Promise<void> {
  if (knex.client.config.client === 'pg') await dropNewsTriggers(knex);
}
