import type { Knex } from 'knex';

/**
 * - `invoices.version`: every change is a compare-and-set on it, so two writers that read
 *   the same invoice cannot both persist what they computed from it.
 * - `payments.moved_at`: when the money moved on the chain (block time, or Core's mempool
 *   entry time), beside `seen_at` (when Till saw it). Lateness is judged by the former, so
 *   a payment made in time while Till was down is not late.
 * - `addresses.released_at`: a cancelled invoice's address cools down before another
 *   invoice may take it; until then a payment to it still belongs to the cancelled one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.integer('version').notNullable().defaultTo(0);
  });
  await knex.schema.alterTable('payments', (t) => {
    t.bigInteger('moved_at');
    // The outpoints the paying transaction spent: when it leaves the mempool, whether they
    // are spent again says replaced (double-spent) or evicted.
    t.text('spends');
    // A reorg re-settles the confirmed invoices whose payments sit near the new tip.
    t.index(['block_height']);
  });
  await knex.schema.alterTable('addresses', (t) => {
    t.bigInteger('released_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('addresses', (t) => {
    t.dropColumn('released_at');
  });
  await knex.schema.alterTable('payments', (t) => {
    t.dropIndex(['block_height']);
    t.dropColumn('spends');
    t.dropColumn('moved_at');
  });
  await knex.schema.alterTable('invoices', (t) => {
    t.dropColumn('version');
  });
}
