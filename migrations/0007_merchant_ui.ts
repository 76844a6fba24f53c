import type { Knex } from 'knex';

/**
 * The merchant's web UI:
 * - `ui_credentials`: the one merchant password, as an scrypt hash (one row).
 * - `ui_sessions`: server-side sessions; the cookie holds a random token, the table its
 *   SHA-256, so a copy of the database logs no one in. Each carries its CSRF token.
 * - `audit_log`: what the merchant did (wallet, keys, invoices, links, webhooks, settings).
 * - `settings` (made empty in 0001): values set in the UI over the environment's
 *   defaults, now with when each was set.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ui_credentials', (t) => {
    t.integer('id').primary();
    t.text('password_hash').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
  await knex.schema.createTable('ui_sessions', (t) => {
    t.increments('id').primary();
    t.string('token_hash', 64).notNullable().unique();
    t.string('csrf', 64).notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_seen_at').notNullable();
    t.bigInteger('expires_at').notNullable();
    t.text('ip');
    t.text('user_agent');
    t.index(['expires_at']);
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.increments('id').primary();
    t.bigInteger('at').notNullable();
    t.string('action', 60).notNullable();
    t.text('subject');
    t.text('detail');
    t.text('actor').notNullable();
    t.text('ip');
    t.index(['at']);
  });
  await knex.schema.alterTable('settings', (t) => {
    t.bigInteger('updated_at').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('settings', (t) => {
    t.dropColumn('updated_at');
  });
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('ui_sessions');
  await knex.schema.dropTable('ui_credentials');
}
