/**
 * `till migrate --from-sqlite`: a SQLite installation made through the real API, copied by
 * the real CLI into a fresh database of a throwaway PostgreSQL cluster, then served by Till
 * on PostgreSQL: the same invoices, the same keys, and new rows after the copied ones.
 */
import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import pg from 'pg';
import { migrationSource } from '../../migrations/index.js';
import { insertDelivery } from '../../src/db/deliveries.js';
import { startPostgres, withPostgres, type PgCluster } from '../helpers/postgres.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

/** What the copied payment's transaction spends: payment_spends' rows on both sides. */
const SPENDS = [`${'a'.repeat(64)}:0`, `${'b'.repeat(64)}:3`];

function till(cwd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, tillCliArgs(...args), {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A response without the origin it was served from (checkout URLs name the request's own). */
function portable(body: unknown, origin: string): unknown {
  return JSON.parse(JSON.stringify(body).replaceAll(origin, 'ORIGIN'));
}

withPostgres('till migrate --from-sqlite', () => {
  describe('till migrate --from-sqlite', function () {
    this.timeout(120_000);
    let cluster: PgCluster;
    let databases = 0;
    let cwd: string;
    let source: TestTill;
    let sqliteFile: string;
    let shopKey: string;
    let snapshot: { list: unknown; each: Record<string, unknown> };

    const freshDatabase = async (): Promise<string> => {
      const name = `copy_${++databases}`;
      await sql(cluster.url, `CREATE DATABASE ${name}`);
      return cluster.url.replace(/\/till$/, `/${name}`);
    };

    before(async () => {
      cluster = await startPostgres();
      cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'till-copy-'));
      // The source is SQLite whatever engine the suite runs on.
      source = await startTill({ env: { TILL_DATABASE_URL: '' } });
      expect(source.till.db.engine).to.equal('sqlite');
      await source.setWallet();
      for (let i = 0; i < 4; i++) {
        const c = await source.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
        expect(c.status, c.text).to.equal(201);
        if (i < 3) expect((await source.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`)).status).to.equal(200);
      }
      const btc = await source.request('POST', '/api/v1/invoices', {
        body: { currency: 'BTC', lines: [{ description: 'sats', quantity: 1, unit_price: '0.00123456' }] },
      });
      const paid = (await source.request('POST', `/api/v1/invoices/${btc.body.ref}/finalize`)).body;
      const addressId = (await source.till.db.read('addresses').where({ address: paid.payment_address }).first()).id as number;
      await source.till.services.payments.apply({
        seen: [{ txid: randomBytes(32).toString('hex'), vout: 1, sats: 100_000n, addressId, spends: SPENDS }],
      });
      const wire = await source.request('POST', '/api/v1/invoices', {
        body: { currency: 'USD', payment_methods: ['wire'], lines: [{ description: 'x', quantity: 1, unit_price: '120.00' }] },
      });
      expect((await source.request('POST', `/api/v1/invoices/${wire.body.ref}/mark-paid`, { body: { note: 'bank' } })).status).to.equal(200);
      expect((await source.request('POST', '/api/v1/payment-links', { body: { title: 'Tip', slug: 'tip', currency: 'USD' } })).status).to.equal(201);
      const hook = await source.request('POST', '/api/v1/webhooks', { body: { url: 'https://shop.example.com/hook' } });
      expect(hook.status, hook.text).to.equal(201);
      shopKey = await source.newKey(['invoices:read', 'invoices:write'], 'shop');
      // Deliveries as the notification worker fans events out, one per outbox event, of two statuses.
      const events = (await source.till.db.read('outbox').select('id', 'type', 'payload').orderBy('id')) as { id: number; type: string; payload: string }[];
      expect(events.length).to.be.greaterThan(2);
      await source.till.db.tx(async (trx) => {
        for (const [i, e] of events.entries()) {
          await insertDelivery(trx, {
            deliveryId: randomUUID(), outboxId: e.id, eventType: e.type, targetKind: 'webhook', targetId: 1,
            target: 'https://shop.example.com/hook', payload: e.payload, now: source.clock.now(), status: i % 2 ? 'delivered' : 'pending',
          });
        }
      });
      const list = (await source.request('GET', '/api/v1/invoices')).body;
      const each: Record<string, unknown> = {};
      for (const inv of list.invoices) each[inv.ref] = portable((await source.request('GET', `/api/v1/invoices/${inv.ref}`)).body, source.url);
      expect(Object.keys(each)).to.have.length(6);
      snapshot = { list: portable(list, source.url), each };
      await source.close();
      sqliteFile = path.join(source.dir, 'till.sqlite');
    });

    after(async () => {
      if (source) fs.rmSync(source.dir, { recursive: true, force: true });
      if (cwd) fs.rmSync(cwd, { recursive: true, force: true });
      await cluster?.stop();
    });

    it('copies every table, verifies counts and sums, and Till on PostgreSQL serves the same data', async () => {
      const url = await freshDatabase();
      const r = till(cwd, ['migrate', '--from-sqlite', sqliteFile], { TILL_DATABASE_URL: url });
      expect(r.code, r.err + r.out).to.equal(0);
      expect(r.out).to.match(/invoices\s+6\n/).and.match(/payments\s+1\n/).and.match(/api_keys\s+2\n/);
      expect(r.out).to.match(/payments SUM\(sats\)\s+100000\n/).and.match(/deliveries delivered\s+\d+\n/);
      // Filled by PostgreSQL's trigger as the payments land, not copied twice.
      expect(r.out).to.match(/payment_spends\s+2\n/);

      const t = await startTill({ env: { TILL_DATABASE_URL: url } });
      try {
        expect(t.till.db.engine).to.equal('postgres');
        expect((await t.till.db.read('payment_spends').orderBy('outpoint').select('outpoint')).map((x) => x.outpoint)).to.deep.equal([...SPENDS].sort());
        const list = (await t.request('GET', '/api/v1/invoices')).body;
        expect(portable(list, t.url)).to.deep.equal(snapshot.list);
        for (const [ref, body] of Object.entries(snapshot.each)) {
          expect(portable((await t.request('GET', `/api/v1/invoices/${ref}`)).body, t.url), ref).to.deep.equal(body);
        }
        // The key made on SQLite still authenticates (only its hash was copied).
        expect((await t.request('GET', '/api/v1/invoices', { key: shopKey })).status).to.equal(200);
        // Sequences continue after the copied rows: the next number, fresh ids, a fresh address.
        const made = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, key: shopKey });
        expect(made.status, made.text).to.equal(201);
        expect(made.body.invoice_number).to.equal('INV-0007');
        const fin = await t.request('POST', `/api/v1/invoices/${made.body.ref}/finalize`, { key: shopKey });
        expect(fin.status, fin.text).to.equal(200);
        const old = Object.values(snapshot.each) as { payment_address: string | null }[];
        expect(old.map((b) => b.payment_address)).to.not.include(fin.body.payment_address);
        const [ids] = await sql<{ max: number }>(url, 'SELECT MAX(id)::int AS max FROM invoices');
        expect(ids!.max).to.equal(7);
        expect((await t.request('POST', '/api/v1/webhooks', { body: { url: 'https://b.example.com/x' } })).status).to.equal(201);
      } finally {
        await t.stop();
      }

      // A second copy into the same database is refused: never merged.
      const again = till(cwd, ['migrate', '--from-sqlite', sqliteFile], { TILL_DATABASE_URL: url });
      expect(again.code).to.equal(1);
      expect(again.err.trim().split('\n')).to.have.length(1);
      expect(again.err).to.match(/already holds data \(.*invoices.*\)/);
      expect((await sql<{ n: number }>(url, 'SELECT COUNT(*)::int AS n FROM invoices'))[0]!.n).to.equal(7);
    });

    it('rolls everything back and names the difference when the target does not match the source', async () => {
      const url = await freshDatabase();
      expect(till(cwd, ['migrate'], { TILL_DATABASE_URL: url }).code).to.equal(0);
      // A trigger that silently drops payments: the copy "succeeds" row by row, the check does not.
      await sql(url, `CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
        CREATE TRIGGER drop_payments BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION drop_row()`);
      const r = till(cwd, ['migrate', '--from-sqlite', sqliteFile], { TILL_DATABASE_URL: url });
      expect(r.code).to.equal(1);
      expect(r.err.trim().split('\n')).to.have.length(1);
      expect(r.err).to.contain('rolled back').and.contain('payments rows 1 ≠ 0').and.contain('payments SUM(sats) 100000 ≠ 0');
      for (const table of ['invoices', 'api_keys', 'wallets', 'deliveries']) {
        expect((await sql<{ n: number }>(url, `SELECT COUNT(*)::int AS n FROM ${table}`))[0]!.n, table).to.equal(0);
      }
    });

    it('refuses a missing file, a file that is not SQLite, a database behind the schema, and runs only with TILL_DATABASE_URL', async () => {
      const url = await freshDatabase();
      const missing = till(cwd, ['migrate', '--from-sqlite', path.join(cwd, 'nope.sqlite')], { TILL_DATABASE_URL: url });
      expect(missing.code).to.equal(1);
      expect(missing.err.trim()).to.equal(`no such file: ${path.join(cwd, 'nope.sqlite')}`);
      expect(fs.existsSync(path.join(cwd, 'nope.sqlite'))).to.equal(false);

      fs.writeFileSync(path.join(cwd, 'notes.txt'), 'not a database\n'.repeat(10));
      const text = till(cwd, ['migrate', '--from-sqlite', 'notes.txt'], { TILL_DATABASE_URL: url });
      expect(text.code).to.equal(1);
      expect(text.err.trim()).to.equal(`${path.join(cwd, 'notes.txt')} is not a SQLite database`);

      // A Till database whose last migration has not run is refused, and left as it was.
      const old = path.join(cwd, 'old.sqlite');
      const k = knexFactory({ client: 'sqlite3', connection: { filename: old }, useNullAsDefault: true });
      try {
        await k.migrate.latest({ migrationSource });
        const [last] = (await migrationSource.getMigrations([])).slice(-1);
        await k('knex_migrations').where({ name: last }).delete();
        const behind = till(cwd, ['migrate', '--from-sqlite', old], { TILL_DATABASE_URL: url });
        expect(behind.code).to.equal(1);
        expect(behind.err.trim()).to.match(new RegExp(`is behind this Till's schema \\(missing ${last}\\): run \`till migrate\` on it first`));
        expect(await k('knex_migrations').where({ name: last }).first()).to.equal(undefined);
      } finally {
        await k.destroy();
      }

      const noUrl = till(cwd, ['migrate', '--from-sqlite', sqliteFile]);
      expect(noUrl.code).to.equal(1);
      expect(noUrl.err.trim().split('\n')).to.have.length(1);
      expect(noUrl.err).to.contain('set TILL_DATABASE_URL');
    });
  });
});
