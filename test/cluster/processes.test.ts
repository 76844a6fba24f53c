/**
 * Many `till serve` processes on one PostgreSQL, as an operator runs them behind a load
 * balancer: real child processes (the CLI from source), a real throwaway PostgreSQL
 * cluster, the simulated regtest node's real RPC and ZMQ sockets, real HTTP throughout.
 * What one process alone can never show is asserted here: numbering and address claims
 * raced from two processes, the elected chain worker killed mid-stream of payments, and
 * two processes migrating one empty database at once.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startSimNode, type SimNode } from '../../regtest/sim-node.js';
import { nodeEnv } from '../chain/helpers.js';
import { receiver, type Received } from '../notify/helpers.js';
import { freePort, startPostgres, withPostgres, type PgCluster } from '../helpers/postgres.js';
import { ROOT, tillCliArgs } from '../helpers/spawn.js';
import { testTpub } from '../helpers/till.js';
import { waitFor } from '../helpers/wait.js';

interface Proc {
  name: string;
  url: string;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

interface Json {
  status: number;
  body: any;
}

withPostgres('many till serve processes on one PostgreSQL', () => {
  describe('many till serve processes on one PostgreSQL', function () {
    this.timeout(60_000);
    let cluster: PgCluster;
    let node: SimNode;
    let procs: Proc[] = [];
    let closers: (() => Promise<void>)[] = [];
    let dirs: string[] = [];
    let failed = false;
    let databases = 0;
    let logDir: string;

    before(async () => {
      logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-cluster-logs-'));
      // Each that started is kept, so after() stops it even when the other failed.
      const [c, n] = await Promise.allSettled([startPostgres(), startSimNode()]);
      if (c.status === 'fulfilled') cluster = c.value;
      if (n.status === 'fulfilled') node = n.value;
      for (const r of [c, n]) if (r.status === 'rejected') throw r.reason;
    });

    afterEach(async function () {
      // A failure's explanation is usually in the processes' logs: name them.
      if (this.currentTest?.state === 'failed') {
        failed = true;
        for (const p of procs) console.log(`      ${p.name} log: ${p.log}`);
      }
      for (const p of procs) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      procs = [];
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      dirs = [];
      for (const c of closers) await c();
      closers = [];
    });

    after(async () => {
      await node?.close();
      await cluster?.stop();
      // The logs a failure named stay for reading.
      if (!failed && logDir) fs.rmSync(logDir, { recursive: true, force: true });
    });

    async function sql<T = any>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(text, values)).rows as T[];
      } finally {
        await c.end();
      }
    }

    /** An empty database of its own in the shared cluster: tests do not see each other. */
    async function freshDatabase(): Promise<string> {
      const name = `till_processes_${++databases}`;
      await sql(cluster.url, `CREATE DATABASE ${name}`);
      return cluster.url.replace(/\/till$/, `/${name}`);
    }

    function baseEnv(dbUrl: string, dir: string): Record<string, string> {
      return {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? os.tmpdir(),
        TILL_DATA_DIR: dir,
        TILL_DATABASE_URL: dbUrl,
        ...nodeEnv(node),
        // Webhooks to the loopback receiver; a lease the dead leader held runs out in 2 s, not 60.
        TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
        TILL_NOTIFY_LEASE_SECONDS: '2',
      };
    }

    /** `till <args>` against `dbUrl`, in a child process: its output. */
    function cli(dbUrl: string, args: string[]): Promise<string> {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-cluster-cli-'));
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, tillCliArgs(...args), { cwd: ROOT, env: baseEnv(dbUrl, dir), stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => {
          fs.rmSync(dir, { recursive: true, force: true });
          if (code === 0) resolve(out);
          else reject(new Error(`till ${args.join(' ')} exited ${code}: ${err}`));
        });
      });
    }

    /** An admin key and a fresh wallet in `dbUrl`, set up as an operator would: the CLI. */
    async function provision(dbUrl: string): Promise<string> {
      // One after the other: the first migrates the empty database.
      const out = await cli(dbUrl, ['keys', 'create', 'cluster-test', '--scopes', 'admin']);
      await cli(dbUrl, ['wallet', 'set', testTpub(randomBytes(32)), '--count', '1']);
      const key = /(till_[1-9A-HJ-NP-Za-km-z]+)/.exec(out)?.[1];
      expect(key, out).to.be.a('string');
      return key!;
    }

    /** `till serve` in a child process on a port of its own, logging to a file. */
    async function serve(name: string, dbUrl: string): Promise<Proc> {
      const port = await freePort();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `till-cluster-${name}-`));
      dirs.push(dir);
      const log = path.join(logDir, `${name}-${databases}.log`);
      const fd = fs.openSync(log, 'a');
      const child = spawn(process.execPath, tillCliArgs('serve'), {
        cwd: ROOT,
        env: { ...baseEnv(dbUrl, dir), TILL_PORT: String(port), TILL_HOST: '127.0.0.1', TILL_LOG_LEVEL: 'info' },
        stdio: ['ignore', fd, fd],
      });
      fs.closeSync(fd);
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      const p: Proc = { name, url: `http://127.0.0.1:${port}`, child, log, exited };
      procs.push(p);
      return p;
    }

    async function health(p: Proc): Promise<any> {
      const res = await fetch(`${p.url}/health`);
      return res.json();
    }

    async function up(p: Proc): Promise<void> {
      await waitFor(async () => (await health(p)).database?.reachable === true, `${p.name} to answer /health`, 30_000, 100);
    }

    async function api(p: Proc, key: string, method: string, route: string, body?: unknown): Promise<Json> {
      const res = await fetch(`${p.url}${route}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, ...(body !== undefined && { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    }

    interface Made {
      ref: string;
      uuid: string;
      number: string;
      address: string;
      sats: bigint;
      via: Proc;
    }

    /** A BTC invoice for `sats`, created and finalized through `p`. */
    async function invoice(p: Proc, key: string, sats: bigint): Promise<Made> {
      const price = (Number(sats) / 1e8).toFixed(8);
      const c = await api(p, key, 'POST', '/api/v1/invoices', { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: price }] });
      expect(c.status, JSON.stringify(c.body)).to.equal(201);
      const f = await api(p, key, 'POST', `/api/v1/invoices/${c.body.ref}/finalize`);
      expect(f.status, JSON.stringify(f.body)).to.equal(200);
      return { ref: c.body.ref, uuid: f.body.uuid, number: f.body.invoice_number, address: f.body.payment_address, sats, via: p };
    }

    /**
     * Each process's role once one leads. /health answers before a process's first try for
     * the lock has returned, so right after start both may still say standby; two leaders
     * end the wait as well, and fail the caller's check.
     */
    async function roles(ps: Proc[]): Promise<string[]> {
      const now = () => Promise.all(ps.map(async (p) => (await health(p)).role as string));
      await waitFor(async () => (await now()).includes('leader'), 'one process to lead', 10_000, 50);
      return now();
    }

    it('two processes making 200 invoices at once: numbers INV-0001…INV-0200 gap-free, addresses unique, one leader', async () => {
      const dbUrl = await freshDatabase();
      const key = await provision(dbUrl);
      const a = await serve('a', dbUrl);
      const b = await serve('b', dbUrl);
      await Promise.all([up(a), up(b)]);

      // 20 in flight, alternating between the processes, so both take numbers and
      // addresses in the same instants.
      const made: Made[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: 20 }, async () => {
        while (next < 200) {
          const i = next++;
          made.push(await invoice(i % 2 ? b : a, key, 10_000n + BigInt(i)));
        }
      }));

      expect(made.filter((m) => m.via === a)).to.have.length(100);
      const numbers = made.map((m) => m.number).sort();
      expect(numbers).to.deep.equal(Array.from({ length: 200 }, (_, i) => `INV-${String(i + 1).padStart(4, '0')}`));
      expect(new Set(made.map((m) => m.address)).size).to.equal(200);
      // The database agrees with what the API answered: no invoice was made twice.
      const [row] = await sql(dbUrl, 'SELECT count(*)::int AS n, count(DISTINCT seq)::int AS seqs, min(seq) AS lo, max(seq) AS hi FROM invoices');
      expect(row).to.deep.equal({ n: 200, seqs: 200, lo: 1, hi: 200 });
      expect((await roles([a, b])).sort()).to.deep.equal(['leader', 'standby']);
    });

    it('SIGKILL of the elected process while payments arrive: the other leads within 10 s and misses nothing', async () => {
      const dbUrl = await freshDatabase();
      const key = await provision(dbUrl);
      const a = await serve('a', dbUrl);
      const b = await serve('b', dbUrl);
      await Promise.all([up(a), up(b)]);
      const [ra, rb] = await roles([a, b]);
      expect([ra, rb].sort()).to.deep.equal(['leader', 'standby']);
      const leader = ra === 'leader' ? a : b;
      const survivor = leader === a ? b : a;

      // The receiver can hold its answers: a delivery it has received but not answered when
      // the leader dies is one the survivor must send again, under the same delivery id.
      let hold = false;
      const held: { id: string; release(): void }[] = [];
      const hook = await receiver((_, req) => (hold
        ? new Promise<number>((r) => held.push({ id: req.headers['x-btpay-delivery'] as string, release: () => r(200) }))
        : 200));
      closers.push(async () => {
        held.forEach((h) => h.release());
        await hook.close();
      });
      const sub = await api(survivor, key, 'POST', '/api/v1/webhooks', { url: hook.url });
      expect(sub.status, JSON.stringify(sub.body)).to.equal(201);

      const invoices: Made[] = [];
      for (let i = 0; i < 24; i++) invoices.push(await invoice(i % 2 ? b : a, key, 20_000n + BigInt(i) * 1000n));
      const before = invoices.slice(0, 12);
      const after = invoices.slice(12);
      // Streams on the survivor: one for an invoice paid while the other process still leads
      // (its news must cross processes), one for an invoice finalized through the process
      // about to die and paid after it has.
      const paidBefore = before.find((m) => m.via === leader)!;
      const paidAfter = [...after].reverse().find((m) => m.via === leader)!;
      const streamBefore = sse(`${survivor.url}/i/${paidBefore.uuid}/events`);
      const streamAfter = sse(`${survivor.url}/i/${paidAfter.uuid}/events`);
      closers.push(async () => {
        streamBefore.close();
        streamAfter.close();
      });
      await Promise.all([streamBefore.opened, streamAfter.opened]);

      const txids = new Map<string, string>();
      const pay = async (m: Made) => {
        txids.set(m.ref, await node.pay(m.address, m.sats));
      };
      for (const [i, m] of before.entries()) {
        // The last few payments' webhooks are held by the receiver: one is in flight at the kill.
        if (i === before.length - 3) hold = true;
        const mark = m === paidBefore ? streamBefore.text().length : -1;
        await pay(m);
        if (mark >= 0) await waitFor(() => streamBefore.text().slice(mark).includes('event: invoice'), 'the survivor\'s stream to hear of a payment the leader recorded', 5000);
        await new Promise((r) => setTimeout(r, 60));
      }

      // Kill while a webhook delivery is in the receiver's hands, unanswered.
      await waitFor(() => held.length > 0, 'a webhook delivery in flight', 10_000);
      const killedAt = Date.now();
      leader.child.kill('SIGKILL');
      await leader.exited;
      hold = false;
      const inFlight = held.splice(0).map((h) => {
        h.release();
        return h.id;
      });

      // A block while nobody leads: the survivor must catch up from the stored tip to see
      // the payments made before the kill confirmed.
      await node.mine(1);
      const firstAfter = after[0]!;
      const rest = after.slice(1).filter((m) => m !== paidAfter);
      await pay(firstAfter);
      const tookOver = waitFor(async () => (await health(survivor)).role === 'leader', 'the survivor to lead', 10_000, 20).then(() => Date.now() - killedAt);
      const firstRecorded = waitFor(async () => {
        const r = await api(survivor, key, 'GET', `/api/v1/invoices/${firstAfter.ref}?include_payments=true`);
        return r.body.payments?.length > 0;
      }, 'the first payment after the kill to be recorded', 15_000, 20).then(() => Date.now() - killedAt);
      for (const m of rest) {
        await pay(m);
        await new Promise((r) => setTimeout(r, 60));
      }
      const failoverMs = await tookOver;
      const firstPaymentMs = await firstRecorded;
      console.log(`      failover: survivor leads ${failoverMs} ms after the SIGKILL; first payment recorded ${firstPaymentMs} ms after it`);
      expect(failoverMs).to.be.below(10_000);

      const reach = async (status: string, which: Made[]) => waitFor(async () => {
        for (const m of which) {
          const r = await api(survivor, key, 'GET', `/api/v1/invoices/${m.ref}?include_payments=true`);
          if (r.body.status !== status) return false;
        }
        return true;
      }, `${which.length} invoices to be ${status}`, 20_000, 100);
      await reach('confirmed', before);
      // Paid last, once the catch-up's block news has reached every page: an event on this
      // stream now is this invoice's payment, not the tip moving.
      const afterMark = streamAfter.text().length;
      await pay(paidAfter);
      await waitFor(() => streamAfter.text().slice(afterMark).includes('event: invoice'), 'the survivor\'s stream opened before the kill to hear of its invoice paid after it', 10_000);
      await reach('paid', after);

      // Every payment recorded exactly once, on the invoice it paid.
      for (const m of invoices) {
        const r = await api(survivor, key, 'GET', `/api/v1/invoices/${m.ref}?include_payments=true`);
        expect(r.body.payments.map((p: any) => p.txid), m.ref).to.deep.equal([txids.get(m.ref)]);
      }
      const dupes = await sql(dbUrl, 'SELECT txid, vout, count(*)::int AS n FROM payments GROUP BY txid, vout HAVING count(*) > 1');
      expect(dupes).to.deep.equal([]);
      expect((await sql(dbUrl, 'SELECT count(*)::int AS n FROM payments'))[0].n).to.equal(invoices.length);

      await node.mine(1);
      await reach('confirmed', invoices);

      // Every event delivered: five per invoice, each under one delivery id however often sent.
      const expected = invoices.length * 5;
      const distinct = () => new Set(hook.got.map((g) => g.headers['x-btpay-delivery'])).size;
      await waitFor(() => distinct() >= expected, `${expected} distinct webhook deliveries`, 20_000, 100);
      // What the dead leader had in flight comes again from the survivor once its lease runs
      // out, under the same ids (and under no new id: checked below).
      expect(inFlight).to.not.be.empty;
      for (const id of inFlight) {
        await waitFor(() => hook.got.filter((g) => g.headers['x-btpay-delivery'] === id).length >= 2, `in-flight delivery ${id} to be sent again`, 10_000, 50);
      }
      await new Promise((r) => setTimeout(r, 300));
      const idsPerEvent = new Map<string, Set<string>>();
      for (const g of hook.got) {
        const k = eventKey(g);
        if (!idsPerEvent.has(k)) idsPerEvent.set(k, new Set());
        idsPerEvent.get(k)!.add(g.headers['x-btpay-delivery'] as string);
      }
      for (const [k, ids] of idsPerEvent) expect([...ids], k).to.have.length(1);
      const types = ['invoice.created', 'payment.received', 'invoice.paid', 'payment.confirmed', 'invoice.confirmed'];
      for (const m of invoices) {
        for (const t of types) expect([...idsPerEvent.keys()].filter((k) => k.startsWith(`${t} ${m.ref} `)), `${t} of ${m.ref}`).to.have.length(1);
      }
      expect(idsPerEvent.size).to.equal(expected);
      const rows = await sql(dbUrl, 'SELECT delivery_id, status FROM deliveries WHERE target_kind = $1', ['webhook']);
      expect(rows.filter((r) => r.status !== 'delivered'), 'deliveries not delivered').to.deep.equal([]);
      expect(new Set(rows.map((r) => r.delivery_id))).to.deep.equal(new Set(hook.got.map((g) => g.headers['x-btpay-delivery'])));
    });

    it('two processes starting at once on an empty database both come up, and migrate it once', async () => {
      const dbUrl = await freshDatabase();
      const a = await serve('a', dbUrl);
      const b = await serve('b', dbUrl);
      await Promise.all([up(a), up(b)]);
      expect((await roles([a, b])).sort()).to.deep.equal(['leader', 'standby']);
      const rows = await sql(dbUrl, 'SELECT name, count(*)::int AS n FROM knex_migrations GROUP BY name ORDER BY name');
      const files = fs.readdirSync(path.join(ROOT, 'migrations')).filter((f) => /^\d{4}_.*\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, '')).sort();
      expect(rows.map((r) => r.name.replace(/\.(ts|js)$/, ''))).to.deep.equal(files);
      expect(rows.filter((r) => r.n !== 1)).to.deep.equal([]);
    });
  });
});

/** What one webhook event is about: its type, its invoice, and the payment for payment events. */
function eventKey(g: Received): string {
  const body = JSON.parse(g.body);
  const data = body.data ?? {};
  const ref = data.ref ?? data.invoice?.ref ?? '?';
  const pay = data.payment ? `${data.payment.txid}:${data.payment.vout}` : '-';
  return `${body.event} ${ref} ${pay}`;
}

/** An SSE stream read as it comes. */
function sse(url: string): { opened: Promise<void>; text(): string; close(): void } {
  const chunks: string[] = [];
  const req = http.get(url);
  const opened = new Promise<void>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (d: string) => chunks.push(d));
      resolve();
    });
  });
  return { opened, text: () => chunks.join(''), close: () => req.destroy() };
}
