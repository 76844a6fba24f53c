/**
 * PostgreSQL away: at start Till stops with one line naming TILL_DATABASE_URL; while
 * running, /health and the API answer 503 (never 500) and Till comes back by itself when
 * the database does, with what it committed before intact and its roles taken again.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startPostgres, withPostgres, type PgCluster } from '../helpers/postgres.js';
import { realClock, startTill, testTpub, SEED_INVOICE, type TestTill } from '../helpers/till.js';
import { startSimNode, type SimNode } from '../../regtest/sim-node.js';
import { btcInvoice, nodeEnv, statusOf } from '../chain/helpers.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { waitFor } from '../helpers/wait.js';

function serveWith(url: string): { status: number | null; stderr: string; stdout: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-pgcli-'));
  try {
    const r = spawnSync(process.execPath, tillCliArgs('serve'), {
      env: { PATH: process.env.PATH, TILL_DATABASE_URL: url, TILL_DATA_DIR: dir, TILL_PORT: '0', TILL_LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

withPostgres('PostgreSQL outages', () => {
  describe('PostgreSQL outages', function () {
    this.timeout(90_000);
    let pg: PgCluster;
    before(async () => {
      pg = await startPostgres();
    });
    after(async () => {
      await pg?.stop();
    });

    it('a database that cannot be reached, or a URL that is not one, stops Till with one line naming TILL_DATABASE_URL', () => {
      const cases: [string, RegExp][] = [
        // Nothing listens on port 1.
        ['postgres://till@127.0.0.1:1/till', /^TILL_DATABASE_URL: cannot use PostgreSQL at 127\.0\.0\.1:1\/till: .*ECONNREFUSED/],
        // The server is there; the database is not.
        [pg.url.replace(/\/till$/, '/nosuchdb'), /^TILL_DATABASE_URL: cannot use PostgreSQL at .*\/nosuchdb: .*does not exist/],
        ['postgres://till@127.0.0.1:5432', /TILL_DATABASE_URL.*names no database/],
        ['mysql://till@127.0.0.1/till', /TILL_DATABASE_URL/],
      ];
      for (const [url, message] of cases) {
        const r = serveWith(url);
        expect(r.status, `${url}: ${r.stderr}`).to.equal(1);
        const lines = r.stderr.trim().split('\n');
        expect(lines, `${url}: one line, no stack: ${r.stderr}`).to.have.length(1);
        expect(lines[0], url).to.match(message);
        expect(r.stderr, 'no password or stack').not.to.match(/\n\s+at /);
      }
    });

    describe('lost while running', () => {
      let t: TestTill;
      let node: SimNode;
      before(async () => {
        node = await startSimNode();
        t = await startTill({ followChain: true, clock: realClock(), env: { ...nodeEnv(node), TILL_DATABASE_URL: pg.url } });
        await t.setWallet(testTpub(41));
      });
      after(async () => {
        await t?.stop();
        await node?.close();
      });

      it('answers 503 while the database is away, comes back by itself and keeps what it had', async () => {
        const before = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
        expect(before.status, before.text).to.equal(201);
        await waitFor(async () => (await t.till.health()).ok && (await t.till.health()).role === 'leader', 'the only process to lead');
        const paidInOutage = await btcInvoice(t, 150_000n);

        pg.pause();
        try {
          const health = await t.request('GET', '/health', { key: null });
          expect(health.status).to.equal(503);
          expect(health.body.database).to.include({ engine: 'postgres', reachable: false });
          expect(health.body.ok).to.equal(false);

          const read = await t.request('GET', `/api/v1/invoices/${before.body.ref}`);
          // The key's lookup or the read itself meets the outage: a 503 to retry, not a 500.
          expect(read.status, read.text).to.equal(503);
          expect(read.body.code ?? read.body.error?.code).to.equal('database_unavailable');
          expect(read.headers.get('retry-after')).to.equal('5');
          const create = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
          expect(create.status, create.text).to.equal(503);
          // Money moves while Till cannot write: seen over ZMQ now, it must not be lost.
          await node.pay(paidInOutage.address, 150_000n);
          await new Promise((r) => setTimeout(r, 500));
        } finally {
          pg.resume();
        }

        await waitFor(async () => (await t.request('GET', '/health', { key: null })).status === 200, '/health to be 200 again', 20_000);
        await waitFor(async () => {
          const h = await t.till.health();
          return h.role === 'leader' && h.database.news;
        }, 'the lead and the news taken again', 20_000);
        const again = await t.request('GET', `/api/v1/invoices/${before.body.ref}`);
        expect(again.status).to.equal(200);
        expect(again.body.invoice_number).to.equal('INV-0001');
        const next = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
        expect(next.status, next.text).to.equal(201);
        // The refused create took no number.
        expect(next.body.invoice_number).to.equal('INV-0003');
        const paid = await statusOf(t, paidInOutage.ref, 'paid');
        expect(paid.payments).to.have.length(1);
        await node.mine(1);
        await statusOf(t, paidInOutage.ref, 'confirmed');
      });
    });
  });
});
