import type { Knex } from 'knex';

/**
 * - `invoices.page_base`: where the payer's pages were when the invoice was made
 * (TILL_PUBLIC_URL, or the origin of the request that made it). A webhook or an IPN has
 * no request of its own, and names the checkout page on this.
 * - `payment_links.min_amount`, `max_amount`: the bounds of a payer-chosen amount, in
 *   minor units of the link's currency (null: only Till's own bounds apply).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.text('page_base');
  });
  await knex.schema.alterTable('payment_links', (t) => {
    t.bigInteger('min_amount');
    t.bigInteger('max_amount');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('payment_links', (t) => {
    t.dropColumn('max_amount');
    t.dropColumn('min_amount');
  });
  await knex.schema.alterTable('invoices', (t) => {
    t.dropColumn('page_base');
  });
}
