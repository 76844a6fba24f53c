import type { Knex } from 'knex';

/**
 * Notification delivery: one row per event and receiver, claimed with a lease, its
 * retry timer in the database (next_attempt_at), every attempt kept for the log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deliveries', (t) => {
    t.increments('id').primary();
    // Sent as X-BTPay-Delivery: the same on every retry, so receivers can drop duplicates.
    t.string('delivery_id', 36).notNullable().unique();
    t.integer('outbox_id').references('id').inTable('outbox');
    t.string('event_type', 40).notNullable();
    t.string('target_kind', 16).notNullable();
    t.integer('target_id').notNullable();
    t.text('target').notNullable();
    t.text('payload');
    t.string('status', 12).notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.bigInteger('next_attempt_at').notNullable();
    t.bigInteger('lease_until');
    t.bigInteger('last_attempt_at');
    t.integer('last_status_code');
    t.text('last_error');
    t.text('response_excerpt');
    t.bigInteger('delivered_at');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.unique(['outbox_id', 'target_kind', 'target_id']);
    t.index(['status', 'next_attempt_at']);
    t.index(['target_kind', 'target_id', 'id']);
  });

  await knex.schema.createTable('delivery_attempts', (t) => {
    t.increments('id').primary();
    t.integer('delivery_id').notNullable().references('id').inTable('deliveries');
    t.integer('attempt').notNullable();
    t.bigInteger('started_at').notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('status_code');
    t.text('error');
    t.text('response_excerpt');
    t.index(['delivery_id', 'attempt']);
  });

  await knex.schema.createTable('cursors', (t) => {
    t.string('name', 40).primary();
    t.integer('position').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('cursors');
  await knex.schema.dropTableIfExists('delivery_attempts');
  await knex.schema.dropTableIfExists('deliveries');
}
