/**
 * A throwaway PostgreSQL cluster for tests: Debian's `postgresql` binaries, `initdb` into
 * a temporary directory as an unprivileged user (the `postgres` user when the tests run
 * as root, as CI does), `pg_ctl` on a free loopback port, removed after. Absent binaries
 * skip the suites with the reason, or fail them under TILL_TEST_REQUIRE_ALL=1 (CI).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The newest PostgreSQL server binaries Debian installed, or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb')) && fs.existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return null;
}

/** A loopback TCP port nothing listens on now (a server, a cluster or a test process takes it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PgCluster {
  /** postgres://till@127.0.0.1:<port>/till */
  url: string;
  port: number;
  /** Stops the server only (an outage): `resume` starts it again on the same port and data. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  /** `stop`, done before it returns: for exit handlers and signals, where nothing is awaited. */
  stopNow(): void;
}

/** Runs a server binary as `user` (root cannot run initdb or postgres). */
function asUser(user: string | null, cmd: string, args: string[]): void {
  const [file, argv] = user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export interface StartOptions {
  /**
   * Leave fsync, synchronous_commit and full_page_writes at PostgreSQL's defaults (on), so
   * a commit waits for its WAL flush (benchmarks). Without it the cluster trades
   * durability for speed, which tests do not need.
   */
  durable?: boolean;
}

export async function startPostgres(opts: StartOptions = {}): Promise<PgCluster> {
  const bin = postgresBin();
  if (!bin) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  const user = process.getuid?.() === 0 ? 'postgres' : null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-pg-'));
  const data = path.join(dir, 'data');
  const ctl = (...args: string[]) => asUser(user, path.join(bin, 'pg_ctl'), ['-D', data, ...args]);
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    try {
      // Immediate: the data goes next. Nothing to stop if the server never started.
      if (fs.existsSync(path.join(data, 'postmaster.pid'))) ctl('-m', 'immediate', '-w', 'stop');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    fs.mkdirSync(data);
    if (user) execFileSync('chown', ['-R', `${user}:`, dir]);
    const port = await freePort();
    asUser(user, path.join(bin, 'initdb'), ['-D', data, '-U', 'till', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // A test run creates hundreds of databases, each written whole to the WAL: a small
    // max_wal_size recycles it instead of keeping a gigabyte of it. Three workers' Tills
    // (pools, leases, listeners) share the run's one cluster.
    const fast = opts.durable
      ? ''
      : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=96MB -c min_wal_size=32MB -c max_connections=300';
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast}`;
    const start = () => ctl('-l', path.join(dir, 'log'), '-w', '-t', '30', 'start', '-o', options);
    start();
    asUser(user, path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'till', 'till']);
    return {
      url: `postgres://till@127.0.0.1:${port}/till`,
      port,
      pause: () => ctl('-m', 'fast', '-w', 'stop'),
      resume: start,
      stop: async () => stopNow(),
      stopNow,
    };
  } catch (err) {
    // A half-started cluster (pg_ctl timed out, createdb failed) is not left running.
    stopNow();
    throw err;
  }
}

/**
 * Defines `body`'s suites when PostgreSQL is here; without it prints why they are
 * skipped — or, under TILL_TEST_REQUIRE_ALL=1 (CI), defines one failing test instead.
 */
export function withPostgres(title: string, body: () => void): void {
  if (postgresBin()) {
    body();
  } else if (process.env.TILL_TEST_REQUIRE_ALL !== '1') {
    console.log(`      skipping "${title}": no PostgreSQL server binaries (apt-get install postgresql)`);
  } else {
    describe(title, () => {
      it('needs PostgreSQL (TILL_TEST_REQUIRE_ALL=1)', () => {
        throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql: apt-get install postgresql');
      });
    });
  }
}

/**
 * The suites' one switch: TILL_TEST_ENGINE=postgres runs the same tests on PostgreSQL
 * (npm test runs the API, chain and notify suites a second time so).
 */
export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.TILL_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * Names the run's one cluster to the test processes: its URL, or `failed: <why>` when it
 * could not start (test/global-postgres.ts sets it).
 */
export const SHARED_CLUSTER_ENV = 'TILL_TEST_PG_URL';
const FAILED = 'failed: ';

let shared: Promise<{ url: string }> | null = null;
let databases = 0;

/**
 * The cluster this test process makes its databases in. Under test/global-postgres.ts
 * (npm test loads it in both passes) mocha's main process started one for the whole run,
 * so parallel workers, which mocha may kill before their exit handlers finish, own nothing
 * on disk. A file run without it, serially, starts one here and stops it at exit.
 */
export function sharedPostgres(): Promise<{ url: string }> {
  if (!shared) {
    const named = process.env[SHARED_CLUSTER_ENV];
    if (named?.startsWith(FAILED)) {
      shared = Promise.reject(new Error(`the run's PostgreSQL cluster did not start: ${named.slice(FAILED.length)}`));
    } else if (named) {
      shared = Promise.resolve({ url: named });
    } else {
      const started = startPostgres();
      started.then((c) => process.once('exit', () => c.stopNow()), () => {});
      shared = started;
    }
  }
  return shared;
}

/** What a test process is told when the run's cluster failed to start. */
export function failedClusterNote(why: string): string {
  return FAILED + why.replace(/\s+/g, ' ').slice(0, 500);
}

/**
 * A fresh, empty database in the run's cluster: its URL. `dir` keeps the name, so a
 * Till restarted on the same data dir finds the same database again.
 */
export async function testDatabaseUrl(dir: string): Promise<string> {
  const cluster = await sharedPostgres();
  const marker = path.join(dir, 'postgres-database');
  if (fs.existsSync(marker)) return fs.readFileSync(marker, 'utf8');
  // Not the pid alone: the run's one cluster outlives its workers, and a pid comes back.
  const name = `till_${process.pid}_${randomBytes(4).toString('hex')}_${++databases}`;
  const admin = new (await import('pg')).default.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = cluster.url.replace(/\/till$/, `/${name}`);
  fs.writeFileSync(marker, url);
  return url;
}
