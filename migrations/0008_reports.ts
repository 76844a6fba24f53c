import type { Knex } from 'knex';

/**
 * The merchant's reports (dashboard sums, CSV exports) read payments by when the money
 * moved — `COALESCE(moved_at, seen_at)`, as the state machine judges it — and invoices by
 * when they were made, of one status or all. Each index ends in the row id, so an export
 * pages through them by (time, id) without sorting, and the dashboard's 30 days are a
 * range scan.
 */
export async function up(knex: Knex): Promise<void> {
  // Doubled parentheses: PostgreSQL wants them around an index expression, SQLite takes them.
  await knex.raw('CREATE INDEX payments_received_at ON payments ((COALESCE(moved_at, seen_at)))');
  await knex.schema.alterTable('invoices', (t) => {
    t.index(['created_at'], 'invoices_created_at');
    t.index(['status', 'created_at'], 'invoices_status_created_at');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    t.dropIndex(['status', 'created_at'], 'invoices_status_created_at');
    t.dropIndex(['created_at'], 'invoices_created_at');
  });
  await knex.raw('DROP INDEX payments_received_at');
}
