import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { networks } from 'bitcoinjs-lib';
import { loadConfig } from '../../src/config/load.js';
import { createTill, type Till } from '../../src/main.js';
import { createLogger, type Logger } from '../../src/log.js';
import { createFixedRateProvider } from '../../src/rates/index.js';
import type { RateProvider } from '../../src/rates/index.js';
import { bip32Api } from '../../src/wallet/ecc.js';
import type { Scope } from '../../src/api/keys.js';
import type { Resolver } from '../../src/net/ssrf/index.js';
import { testDatabaseUrl, testEngine } from './postgres.js';

/** A tpub for regtest tests, from a fixed seed: m/84'/1'/0'. */
export function testTpub(seed: number | Buffer = 1): string {
  const root = bip32Api().fromSeed(typeof seed === 'number' ? Buffer.alloc(32, seed) : seed, networks.regtest);
  return root.derivePath("m/84'/1'/0'").neutered().toBase58();
}

export interface Clock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function testClock(start = Date.UTC(2026, 2, 13, 18, 0, 0)): Clock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** Real time that a test can move forward (chain tests: the node and ZMQ run in real time). */
export function realClock(): Clock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms), set: (ms) => void (offset = ms - Date.now()) };
}

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestTill {
  till: Till;
  url: string;
  dir: string;
  clock: Clock;
  /** An API key with every scope. */
  key: string;
  newKey(scopes: Scope[], name?: string): Promise<string>;
  request<T = any>(method: string, p: string, opts?: { body?: unknown; raw?: string | Buffer; key?: string | null; headers?: Record<string, string> }): Promise<Response<T>>;
  count(table: string): Promise<number>;
  setWallet(key?: string): Promise<void>;
  /** Stops Till and removes its data. */
  stop(): Promise<void>;
  /** Stops Till as a crash-free shutdown would, keeping its data for `startTill({ dir })`. */
  close(): Promise<void>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** Follow a node (chain tests); API tests run without one. */
  followChain?: boolean;
  /** Run the notification worker (notify tests). */
  notify?: boolean;
  /** DNS for webhook targets; by default every name resolves to a documentation-free public address. */
  resolve?: Resolver;
  rateProviders?: RateProvider[];
  clock?: Clock;
  /** An existing data dir (a restart): its database, wallet and tip are kept. */
  dir?: string;
  /** The logger Till writes to (default: silent, or TILL_TEST_LOG's level). */
  log?: Logger;
}

/**
 * The environment that points a Till at the test engine's database for data dir `dir`:
 * a CLI or server run in a child process needs it to see the same rows (empty on SQLite,
 * where the data dir names the file).
 */
export async function engineEnv(dir: string): Promise<Record<string, string>> {
  return testEngine() === 'postgres' ? { TILL_DATABASE_URL: await testDatabaseUrl(dir) } : {};
}

/** Starts the real Till: a temp data dir with a real SQLite file, the real HTTP server on a free port. */
export async function startTill(opts: StartOptions = {}): Promise<TestTill> {
  if (opts.dir) return startIn(opts.dir, opts);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-test-'));
  try {
    return await startIn(dir, opts);
  } catch (err) {
    // A start that failed leaves nothing behind (startIn closed what it opened).
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function startIn(dir: string, opts: StartOptions): Promise<TestTill> {
  const clock = opts.clock ?? testClock();
  const config = loadConfig({
    // A test that names the database keeps it; one that names the data dir in env (a
    // restart) gets that dir's database, as on SQLite.
    ...(opts.env?.TILL_DATABASE_URL ? {} : await engineEnv(opts.env?.TILL_DATA_DIR ?? dir)),
    TILL_DATA_DIR: dir,
    TILL_PORT: '0',
    TILL_HOST: '127.0.0.1',
    TILL_LOG_LEVEL: 'silent',
    TILL_RATE_CURRENCIES: 'USD,EUR,JPY,BHD',
    ...opts.env,
  }, dir);
  const till = await createTill({
    config,
    now: clock.now,
    log: opts.log ?? createLogger(process.env.TILL_TEST_LOG ?? 'silent'),
    followChain: opts.followChain ?? false,
    notify: opts.notify ?? false,
    // No test reaches the internet: names resolve here, and nothing is sent unless a test
    // starts the worker against its own loopback receiver.
    resolve: opts.resolve ?? (async () => [{ address: '93.184.215.14', family: 4 }]),
    rateProviders: opts.rateProviders ?? [
      createFixedRateProvider('USD=70862.71,EUR=61919.68,JPY=10500000,BHD=26700.125'),
    ],
  });
  let port: number;
  let key: string;
  try {
    port = await till.listen();
    ({ key } = await till.services.keys.create('test', ['admin']));
  } catch (err) {
    await till.close();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;

  const request: TestTill['request'] = async (method, p, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const k = o.key === undefined ? key : o.key;
    if (k !== null) headers.Authorization = `Bearer ${k}`;
    let body: string | Buffer | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(url + p, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as any, text };
  };

  return {
    till,
    url,
    dir,
    clock,
    key,
    newKey: async (scopes, name = 'scoped') => (await till.services.keys.create(name, scopes)).key,
    request,
    count: async (table) => {
      const [row] = (await till.db.read(table).count({ n: '*' })) as [{ n: number }];
      return Number(row.n);
    },
    setWallet: async (k = testTpub()) => {
      await till.services.pool.setWallet(till.db, `wpkh(${k}/0/*)`, 0, clock.now());
    },
    stop: async () => {
      await till.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    close: () => till.close(),
  };
}

/** The seed's curl example body, exactly. */
export const SEED_INVOICE = {
  customer_email: 'alice@example.com',
  customer_name: 'Alice',
  customer_company: 'Acme Inc',
  currency: 'USD',
  tax_rate: 10,
  lines: [
    { description: 'Consulting (1 hour)', quantity: 1, unit_price: '150.00' },
    { description: 'Hardware wallet setup', quantity: 2, unit_price: '25.00' },
  ],
  notes: 'Payment due within 30 days',
};

/**
 * A finalized BTC invoice made through the API, and the id of its address: what a test
 * hands PaymentService as the chain watcher would.
 */
export async function payableInvoice(t: TestTill, unitPrice = '0.001'): Promise<{ ref: string; addressId: number }> {
  const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: unitPrice }] } });
  if (c.status !== 201) throw new Error(`create: ${c.status} ${c.text}`);
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  if (f.status !== 200) throw new Error(`finalize: ${f.status} ${f.text}`);
  const row = await t.till.db.read('addresses').where({ address: f.body.payment_address }).first();
  return { ref: c.body.ref, addressId: Number(row.id) };
}
