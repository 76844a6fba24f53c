/**
 * API benchmark: the real server (a child process, as `till serve` runs it) on a fresh
 * SQLite file, loaded by autocannon from this process over loopback, each figure beside
 * a ceiling measured in the same run: writes beside the raw durable-commit rate of one
 * SQLite connection on the same disk (WAL, synchronous=FULL, one row per transaction),
 * reads beside Till's Koa app with the same middleware answering a constant body
 * (bench/api-ceiling-server.ts). Each ceiling is measured before and after its figures
 * and averaged. Prints figures; never passes or fails.
 *
 *   npm run bench:api [-- --seconds 10 --connections 32] [--profile <dir>]
 *
 * `--profile <dir>` runs the server under `node --cpu-prof` and leaves its profile there.
 */
import { spawn } from 'node:child_process';
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
import { tillCliArgs, TSX_LOADER } from '../test/helpers/spawn.js';
import { durableCommitCeiling, ratio, type CommitCeiling } from './ceilings.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = opt('seconds', 10);
const CONNECTIONS = opt('connections', 32);
const RATE_LIMIT = 1_000_000;
const PROFILE = args.includes('--profile') ? path.resolve(args[args.indexOf('--profile') + 1]!) : null;

const body = JSON.stringify({
  customer_email: 'alice@example.com', customer_name: 'Alice', customer_company: 'Acme Inc', currency: 'USD', tax_rate: 10,
  lines: [
    { description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' },
    { description: 'Hardware wallet setup', quantity: 2, unit_price: '25.00' },
  ],
  notes: 'Payment due within 30 days',
});

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-'));
  const port = 25000 + Math.floor(Math.random() * 10000);
  const env = {
    PATH: process.env.PATH ?? '',
    TILL_DATA_DIR: dir,
    TILL_PORT: String(port),
    TILL_HOST: '127.0.0.1',
    TILL_RATES_FIXED: 'USD=70862.71',
    TILL_RATE_CURRENCIES: 'USD',
    TILL_API_RATE_LIMIT: String(RATE_LIMIT),
    TILL_QUOTE_DEADLINE_MINUTES: '10080',
  };

  // Set up the key and the wallet the way `till keys create` / `till wallet set` do.
  const config = loadConfig(env, dir);
  const db = openDatabase({ filename: config.databaseFile });
  await migrateLatest(db);
  const { key } = await new ApiKeys(db, Date.now).create('bench', ['admin']);
  const tpub = bip32Api().fromSeed(Buffer.alloc(32, 7), networks.regtest).derivePath("m/84'/1'/0'").neutered().toBase58();
  await new AddressPool('regtest').setWallet(db, `wpkh(${tpub}/0/*)`, 0, Date.now());
  await db.close();

  const prof = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : [];
  const spawnedAt = performance.now();
  const server = spawn(process.execPath, [...prof, ...tillCliArgs('serve')], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const ceilingPort = port + 1;
  const ceilingServer = spawn(process.execPath, ['--import', TSX_LOADER, path.join(import.meta.dirname, 'api-ceiling-server.ts'), config.databaseFile, String(ceilingPort)], {
    env: { ...env, TILL_API_RATE_LIMIT: String(RATE_LIMIT) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  const up = async (u: string) => {
    for (let i = 0; ; i++) {
      try {
        await fetch(u);
        return;
      } catch {
        if (i > 100) throw new Error(`${u} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await up(`${url}/health`);
  await up(`${ceilingUrl}/health`);

  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const rows: string[][] = [];
  const phases: string[] = [];
  const load = async (target: string, o: Partial<autocannon.Options>) => {
    const t0 = (performance.now() - spawnedAt) / 1000;
    const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, headers, ...o, url: target });
    phases.push(`${t0.toFixed(1)}–${((performance.now() - spawnedAt) / 1000).toFixed(1)} s ${target.replace(/^http:\/\/[^/]+/, '')}${target.startsWith(ceilingUrl) ? ' (ceiling server)' : ''}`);
    return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, bad: r.non2xx + r.errors + r.timeouts };
  };
  type Fig = Awaited<ReturnType<typeof load>>;
  const row = (name: string, f: Fig, ceiling: number) =>
    rows.push([name, f.rps.toFixed(0), String(f.p50), String(f.p99), String(f.total), String(f.bad), ceiling.toFixed(0), ratio(f.rps, ceiling)]);
  const commitCeiling = async (): Promise<CommitCeiling> => durableCommitCeiling(dir, Math.min(SECONDS, 5));

  // Warm-up: JIT, caches, SQLite pages, both servers.
  await autocannon({ url: `${url}/api/v1/invoices`, connections: 8, duration: 2, headers, method: 'POST', body });
  await autocannon({ url: `${ceilingUrl}/api/v1/invoices/INV-0001/status`, connections: 8, duration: 2, headers });

  const commitsBefore = await commitCeiling();
  const create = await load(`${url}/api/v1/invoices`, { method: 'POST', body });
  const created = Number((await (await fetch(`${url}/api/v1/invoices?limit=1`, { headers })).json() as { total: number }).total);
  let next = 1;
  const finalize = await load(`${url}/`, {
    requests: [{
      method: 'POST',
      setupRequest: (req) => ({ ...req, path: `/api/v1/invoices/${next <= created ? next++ : created}/finalize` }),
    }],
  });
  const commitsAfter = await commitCeiling();
  const commits = (commitsBefore.perSecond + commitsAfter.perSecond) / 2;
  row('create invoice   POST /api/v1/invoices', create, commits);
  row('finalize         POST /api/v1/invoices/:id/finalize', finalize, commits);

  const first = (await (await fetch(`${url}/api/v1/invoices/INV-0001`, { headers })).json()) as { uuid: string };
  const bareBefore = await load(`${ceilingUrl}/api/v1/invoices/INV-0001/status`, {});
  const v1Status = await load(`${url}/api/v1/invoices/INV-0001/status`, {});
  const checkoutStatus = await load(`${url}/api/checkout/invoices/${first.uuid}/status`, { headers: { 'x-api-key': key } });
  const bareAfter = await load(`${ceilingUrl}/api/v1/invoices/INV-0001/status`, {});
  const bare = (bareBefore.rps + bareAfter.rps) / 2;
  row('get status       GET /api/v1/invoices/:id/status', v1Status, bare);
  row('checkout status  GET /api/checkout/invoices/:id/status', checkoutStatus, bare);

  server.kill('SIGTERM');
  ceilingServer.kill('SIGTERM');
  await Promise.all([new Promise((r) => server.on('exit', r)), new Promise((r) => ceilingServer.on('exit', r))]);
  fs.rmSync(dir, { recursive: true, force: true });

  console.log('');
  console.log(`Till API benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${CONNECTIONS} connections, ${SECONDS} s per run,`);
  console.log(`real server (child process, logging at info) and SQLite (WAL, synchronous=FULL) on ${os.tmpdir()}.`);
  console.log(`The per-key rate limit is raised to ${RATE_LIMIT} requests/min for the run (TILL_API_RATE_LIMIT).`);
  console.log('');
  console.log('Ceilings, each measured before and after its figures (mean):');
  console.log(`  durable commits: one SQLite connection, WAL, synchronous=FULL, one row per transaction: ${commitsBefore.perSecond.toFixed(0)} then ${commitsAfter.perSecond.toFixed(0)} commits/s (commit p50 ${commitsBefore.p50.toFixed(2)} ms, p99 ${commitsBefore.p99.toFixed(2)} ms)`);
  console.log(`  bare Koa: Till's app and API middleware (request id + log line, cached key, rate limit, idempotency) answering a constant body: ${bareBefore.rps.toFixed(0)} then ${bareAfter.rps.toFixed(0)} req/s (p50 ${bareBefore.p50} ms, p99 ${bareBefore.p99} ms)`);
  console.log('');
  const head = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx', 'ceiling/s', 'ratio'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
  console.log('');
  console.log('Goals: create ≥ 55 % and finalize ≥ 40 % of the durable-commit ceiling; status reads ≥ 40 % of the bare-Koa ceiling.');
  console.log(`finalize ran over ${Math.min(next - 1, created)} of ${created} drafts made by the create run.`);
  if (PROFILE) {
    console.log(`server CPU profile in ${PROFILE}; the runs, in seconds after the server was spawned:`);
    for (const ph of phases) console.log(`  ${ph}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
