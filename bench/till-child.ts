/**
 * For bench/chain.ts: Till as `npm start` runs it (compiled, package.json's own command
 * and node flags), in a process of its own, so what it costs is measured apart from the
 * benchmark's process and its heap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createTill } from '../src/main.js';
import { createLogger } from '../src/log.js';
import { createFixedRateProvider } from '../src/rates/index.js';
import type { RegtestNode } from '../regtest/node.js';
import { testTpub } from '../test/helpers/till.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

let built = false;

/** Compiles once per run (npm start runs dist/), unless the run says --no-build. */
export async function ensureBuilt(skip: boolean): Promise<void> {
  if (built || skip) return;
  const build = spawn('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const code = await new Promise<number | null>((r) => build.on('exit', r));
  if (code !== 0) throw new Error(`tsc -p tsconfig.build.json exited ${code}`);
  built = true;
}

/** `npm start`'s command, split: node's flags, then the script and its arguments. */
export function startCommand(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');
  if (start[0] !== 'node') throw new Error(`npm start runs ${start[0]}, not node: measure it by hand`);
  return start;
}

/** The node flags of `npm start` (for a process measured beside Till). */
export function startNodeFlags(): string[] {
  const start = startCommand().slice(1);
  return start.slice(0, start.findIndex((a) => !a.startsWith('--')));
}

/** A Till child's environment: its data in `dir`, following `node`, rawtx from `rawtx`. */
export function childEnv(node: RegtestNode, dir: string, rawtx: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '', TILL_DATA_DIR: dir, TILL_PORT: '0', TILL_HOST: '127.0.0.1', TILL_CHAIN: 'regtest',
    TILL_RPC_HOST: node.rpc.host, TILL_RPC_PORT: String(node.rpc.port), TILL_RPC_USER: node.rpc.user, TILL_RPC_PASSWORD: node.rpc.password,
    TILL_ZMQ_RAWTX: rawtx, TILL_ZMQ_RAWBLOCK: node.zmq.rawblock ?? '', TILL_ZMQ_SEQUENCE: node.zmq.sequence ?? '',
    TILL_LOG_LEVEL: 'warn',
  };
}

/** A fresh data directory whose database holds `n` issued addresses (all watched from the start). */
export async function seedWatched(env: Record<string, string>, n: number): Promise<void> {
  const dir = env.TILL_DATA_DIR!;
  const till = await createTill({ config: loadConfig(env, dir), log: createLogger('warn'), followChain: false, notify: false, rateProviders: [createFixedRateProvider('USD=70000')] });
  await till.services.pool.setWallet(till.db, `wpkh(${testTpub(randomBytes(32))}/0/*)`, 0, Date.now());
  const wallet = await till.db.read('wallets').where({ active: true }).first();
  for (let start = 0; start < n; start += 1000) {
    await till.db.write.transaction(async (trx) => {
      const rowsIn = [];
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        rowsIn.push({ wallet_id: wallet.id, derivation_index: 1_000_000 + i, address: `bcrt1rss${i}`, script_hex: `0014${randomBytes(20).toString('hex')}`, state: 'used', created_at: Date.now() });
      }
      await trx.batchInsert('addresses', rowsIn, 500);
    });
  }
  await till.close();
}

export interface TillChild {
  proc: ChildProcess;
  url: string;
  /** performance.now() of this process when the child was spawned (a --cpu-prof profile's zero, near enough). */
  spawnedAt: number;
  health(): Promise<Record<string, unknown>>;
  /**
   * Resolves once Till is healthy, done with its start-up catch-up, and quiet (at most one
   * 10 ms clock tick of CPU in half a second), so what is measured next is not the tail of
   * its start; false if it was not within about 25 s.
   */
  settled(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts `npm start`'s command with `env` (and `extraFlags` for node); resolves once it says it listens. */
export async function startTillChild(env: Record<string, string>, extraFlags: string[] = []): Promise<TillChild> {
  const start = startCommand();
  const spawnedAt = performance.now();
  const proc = spawn(process.execPath, [...extraFlags, ...start.slice(1)], { cwd: ROOT, env: { ...env, TILL_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => {
    // Only until it listens: a log kept growing would be this process's memory, not Till's.
    if (!out.includes('Till is listening')) out += d.toString();
  });
  let port: number | null = null;
  for (let i = 0; i < 300 && port === null; i++) {
    const line = out.split('\n').find((l) => l.includes('Till is listening'));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else await new Promise((r) => setTimeout(r, 100));
  }
  if (port === null) {
    proc.kill('SIGKILL');
    throw new Error(`Till did not start:\n${out.slice(-2000)}`);
  }
  const url = `http://127.0.0.1:${port}`;
  const health = async () => (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
  return {
    proc,
    url,
    spawnedAt,
    health,
    settled: async () => {
      let healthy = false;
      for (let i = 0; i < 100 && !healthy; i++) {
        const h = await health();
        healthy = h.ok === true && h.catch_up === null && h.mempool_loading === false;
        if (!healthy) await new Promise((r) => setTimeout(r, 100));
      }
      if (!healthy) return false;
      for (let i = 0; i < 30; i++) {
        const cpu0 = cpuSeconds(proc.pid!);
        await new Promise((r) => setTimeout(r, 500));
        if (cpuSeconds(proc.pid!) - cpu0 < 0.015) return true;
      }
      return false;
    },
    stop: async () => {
      proc.kill('SIGTERM');
      if (proc.exitCode === null) await new Promise((r) => proc.on('exit', r));
    },
  };
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command (which may hold spaces) in parentheses; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Linux's USER_HZ: /proc counts CPU time in hundredths of a second (amd64 and arm64 alike). */
const CLOCK_TICKS = 100;

/** Resident memory now and at its peak, MB. */
export function rssOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
