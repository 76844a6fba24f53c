import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSimNode, type SimNode } from '../../regtest/sim-node.js';
import { engineEnv, type TestTill } from '../helpers/till.js';
import { ROOT, TSX_LOADER, tillCliArgs } from '../helpers/spawn.js';
import { btcInvoice, nodeEnv, statusOf, tillOn } from './helpers.js';

/** The CLI in a child process, asynchronously: the node it talks to runs in this process. */
function cli(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, tillCliArgs(...args), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('developer tools on the simulated node', function () {
  this.timeout(60_000);
  let node: SimNode;
  let t: TestTill;
  before(async () => {
    node = await startSimNode();
  });
  after(async () => {
    await t?.stop();
    await node?.close();
  });

  it('till regtest pay and mine move an invoice to paid and confirmed', async () => {
    t = await tillOn(node);
    const inv = await btcInvoice(t, 250_000n);
    // The CLI must find the database Till uses (on PostgreSQL, not a file in the data dir).
    const env = { PATH: process.env.PATH ?? '', TILL_DATA_DIR: t.dir, ...(await engineEnv(t.dir)), ...nodeEnv(node) };
    const pay = await cli(['regtest', 'pay', inv.number], env);
    expect(pay.status, pay.stderr).to.equal(0);
    expect(pay.stdout).to.contain(`Sent 0.00250000 BTC to ${inv.address}`);
    await statusOf(t, inv.ref, 'paid');
    const mine = await cli(['regtest', 'mine', '2'], env);
    expect(mine.status, mine.stderr).to.equal(0);
    expect(mine.stdout).to.match(/Mined 2 blocks/);
    // Both blocks reach Till, one message each: wait for the second, not only for "confirmed".
    const done = await statusOf(t, inv.ref, 'confirmed', (i) => i.payments[0].confirmations === 2);
    expect(done.btc_paid).to.equal('0.00250000');

    const main = await cli(['regtest', 'mine'], { ...env, TILL_CHAIN: 'main' });
    expect(main.status).to.equal(1);
    expect(main.stderr.trim()).to.equal('till regtest works on regtest only; TILL_CHAIN is main');
  });

  it('npm run demo starts the simulated node and Till and prints the walkthrough', async () => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'regtest/demo.ts')], {
      cwd: (await import('node:os')).tmpdir(),
      env: { PATH: process.env.PATH ?? '', TILL_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 200 && !out.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).to.contain('Till is running on http://localhost:');
      expect(out).to.match(/export TILL_KEY=till_\w+/);
      expect(out).to.contain('npx till regtest pay INV-0001');
      const port = /localhost:(\d+)/.exec(out)![1];
      const key = /TILL_KEY=(till_\w+)/.exec(out)![1];
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/rates`, { headers: { Authorization: `Bearer ${key}` } });
      expect(res.status).to.equal(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((r) => child.on('exit', r))).to.equal(0);
  });
});
