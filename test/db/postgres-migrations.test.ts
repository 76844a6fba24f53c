/**
 * Issue 14's first ground: the migrations SQLite runs also run on a real PostgreSQL (a
 * throwaway cluster), all the way up, all the way down, and up again.
 */
import { expect } from 'chai';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from '../../migrations/index.js';
import { startPostgres, withPostgres, type PgCluster } from '../helpers/postgres.js';

withPostgres('migrations on PostgreSQL', () => {
  describe('migrations on PostgreSQL', function () {
    this.timeout(60_000);
    let pg: PgCluster;
    let db: Knex;
    before(async () => {
      pg = await startPostgres();
      db = knexFactory({ client: 'pg', connection: pg.url, pool: { min: 0, max: 2 } });
    });
    after(async () => {
      await db?.destroy();
      await pg?.stop();
    });

    const tables = async (): Promise<string[]> =>
      ((await db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")) as { rows: { tablename: string }[] }).rows
        .map((r) => r.tablename)
        .filter((t) => !t.startsWith('knex_'));

    it('runs every migration up, down and up again', async () => {
      const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
      expect(applied).to.deep.equal(await migrationSource.getMigrations([]));
      const up = await tables();
      for (const t of ['invoices', 'invoice_lines', 'payments', 'addresses', 'wallets', 'outbox', 'deliveries', 'api_keys', 'ui_sessions', 'audit_log', 'settings']) {
        expect(up, t).to.include(t);
      }
      // Every column the core writes is there, with the types PostgreSQL needs for 64-bit money.
      const cols = (await db.raw(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'invoices' AND column_name IN ('total','due_sats','paid_sats','page_base','version')",
      )) as { rows: { column_name: string; data_type: string }[] };
      const types = Object.fromEntries(cols.rows.map((r) => [r.column_name, r.data_type]));
      expect(types).to.deep.include({ total: 'bigint', due_sats: 'bigint', paid_sats: 'bigint', page_base: 'text', version: 'integer' });
      while ((await db.migrate.currentVersion({ migrationSource } as never)) !== 'none') await db.migrate.down({ migrationSource });
      expect(await tables()).to.deep.equal([]);
      await db.migrate.latest({ migrationSource });
      expect(await tables()).to.deep.equal(up);
    });
  });
});
