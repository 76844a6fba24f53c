/**
 * API benchmark: the real server (child processes, as `till serve` runs them) loaded by
 * autocannon from this process over loopback, in up to three setups measured in the same
 * run, side by side:
 *
 *   sqlite  one process on a fresh SQLite file (WAL, synchronous=FULL)
 *   pg1     one process on a fresh database of a throwaway PostgreSQL cluster run durably
 *           (fsync, synchronous_commit and full_page_writes at their defaults, on)
 *   pg2     two processes on another fresh database of that cluster, the load split
 *           between them by two autocannon instances run at once, half the connections
 *           each (requests/s summed, latencies merged from every response); no proxy,
 *           which would take CPU from the servers on a small machine
 *
 * Each figure is printed beside a ceiling measured in the same run: writes beside the raw
 * durable-commit rate of one connection with nothing else in the way (SQLite: WAL,
 * synchronous=FULL; PostgreSQL: synchronous_commit on; one row per transaction), reads
 * beside Till's Koa app with the same middleware answering a constant body
 * (bench/api-ceiling-server.ts) — one such process for sqlite and pg1, two (loaded the
 * same way as pg2) for pg2. Each ceiling is measured before and after its figures and
 * averaged. Prints figures; never passes or fails.
 *
 *   npm run bench:api [-- --seconds 10 --connections 32] [--engines sqlite,pg1,pg2] [--profile <dir>] [--logs <dir>]
 *
 * `--engines` defaults to all three when PostgreSQL's server binaries are installed
 * (Debian's, under /usr/lib/postgresql), else to sqlite with a line saying why.
 * `--profile <dir>` runs every Till process under `node --cpu-prof` and leaves the
 * profiles there; `--logs <dir>` keeps each Till process's log there (<setup>-<n>.log).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { networks } from 'bitcoinjs-lib';
import { loadConfig } from '../src/config/load.js';
import { openDatabase, migrateLatest } from '../src/db/connection.js';
import { ApiKeys } from '../src/api/keys.js';
import { AddressPool } from '../src/wallet/pool.js';
import { bip32Api } from '../src/wallet/ecc.js';
import { freePort, postgresBin, startPostgres, type PgCluster } from '../test/helpers/postgres.js';
import { tillCliArgs, TSX_LOADER } from '../test/helpers/spawn.js';
import { durableCommitCeiling, postgresCommitCeiling, ratio, type CommitCeiling } from './ceilings.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = opt('seconds', 10);
const CONNECTIONS = opt('connections', 32);
const COMMIT_SECONDS = Math.min(SECONDS, 5);
const RATE_LIMIT = 1_000_000;
const PROFILE = args.includes('--profile') ? path.resolve(args[args.indexOf('--profile') + 1]!) : null;
const LOGS = args.includes('--logs') ? path.resolve(args[args.indexOf('--logs') + 1]!) : null;

type Engine = 'sqlite' | 'pg1' | 'pg2';
const ALL: Engine[] = ['sqlite', 'pg1', 'pg2'];
const notes: string[] = [];
const engines: Engine[] = (() => {
  const i = args.indexOf('--engines');
  const asked = i >= 0 ? args[i + 1]!.split(',').map((s) => s.trim()).filter(Boolean) : null;
  for (const e of asked ?? []) if (!ALL.includes(e as Engine)) throw new Error(`--engines: unknown "${e}" (sqlite, pg1, pg2)`);
  const wanted = ALL.filter((e) => (asked ? asked.includes(e) : true));
  if (wanted.some((e) => e !== 'sqlite') && !postgresBin()) {
    const why = 'PostgreSQL skipped: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)';
    if (asked) throw new Error(why);
    notes.push(why);
    return ['sqlite'];
  }
  return wanted;
})();

const body = JSON.stringify({
  customer_email: 'alice@example.com', customer_name: 'Alice', customer_company: 'Acme Inc', currency: 'USD', tax_rate: 10,
  lines: [
    { description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' },
    { description: 'Hardware wallet setup', quantity: 2, unit_price: '25.00' },
  ],
  notes: 'Payment due within 30 days',
});

const up = async (u: string) => {
  for (let i = 0; ; i++) {
    try {
      await fetch(u);
      return;
    } catch {
      if (i > 300) throw new Error(`${u} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

const baseEnv = (dir: string, port: number): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  TILL_DATA_DIR: dir,
  TILL_PORT: String(port),
  TILL_HOST: '127.0.0.1',
  TILL_RATES_FIXED: 'USD=70862.71',
  TILL_RATE_CURRENCIES: 'USD',
  TILL_API_RATE_LIMIT: String(RATE_LIMIT),
  TILL_QUOTE_DEADLINE_MINUTES: '10080',
});

/** A set of servers loaded together: one URL per process, the load split evenly. */
interface Target {
  name: string;
  urls: string[];
  key: string;
  /** Finalize walks the drafts 1..created; shared by the instances loading the processes. */
  next: number;
  created: number;
}

