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
  fs.mkdirSync(data);
  if (user) execFileSync('chown', ['-R', `${user}:`, dir]);
  const port = await freePort();
  asUser(user, path.join(bin, 'initdb'), ['-D', data, '-U', 'till', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  // A test run creates hundreds of databases, each written whole to the WAL: a small
  // max_wal_size recycles it instead of keeping a gigabyte of it.
  const fast = opts.durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=96MB -c min_wal_size=32MB';
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast}`;
  asUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start', '-o', options]);
  asUser(user, path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'till', 'till']);
  let stopped = false;
  return {
    url: `postgres://till@127.0.0.1:${port}/till`,
    port,
    pause: () => asUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']),
    resume: () => asUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start', '-o', options]),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        asUser(user, path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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

/** Names the run's one cluster to the test processes (test/global-postgres.ts sets it). */
export const SHARED_CLUSTER_ENV = 'TILL_TEST_PG_URL';

let shared: Promise<{ url: string }> | null = null;
let databases = 0;

/**
 * The cluster this test process makes its databases in. Under mocha's config (npm test,
 * both passes) the main process started one for the whole run, so parallel workers, which
 * mocha may kill before their exit handlers finish, own nothing on disk. A file run on its
 * own (`--no-config`) starts one here and stops it when the process exits.
 */
export function sharedPostgres(): Promise<{ url: string }> {
  if (!shared) {
    const url = process.env[SHARED_CLUSTER_ENV];
    if (url) {
      shared = Promise.resolve({ url });
    } else {
      const started = startPostgres();
      started.then((c) => process.once('exit', () => void c.stop()), () => {});
      shared = started;
    }
  }
  return shared;
}

/**
 * A fresh, empty database in this process's cluster: its URL. `dir` keeps the name, so a
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
