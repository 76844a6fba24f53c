import type { Knex } from 'knex';

/**
 * The foundation schema. Money columns are 64-bit integers in the currency's minor unit
 * (satoshis for BTC); timestamps are integer milliseconds since the epoch, UTC. Written
 * with the schema builder so PostgreSQL runs it unchanged (bigInteger → bigint).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_keys', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.string('prefix', 16).notNullable();
    t.string('key_hash', 64).notNullable().unique();
    t.text('scopes').notNullable();
    t.bigInteger('created_at').notNullable();
    t.bigInteger('last_used_at');
    t.bigInteger('revoked_at');
  });

  await knex.schema.createTable('wallets', (t) => {
    t.increments('id').primary();
    t.text('descriptor').notNullable();
    t.string('chain', 16).notNullable();
    t.string('script_type', 16).notNullable();
    t.string('fingerprint', 8);
    t.integer('first_index').notNullable().defaultTo(0);
    t.integer('next_index').notNullable().defaultTo(0);
    t.boolean('active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('deactivated_at');
  });
  // At most one active wallet: finalize must never wonder which key to derive from.
  await knex.raw('CREATE UNIQUE INDEX wallets_one_active ON wallets (active) WHERE active');

  await knex.schema.createTable('payment_links', (t) => {
    t.increments('id').primary();
    t.string('ref', 17).notNullable().unique();
    t.string('slug', 64).notNullable();
    t.string('title', 200).notNullable();
    t.text('description');
    t.bigInteger('amount');
    t.string('currency', 3).notNullable();
    t.text('payment_methods').notNullable();
    t.text('redirect_url');
    t.text('metadata');
    t.boolean('is_active').notNullable().defaultTo(true);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('deleted_at');
  });
  // A deactivated link frees its slug for a new one.
  await knex.raw('CREATE UNIQUE INDEX payment_links_active_slug ON payment_links (slug) WHERE is_active');

  await knex.schema.createTable('invoices', (t) => {
    t.increments('id').primary();
    // The invoice number INV-0001 is this sequence, formatted; keeping only the integer
    // lets one INSERT take the next number in the same statement.
    t.integer('seq').notNullable().unique();
    t.string('ref', 17).notNullable().unique();
    t.string('public_id', 36).notNullable().unique();
    t.string('bitpay_id', 24).notNullable().unique();
    t.string('status', 16).notNullable();
    t.string('exception', 16);
    t.string('currency', 3).notNullable();
    t.bigInteger('subtotal').notNullable();
    t.string('tax_rate', 16).notNullable().defaultTo('0');
    t.bigInteger('tax').notNullable();
    t.bigInteger('discount').notNullable();
    t.bigInteger('total').notNullable();
    t.string('rate', 40);
    t.bigInteger('due_sats');
    t.bigInteger('paid_sats').notNullable().defaultTo(0);
    t.integer('required_confirmations').notNullable();
    // No foreign key: addresses.invoice_id points back, and PostgreSQL cannot create a cycle in one pass.
    t.integer('address_id');
    t.string('customer_email', 320);
    t.string('customer_name', 200);
    t.string('customer_company', 200);
    t.text('notes');
    t.text('payment_methods').notNullable();
    t.string('dialect', 16).notNullable();
    t.text('metadata');
    t.text('dialect_data');
    t.integer('payment_link_id').references('id').inTable('payment_links');
    t.integer('api_key_id').references('id').inTable('api_keys');
    t.bigInteger('created_at').notNullable();
    t.bigInteger('updated_at').notNullable();
    t.bigInteger('finalized_at');
    t.bigInteger('quote_expires_at');
    t.bigInteger('grace_until');
    t.bigInteger('paid_at');
    t.bigInteger('confirmed_at');
    t.bigInteger('expired_at');
    t.bigInteger('cancelled_at');
    t.index(['status', 'id']);
    t.index(['quote_expires_at']);
  });

  await knex.schema.createTable('addresses', (t) => {
    t.increments('id').primary();
    t.integer('wallet_id').notNullable().references('id').inTable('wallets');
    t.integer('derivation_index').notNullable();
    t.string('address', 100).notNullable();
    t.string('script_hex', 140).notNullable().unique();
    t.string('state', 10).notNullable();
    t.integer('invoice_id').references('id').inTable('invoices');
    t.bigInteger('assigned_at');
    t.bigInteger('created_at').notNullable();
    t.unique(['wallet_id', 'derivation_index']);
    t.index(['wallet_id', 'state', 'derivation_index']);
  });

  await knex.schema.createTable('invoice_lines', (t) => {
    t.increments('id').primary();
    t.integer('invoice_id').notNullable().references('id').inTable('invoices');
    t.integer('position').notNullable();
    t.text('description').notNullable();
    t.string('quantity', 40).notNullable();
    t.bigInteger('unit_price').notNullable();
    t.bigInteger('amount').notNullable();
    t.unique(['invoice_id', 'position']);
  });

  await knex.schema.createTable('outbox', (t) => {
    t.increments('id').primary();
    t.string('event_id', 36).notNullable().unique();
    t.string('type', 40).notNullable();
    t.integer('invoice_id').references('id').inTable('invoices');
    t.text('payload').notNullable();
    t.bigInteger('created_at').notNullable();
  });

  await knex.schema.createTable('webhooks', (t) => {
    t.increments('id').primary();
    t.text('url').notNullable();
    t.string('secret', 80).notNullable();
    t.text('events').notNullable();
    t.boolean('is_active').notNullable().defaultTo(true);
    t.string('description', 500);
    t.bigInteger('created_at').notNullable();
    t.bigInteger('deleted_at');
  });

  await knex.schema.createTable('idempotency_keys', (t) => {
    t.increments('id').primary();
    t.integer('api_key_id').notNullable().references('id').inTable('api_keys');
    t.string('key', 255).notNullable();
    t.string('request_hash', 64).notNullable();
    t.integer('response_status');
    t.text('response_body');
    t.bigInteger('created_at').notNullable();
    t.unique(['api_key_id', 'key']);
  });

  await knex.schema.createTable('rates', (t) => {
    t.string('currency', 3).primary();
    t.string('rate', 40).notNullable();
    t.text('sources').notNullable();
    t.bigInteger('fetched_at').notNullable();
  });

  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.text('value').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'settings', 'rates', 'idempotency_keys', 'webhooks', 'outbox', 'invoice_lines',
    'addresses', 'invoices', 'payment_links', 'wallets', 'api_keys',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