interface Setup extends Target {
  engine: Engine;
  procs: ChildProcess[];
  dirs: string[];
}

const procs: ChildProcess[] = [];
const prof = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];

function child(argv: string[], env: Record<string, string>, logName?: string): ChildProcess {
  let out: 'ignore' | number = 'ignore';
  if (LOGS && logName) {
    fs.mkdirSync(LOGS, { recursive: true });
    out = fs.openSync(path.join(LOGS, `${logName}.log`), 'w');
  }
  const p = spawn(process.execPath, argv, { env, stdio: ['ignore', out, 'inherit'] });
  procs.push(p);
  return p;
}

/** Sets up the key and the wallet the way `till keys create` / `till wallet set` do, then starts the processes. */
async function setUp(engine: Engine, cluster: PgCluster | null): Promise<Setup> {
  const n = engine === 'pg2' ? 2 : 1;
  const dirs = Array.from({ length: n }, () => fs.mkdtempSync(path.join(os.tmpdir(), `till-bench-${engine}-`)));
  const ports = await Promise.all(dirs.map(() => freePort()));
  let url = '';
  if (engine !== 'sqlite') {
    const admin = new (await import('pg')).default.Client({ connectionString: cluster!.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE till_${engine}`);
    await admin.end();
    url = cluster!.url.replace(/\/till$/, `/till_${engine}`);
  }
  const envs = dirs.map((d, i) => ({ ...baseEnv(d, ports[i]!), ...(url ? { TILL_DATABASE_URL: url } : {}) }));
  const config = loadConfig(envs[0]!, dirs[0]!);
  const db = openDatabase(url ? { url } : { filename: config.databaseFile });
  await migrateLatest(db);
  const { key } = await new ApiKeys(db, Date.now).create('bench', ['admin']);
  const tpub = bip32Api().fromSeed(Buffer.alloc(32, 7), networks.regtest).derivePath("m/84'/1'/0'").neutered().toBase58();
  await new AddressPool('regtest').setWallet(db, `wpkh(${tpub}/0/*)`, 0, Date.now());
  await db.close();
  const ps = envs.map((env, i) => child([...prof, ...tillCliArgs('serve')], env, `${engine}-${i + 1}`));
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  await Promise.all(urls.map((u) => up(`${u}/health`)));
  return { engine, name: engine, urls, key, next: 1, created: 0, procs: ps, dirs };
}

interface Fig {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  bad: number;
  /** 5xx answers among `bad`. */
  errors5xx: number;
}

const pct = (xs: Float64Array, p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const phases: string[] = [];
const startedAt = performance.now();

/**
 * Loads every process of `t` at once, CONNECTIONS split evenly: req/s are the instances'
 * sums, p50/p99 come from every response's latency, merged.
 */
async function load(t: Target, pathOrFinalize: string, seconds = SECONDS, o: Partial<autocannon.Options> = {}): Promise<Fig> {
  const t0 = (performance.now() - startedAt) / 1000;
  const latencies: number[] = [];
  let errors5xx = 0;
  const each = Math.max(1, Math.floor(CONNECTIONS / t.urls.length));
  const headers = { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' };
  const runs = t.urls.map((u) => {
    const opts: autocannon.Options = pathOrFinalize === 'finalize'
      ? {
          url: `${u}/`, connections: each, duration: seconds, headers,
          requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, path: `/api/v1/invoices/${t.next <= t.created ? t.next++ : t.created}/finalize` }) }],
        }
      : { url: `${u}${pathOrFinalize}`, connections: each, duration: seconds, headers, ...o };
    const inst = autocannon(opts) as Promise<autocannon.Result> & EventEmitter;
    const events: EventEmitter = inst;
    events.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
      if (status >= 500) errors5xx++;
    });
    return inst;
  });
  const rs = await Promise.all(runs);
  phases.push(`${t0.toFixed(1)}–${((performance.now() - startedAt) / 1000).toFixed(1)} s ${t.name} ${pathOrFinalize}`);
  const sorted = Float64Array.from(latencies).sort();
  return {
    rps: rs.reduce((s, r) => s + r.requests.average, 0),
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    total: rs.reduce((s, r) => s + r.requests.total, 0),
    bad: rs.reduce((s, r) => s + r.non2xx + r.errors + r.timeouts, 0),
    errors5xx,
  };
}

