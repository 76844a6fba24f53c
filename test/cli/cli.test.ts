import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEED_INVOICE, testTpub } from '../helpers/till.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { freePort } from '../../regtest/daemon.js';


function till(dir: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, tillCliArgs(...args), {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('till CLI', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-cli-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and revokes API keys; the secret is printed once and never stored', () => {
    const created = till(dir, ['keys', 'create', 'woocommerce', '--scopes', 'invoices:read,invoices:write']);
    expect(created.code, created.err).to.equal(0);
    const key = /(till_[1-9A-HJ-NP-Za-km-z]+)/.exec(created.out)?.[1];
    expect(key).to.be.a('string');
    const db = fs.readFileSync(path.join(dir, 'data/till.sqlite'));
    expect(db.includes(Buffer.from(key!))).to.equal(false);

    const list = till(dir, ['keys', 'list']);
    expect(list.out).to.contain('woocommerce').and.contain('invoices:read, invoices:write').and.contain('active');
    expect(list.out).to.not.contain(key!);

    const revoked = till(dir, ['keys', 'revoke', '1']);
    expect(revoked.code).to.equal(0);
    expect(till(dir, ['keys', 'list']).out).to.contain('revoked');
    expect(till(dir, ['keys', 'revoke', '1']).code).to.equal(1);
    const badScope = till(dir, ['keys', 'create', 'x', '--scopes', 'everything']);
    expect(badScope.code).to.equal(1);
    expect(badScope.err.trim()).to.match(/^Unknown scope "everything"/);
  });

  it('sets a wallet, shows its first addresses, and refuses a key of another network', () => {
    const set = till(dir, ['wallet', 'set', `wpkh(${testTpub()}/0/*)`, '--count', '3']);
    expect(set.code, set.err).to.equal(0);
    expect(set.out).to.match(/Wallet #1 on regtest \(p2wpkh\)/);
    expect(set.out.match(/bcrt1q\w+/g)).to.have.length(3);
    expect(set.out).to.contain('dedicated to Till');
    const show = till(dir, ['wallet', 'show', '--count', '3']);
    expect(show.out.match(/bcrt1q\w+/g)).to.deep.equal(set.out.match(/bcrt1q\w+/g));

    const skip = till(dir, ['wallet', 'set', `wpkh(${testTpub()}/0/*)`, '--first-index', '10', '--count', '1']);
    expect(skip.out).to.match(/\n\s+10\s+bcrt1q/);

    // The BIP84 test vector's zpub is a mainnet key.
    const zpub = 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';
    const wrong = till(dir, ['wallet', 'set', zpub]);
    expect(wrong.code).to.equal(1);
    expect(wrong.err.trim().split('\n')).to.have.length(1);
    expect(wrong.err).to.match(/mainnet/i);
    const ok = till(dir, ['wallet', 'set', zpub], { TILL_CHAIN: 'main' });
    expect(ok.out).to.contain('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
  });

  it('exits 1 with one line naming the setting when the config is bad', () => {
    const r = till(dir, ['migrate'], { TILL_PORT: 'fivethousand' });
    expect(r.code).to.equal(1);
    expect(r.err.trim()).to.equal('config: TILL_PORT must be a whole number (got "fivethousand")');
  });

  it('serves on the configured port, answers the seed example, and stops cleanly on SIGTERM', async () => {
    const key = /(till_\w+)/.exec(till(dir, ['keys', 'create', 'shop']).out)![1]!;
    const port = await freePort();
    const child = spawn(process.execPath, tillCliArgs('start'), {
      cwd: dir,
      env: { PATH: process.env.PATH, TILL_PORT: String(port), TILL_HOST: '127.0.0.1', TILL_RATES_FIXED: 'USD=70000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    try {
      for (let i = 0; i < 100 && !logs.includes('Till is listening'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(logs).to.contain('Till is listening');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/invoices`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(SEED_INVOICE),
      });
      expect(res.status).to.equal(201);
      expect(await res.json()).to.include({ invoice_number: 'INV-0001', total: '220.00', status: 'draft' });
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).to.equal(0);
    expect(logs).to.not.contain(key);
    expect(logs).to.contain('"path":"/api/v1/invoices","status":201');
  });
});
