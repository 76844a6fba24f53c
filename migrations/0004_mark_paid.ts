import type { Knex } from 'knex';

/** Invoices a merchant marked paid by hand (a wire transfer): the chain no longer moves them. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.bigInteger('marked_paid_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.dropColumn('marked_paid_at');
  });
}