async function stopAll(): Promise<void> {
  await Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => { p.on('exit', r); p.kill('SIGTERM'); }))));
}

async function main() {
  let cluster: PgCluster | null = null;
  const setups: Setup[] = [];
  const all: Setup[] = [];
  try {
    const pgWanted = engines.some((e) => e !== 'sqlite');
    if (pgWanted) cluster = await startPostgres({ durable: true });
    // SQLite's setup always: its file holds the bench key the ceiling servers use.
    const sqlite = await setUp('sqlite', null);
    all.push(sqlite);
    if (engines.includes('sqlite')) setups.push(sqlite);
    for (const e of engines) {
      if (e === 'sqlite') continue;
      const s = await setUp(e, cluster);
      all.push(s);
      setups.push(s);
    }

    // The read ceiling: one bare-Koa process, and a second for the two-process setup.
    const ceilingDb = loadConfig(baseEnv(sqlite.dirs[0]!, 0), sqlite.dirs[0]!).databaseFile;
    const ceilingPorts = await Promise.all([freePort(), freePort()]);
    const nCeilings = engines.includes('pg2') ? 2 : 1;
    for (const p of ceilingPorts.slice(0, nCeilings)) {
      child(['--import', TSX_LOADER, path.join(import.meta.dirname, 'api-ceiling-server.ts'), ceilingDb, String(p)], baseEnv(sqlite.dirs[0]!, p));
    }
    const ceilingUrls = ceilingPorts.slice(0, nCeilings).map((p) => `http://127.0.0.1:${p}`);
    await Promise.all(ceilingUrls.map((u) => up(`${u}/health`)));
    const bare1: Target = { name: 'bare Koa ×1', urls: ceilingUrls.slice(0, 1), key: sqlite.key, next: 0, created: 0 };
    const bare2: Target = { name: 'bare Koa ×2', urls: ceilingUrls, key: sqlite.key, next: 0, created: 0 };
    const STATUS = '/api/v1/invoices/INV-0001/status';

    // Warm-up: JIT, caches, database pages, every server.
    for (const s of setups) await load(s, '/api/v1/invoices', 2, { method: 'POST', body });
    await load(nCeilings === 2 ? bare2 : bare1, STATUS, 2);
    phases.length = 0;

    // Writes, between the commit ceilings.
    const sqliteCommits = async (): Promise<CommitCeiling | null> =>
      engines.includes('sqlite') ? durableCommitCeiling(sqlite.dirs[0]!, COMMIT_SECONDS) : null;
    const pgCommits = async () => (cluster ? postgresCommitCeiling(cluster.url, COMMIT_SECONDS) : null);
    const commitsBefore = { sqlite: await sqliteCommits(), pg: await pgCommits() };
    const fig: Record<string, Partial<Record<Engine, Fig>>> = { create: {}, finalize: {}, v1: {}, checkout: {} };
    const created: Partial<Record<Engine, number>> = {};
    for (const s of setups) fig.create![s.engine] = await load(s, '/api/v1/invoices', SECONDS, { method: 'POST', body });
    for (const s of setups) {
      const drafts = async () => Number((await (await fetch(`${s.urls[0]}/api/v1/invoices?limit=1`, { headers: { authorization: `Bearer ${s.key}` } })).json() as { total: number }).total);
      // Finalize must not run out of drafts (its answers past the last are refusals, not
      // work): as many as its engine's commit ceiling could finalize, made unmeasured.
      const ceiling = (s.engine === 'sqlite' ? commitsBefore.sqlite : commitsBefore.pg)?.perSecond ?? 0;
      const short = Math.ceil(ceiling * SECONDS) - (await drafts());
      if (short > 0) await load(s, '/api/v1/invoices', SECONDS, { method: 'POST', body, amount: short });
      s.created = created[s.engine] = await drafts();
    }
    for (const s of setups) fig.finalize![s.engine] = await load(s, 'finalize');
    const commitsAfter = { sqlite: await sqliteCommits(), pg: await pgCommits() };
    const mean = (a: CommitCeiling | null, b: CommitCeiling | null) => (a && b ? (a.perSecond + b.perSecond) / 2 : NaN);
    const commitCeil = { sqlite: mean(commitsBefore.sqlite, commitsAfter.sqlite), pg: mean(commitsBefore.pg, commitsAfter.pg) };

    // Reads, between the bare-Koa ceilings.
    const bareBefore = { one: await load(bare1, STATUS), two: nCeilings === 2 ? await load(bare2, STATUS) : null };
    for (const s of setups) fig.v1![s.engine] = await load(s, STATUS);
    for (const s of setups) {
      const first = (await (await fetch(`${s.urls[0]}/api/v1/invoices/INV-0001`, { headers: { authorization: `Bearer ${s.key}` } })).json()) as { uuid: string };
      fig.checkout![s.engine] = await load(s, `/api/checkout/invoices/${first.uuid}/status`, SECONDS, { headers: { 'x-api-key': s.key } });
    }
    const bareAfter = { one: await load(bare1, STATUS), two: nCeilings === 2 ? await load(bare2, STATUS) : null };
    const bareCeil = {
      one: (bareBefore.one.rps + bareAfter.one.rps) / 2,
      two: bareBefore.two && bareAfter.two ? (bareBefore.two.rps + bareAfter.two.rps) / 2 : NaN,
    };

    const load1 = os.loadavg().map((l) => l.toFixed(1)).join(' ');
    await stopAll();

    // The table: one row per endpoint, a column group per setup.
    const ceilingOf = (kind: 'write' | 'read', e: Engine) =>
      kind === 'write' ? (e === 'sqlite' ? commitCeil.sqlite : commitCeil.pg) : (e === 'pg2' ? bareCeil.two : bareCeil.one);
    const endpoints: [string, string, 'write' | 'read'][] = [
      ['create', 'POST /api/v1/invoices', 'write'],
      ['finalize', 'POST /api/v1/invoices/:id/finalize', 'write'],
      ['v1', 'GET /api/v1/invoices/:id/status', 'read'],
      ['checkout', 'GET /api/checkout/invoices/:id/status', 'read'],
    ];
    const head = ['endpoint', 'setup', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', '5xx', 'ceiling/s', 'ratio'];
    const rows: string[][] = [];
    for (const [k, label, kind] of endpoints) {
      setups.forEach((s, i) => {
        const f = fig[k]![s.engine]!;
        const c = ceilingOf(kind, s.engine);
        rows.push([i === 0 ? label : '', s.engine, f.rps.toFixed(0), f.p50.toFixed(1), f.p99.toFixed(1), String(f.total), String(f.bad), String(f.errors5xx), c.toFixed(0), ratio(f.rps, c)]);
      });
    }
    const ms = (c: CommitCeiling) => `commit p50 ${c.p50.toFixed(2)} ms, p99 ${c.p99.toFixed(2)} ms`;

    console.log('');
    console.log(`Till API benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load ${load1} at the end, ${CONNECTIONS} connections, ${SECONDS} s per run,`);
    console.log(`real servers (child processes, logging at info); autocannon in this process on the same machine.`);
    console.log(`Setups: ${setups.map((s) => ({
      sqlite: 'sqlite = one process, SQLite (WAL, synchronous=FULL)',
      pg1: 'pg1 = one process, PostgreSQL',
      pg2: `pg2 = two processes on one PostgreSQL database, two autocannon instances at once (${Math.floor(CONNECTIONS / 2)} connections each; req/s summed, latencies merged)`,
    })[s.engine]).join('; ')}.`);
    if (cluster) console.log(`PostgreSQL: ${path.basename(path.dirname(postgresBin()!))} cluster on ${os.tmpdir()}, ${commitsBefore.pg!.settings}.`);
    console.log(`The per-key rate limit is raised to ${RATE_LIMIT} requests/min for the run (TILL_API_RATE_LIMIT).`);
    for (const n of notes) console.log(n);
    console.log('');
    console.log('Ceilings, each measured before and after its figures (mean):');
    if (commitsBefore.sqlite && commitsAfter.sqlite) {
      console.log(`  durable commits, SQLite: one connection, WAL, synchronous=FULL, one row per transaction: ${commitsBefore.sqlite.perSecond.toFixed(0)} then ${commitsAfter.sqlite.perSecond.toFixed(0)} commits/s (${ms(commitsBefore.sqlite)})`);
    }
    if (commitsBefore.pg && commitsAfter.pg) {
      console.log(`  durable commits, PostgreSQL: one connection, synchronous_commit on, one row per transaction: ${commitsBefore.pg.perSecond.toFixed(0)} then ${commitsAfter.pg.perSecond.toFixed(0)} commits/s (${ms(commitsBefore.pg)})`);
    }
    console.log(`  bare Koa: Till's app and API middleware (request id + log line, cached key, in-memory rate limit, idempotency) answering a constant body: ${bareBefore.one.rps.toFixed(0)} then ${bareAfter.one.rps.toFixed(0)} req/s (p50 ${bareBefore.one.p50.toFixed(1)} ms, p99 ${bareBefore.one.p99.toFixed(1)} ms)`);
    if (bareBefore.two && bareAfter.two) {
      console.log(`  bare Koa ×2 (pg2's read ceiling): two such processes loaded as pg2 is: ${bareBefore.two.rps.toFixed(0)} then ${bareAfter.two.rps.toFixed(0)} req/s`);
    }
    console.log('  Writes are set beside their engine\'s commit ceiling (pg1 and pg2 beside PostgreSQL\'s one-connection rate), reads beside bare Koa.');
    console.log('');
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const fmt = (r: string[]) => r.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(fmt(head));
    for (const r of rows) console.log(fmt(r));
    console.log('');
    console.log('Goals (SQLite): create ≥ 55 % and finalize ≥ 40 % of the durable-commit ceiling; status reads ≥ 40 % of the bare-Koa ceiling.');
    for (const s of setups) console.log(`${s.engine}: finalize ran over ${Math.min(s.next - 1, created[s.engine]!)} of ${created[s.engine]} drafts made by the warm-up and create runs.`);
    if (PROFILE) {
      console.log(`server CPU profiles in ${PROFILE}; the runs, in seconds after the bench started:`);
      for (const ph of phases) console.log(`  ${ph}`);
    }
  } finally {
    await stopAll();
    for (const s of all) for (const d of s.dirs) fs.rmSync(d, { recursive: true, force: true });
    await cluster?.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
