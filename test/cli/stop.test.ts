/**
 * `till start` stopped by SIGTERM, as `docker stop` and the app stores do: it answers
 * the request it had begun, closes the kept-alive connection and exits 0 within
 * seconds; when a webhook being sent holds it past STOP_LIMIT_MS it exits anyway, 1,
 * and says why.
 */
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../regtest/daemon.js';
import { STOP_LIMIT_MS } from '../../src/cli/serve.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { holdRequest } from '../helpers/held-request.js';
import { receiver } from '../notify/helpers.js';
import { waitFor } from '../helpers/wait.js';

const INVOICE = { currency: 'USD', lines: [{ description: 'Tea', quantity: 1, unit_price: '4.50' }] };

function keyIn(dir: string): string {
  const r = spawnSync(process.execPath, tillCliArgs('keys', 'create', 'shop'), { cwd: dir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return /(till_\w+)/.exec(r.stdout)![1]!;
}

async function start(dir: string, env: Record<string, string>): Promise<{ child: ChildProcess; port: number; logs: () => string; exit: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, tillCliArgs('start'), {
    cwd: dir,
    env: { PATH: process.env.PATH, TILL_PORT: String(port), TILL_HOST: '127.0.0.1', TILL_RATES_FIXED: 'USD=70000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const exit = new Promise<number | null>((r) => child.on('exit', r));
  await waitFor(() => logs.includes('Till is listening'), 'Till is listening', 20_000);
  return { child, port, logs: () => logs, exit };
}

describe('till start stopped by SIGTERM', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-stop-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the request it had begun, lets its kept-alive connection go and exits 0 within seconds', async () => {
    const key = keyIn(dir);
    const till = await start(dir, {});
    child = till.child;
    const held = await holdRequest(till.port, key, INVOICE);
    const t0 = Date.now();
    till.child.kill('SIGTERM');
    await waitFor(() => till.logs().includes('shutting down'), 'the stop began');
    held.finish();
    const code = await till.exit;
    const ms = Date.now() - t0;
    await held.gone;
    expect(held.answer(), 'answered before the connection closed').to.match(/^HTTP\/1\.1 201 /);
    expect(code, till.logs()).to.equal(0);
    expect(ms, `exit took ${ms} ms`).to.be.below(5_000);
  });

  it('exits 1 after STOP_LIMIT_MS, saying why, when a webhook being sent holds the stop', async function () {
    this.timeout(STOP_LIMIT_MS + 40_000);
    const hook = await receiver(() => new Promise<number>(() => undefined));
    try {
      const key = keyIn(dir);
      const till = await start(dir, { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_WEBHOOK_TIMEOUT_MS: '120000' });
      child = till.child;
      const api = (p: string, body: unknown) => fetch(`http://127.0.0.1:${till.port}${p}`, {
        method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      expect((await api('/api/v1/webhooks', { url: hook.url })).status).to.equal(201);
      expect((await api('/api/v1/invoices', INVOICE)).status).to.equal(201);
      await waitFor(() => hook.got.length > 0, 'the webhook is being sent');
      const t0 = Date.now();
      till.child.kill('SIGTERM');
      const code = await till.exit;
      const ms = Date.now() - t0;
      expect(code).to.equal(1);
      expect(ms).to.be.within(STOP_LIMIT_MS - 500, STOP_LIMIT_MS + 10_000);
      expect(till.logs()).to.match(/still stopping: exiting now/);
    } finally {
      await hook.close();
    }
  });
});
