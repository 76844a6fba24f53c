import type { Knex } from 'knex';

/**
 * What the chain watcher keeps: every payment ever seen (rows are marked, never
 * deleted), the recent blocks it processed (to walk back to a fork point), and its tip.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('payments', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').references('id').inTable('invoices');
    t.integer('address_id').notNullable().references('id').inTable('addresses');
    t.string('txid', 64).notNullable();
    t.integer('vout').notNullable();
    t.bigInteger('sats').notNullable();
    t.string('status', 12).notNullable();
    t.bigInteger('seen_at').notNullable();
    t.string('block_hash', 64);
    t.integer('block_height');
    t.bigInteger('confirmed_at');
    t.bigInteger('updated_at').notNullable();
    t.unique(['txid', 'vout']);
    t.index(['invoice_id']);
    t.index(['status']);
    t.index(['block_hash']);
  });

  await knex.schema.createTable('blocks', (t) => {
    t.string('hash', 64).primary();
    t.integer('height').notNullable().unique();
    t.string('prev_hash', 64).notNullable();
    t.bigInteger('processed_at').notNullable();
  });

  await knex.schema.createTable('chain_state', (t) => {
    t.integer('id').primary();
    t.string('tip_hash', 64).notNullable();
    t.integer('tip_height').notNullable();
    t.bigInteger('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('chain_state');
  await knex.schema.dropTableIfExists('blocks');
  await knex.schema.dropTableIfExists('payments');
}
