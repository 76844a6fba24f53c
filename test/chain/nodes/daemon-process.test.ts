import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Daemon, JsonRpcClient } from '../../../regtest/daemon.js';
import { availableNodes } from '../../../regtest/find-nodes.js';
import { findLitecoind } from '../../../regtest/litecoind.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

function runOrphan(binary: string, mode: string): Promise<{ pid: number; datadir: string; code: number | null; signal: string | null }> {
  const script = path.join(import.meta.dirname, 'helpers', 'orphan.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, binary, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) {
        reject(new Error(`orphan printed nothing (code ${code}, signal ${signal}): ${err}`));
        return;
      }
      const { pid, datadir } = JSON.parse(line) as { pid: number; datadir: string };
      resolve({ pid, datadir, code, signal });
    });
  });
}

describe('regtest daemon process [litecoind]', function () {
  this.timeout(60_000);
  let binary: string;

  before(function () {
    const entry = availableNodes().find((n) => n.kind === 'litecoind');
    if (entry?.skipReason !== undefined) {
      console.log(`      skipping: ${entry.skipReason}`);
      this.skip();
    }
    const found = findLitecoind(process.env.PATH);
    if (found === undefined) throw new Error('TILL_TEST_REQUIRE_ALL=1 but litecoind is not on PATH');
    binary = found;
  });

  it('starts on a fresh datadir with RPC up, and close stops it and removes the datadir', async function () {
    const daemon = await Daemon.start({ binary, label: 'lifecycle' });
    const pid = daemon.pid;
    try {
      expect(pid).to.be.a('number');
      expect(fs.existsSync(path.join(daemon.datadir, 'regtest'))).to.equal(true);
      const info = await daemon.rpc.call<{ chain: string; blocks: number }>('getblockchaininfo');
      expect(info).to.include({ chain: 'regtest', blocks: 0 });
      expect(daemon.endpoint.password).to.match(/^[0-9a-f]{36}$/);
      const wrong = new JsonRpcClient({ ...daemon.endpoint, password: 'wrong' });
      expect(String(await wrong.call('getblockcount').then(() => '', (e: unknown) => e))).to.contain('HTTP 401');
    } finally {
      await daemon.close();
    }
    expect(daemon.running).to.equal(false);
    expect(alive(pid ?? -1)).to.equal(false);
    expect(fs.existsSync(daemon.datadir)).to.equal(false);
    const err = await daemon.rpc.call('getblockcount').then(() => undefined, (e: unknown) => e);
    expect((err as { code?: string }).code).to.equal('ECONNREFUSED');
    await daemon.close();
  });

  it('restart keeps the datadir and the ports', async function () {
    const daemon = await Daemon.start({ binary, label: 'restart', extraArgs: ['-keypool=10'] });
    try {
      const before = daemon.pid;
      await daemon.rpc.call('createwallet', ['w']);
      const mined = await daemon.rpc.call<string[]>('generatetoaddress', [2, await daemon.rpc.call<string>('getnewaddress', [], { wallet: 'w' })]);
      await daemon.restart();
      expect(daemon.pid).to.be.a('number').and.not.equal(before);
      expect(await daemon.rpc.call('getbestblockhash')).to.equal(mined[1]);
    } finally {
      await daemon.close();
    }
  });

  for (const mode of ['exit', 'sigterm']) {
    it(`kills the daemon and removes its datadir when the test process dies (${mode})`, async function () {
      const orphan = await runOrphan(binary, mode);
      expect(orphan.code !== 0 || orphan.signal !== null, 'the child failed').to.equal(true);
      expect(await eventually(() => !alive(orphan.pid), 5_000), `litecoind ${orphan.pid} still runs`).to.equal(true);
      expect(fs.existsSync(orphan.datadir)).to.equal(false);
    });
  }
});
