/**
 * API benchmark: the real server (a child process, as `till serve` runs it) on a fresh
 * SQLite file, loaded by autocannon from this process over loopback. Prints figures;
 * never passes or fails.
 *
 *   npm run bench:api [-- --seconds 10 --connections 32]
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
import { tillCliArgs } from '../test/helpers/spawn.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const SECONDS = opt('seconds', 10);
const CONNECTIONS = opt('connections', 32);
const RATE_LIMIT = 1_000_000;

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

  const server = spawn(process.execPath, tillCliArgs('serve'), {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/health`);
      break;
    } catch {
      if (i > 100) throw new Error('server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const rows: string[][] = [];
  const run = async (name: string, p: string, o: Partial<autocannon.Options>) => {
    const r = await autocannon({ connections: CONNECTIONS, duration: SECONDS, headers, ...o, url: url + p });
    const non2xx = r.non2xx + r.errors + r.timeouts;
    rows.push([
      name,
      r.requests.average.toFixed(0),
      String(r.latency.p50),
      String(r.latency.p99),
      String(r.requests.total),
      String(non2xx),
    ]);
    return r;
  };

  // Warm-up: JIT, caches, SQLite pages.
  await autocannon({ url: `${url}/api/v1/invoices`, connections: 8, duration: 2, headers, method: 'POST', body });

  await run('create invoice   POST /api/v1/invoices', '/api/v1/invoices', { method: 'POST', body });
  const created = Number((await (await fetch(`${url}/api/v1/invoices?limit=1`, { headers })).json() as { total: number }).total);

  let next = 1;
  await run('finalize         POST /api/v1/invoices/:id/finalize', '/', {
    requests: [{
      method: 'POST',
      setupRequest: (req) => ({ ...req, path: `/api/v1/invoices/${next <= created ? next++ : created}/finalize` }),
    }],
  });
  await run('get status       GET /api/v1/invoices/:id/status', '/api/v1/invoices/INV-0001/status', { method: 'GET' });

  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  fs.rmSync(dir, { recursive: true, force: true });

  console.log('');
  console.log(`Till API benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), ${CONNECTIONS} connections, ${SECONDS} s per endpoint,`);
  console.log(`real server (child process, logging at info) and SQLite (WAL, synchronous=FULL) on ${os.tmpdir()}.`);
  console.log(`The per-key rate limit is raised to ${RATE_LIMIT} requests/min for the run (TILL_API_RATE_LIMIT).`);
  console.log('');
  const head = ['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'non-2xx'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(fmt(head));
  for (const r of rows) console.log(fmt(r));
  console.log('');
  console.log(`finalize ran over ${Math.min(next - 1, created)} of ${created} drafts made by the create run.`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
