import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startSimNode, type SimNode } from '../../regtest/sim-node.js';
import { runConfigCheck } from '../../src/cli/config-check.js';
import { knownVariables, loadConfig, resolveConfig, unknownVariables } from '../../src/config/load.js';
import { nodeEnv } from '../chain/helpers.js';
import { tillCliArgs } from '../helpers/spawn.js';

/** A TCP port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function check(env: Record<string, string>, cwd: string, zmqWaitMs = 3000): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runConfigCheck({ env, cwd, out: (l) => lines.push(l), zmqWaitMs, timeoutMs: 3000 });
  return { code, lines };
}

const line = (lines: string[], name: string) => lines.find((l) => new RegExp(`^\\s+(ok|FAIL|--)\\s+${name}\\s`).test(l));

describe('till config check', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-cfg-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('unknown TILL_* variables', () => {
    it('names a typo with the nearest real setting', () => {
      const found = unknownVariables({ TILL_CONFIRMATION: '3', TILL_RPC_PASWORD: 'x', TILL_PORT: '1', PATH: '/bin' }, dir);
      expect(found.map((u) => [u.name, u.nearest])).to.deep.equal([
        ['TILL_CONFIRMATION', 'TILL_CONFIRMATIONS'],
        ['TILL_RPC_PASWORD', 'TILL_RPC_PASSWORD'],
      ]);
    });

    it('knows every setting, its _FILE form and TILL_CONFIG_FILE; leaves the test suite\'s TILL_TEST_* alone', () => {
      const env = Object.fromEntries(knownVariables().map((k) => [k, 'x']));
      expect(unknownVariables({ ...env, TILL_TEST_REQUIRE_ALL: '1', TILL_CONFIG_FILE: undefined as unknown as string }, dir)).to.deep.equal([]);
      expect(knownVariables()).to.include.members(['TILL_RPC_PASSWORD_FILE', 'TILL_SMTP_URL_FILE', 'TILL_UI_AUTH', 'TILL_TRUST_PROXY']);
      // Merchant UI sessions are server-side: no signing key to set.
      expect(knownVariables()).to.not.include.members(['TILL_SESSION_SECRET']);
    });

    it('looks in TILL_CONFIG_FILE too', () => {
      fs.writeFileSync(path.join(dir, 'till.json'), JSON.stringify({ TILL_GRACE_MINUTE: 5 }));
      const [u] = unknownVariables({ TILL_CONFIG_FILE: 'till.json' }, dir);
      expect(u).to.deep.include({ name: 'TILL_GRACE_MINUTE', nearest: 'TILL_GRACE_MINUTES', where: 'config file' });
    });

    it('the CLI warns first, then goes on with the real settings', async () => {
      const { lines } = await check({ TILL_CONFIRMATION: '3', TILL_RATES_FIXED: 'USD=70000', TILL_ZMQ_MODE: 'off', TILL_RPC_PORT: String(await deadPort()) }, dir);
      expect(lines[0]).to.equal('warning: TILL_CONFIRMATION is not a Till setting and is ignored — did you mean TILL_CONFIRMATIONS?');
      expect(lines.find((l) => l.includes('TILL_CONFIRMATIONS '))).to.match(/TILL_CONFIRMATIONS\s+1\s+\[default\]/);
    });
  });

  describe('settings', () => {
    it('hides secrets and says where each value came from: env, a _FILE, the config file, Umbrel, the default', async () => {
      fs.writeFileSync(path.join(dir, 'rpc-pass'), 'file-secret-123\n');
      fs.writeFileSync(path.join(dir, 'till.json'), JSON.stringify({ TILL_SHOP_NAME: 'Corner Shop' }));
      const env = {
        TILL_RPC_PASSWORD_FILE: 'rpc-pass',
        TILL_SMTP_URL: 'smtp://me:smtp-secret-456@127.0.0.1:1',
        TILL_CONFIG_FILE: 'till.json',
        APP_BITCOIN_NODE_IP: '127.0.0.1',
        APP_BITCOIN_RPC_PORT: String(await deadPort()),
        TILL_ZMQ_MODE: 'off',
        TILL_RATES_FIXED: 'USD=70000',
      };
      const { lines } = await check(env, dir);
      const text = lines.join('\n');
      for (const secret of ['file-secret-123', 'smtp-secret-456']) expect(text).to.not.contain(secret);
      expect(line(lines, 'SMTP')).to.not.contain('smtp-secret-456');
      const setting = (name: string) => lines.find((l) => l.startsWith(`  ${name} `))!;
      expect(setting('TILL_RPC_PASSWORD')).to.match(/\(hidden\)\s+\[file \(TILL_RPC_PASSWORD_FILE\)\]$/);
      expect(setting('TILL_SMTP_URL')).to.match(/\(hidden\)\s+\[env\]$/);
      expect(setting('TILL_RPC_HOST')).to.match(/127\.0\.0\.1\s+\[umbrel \(APP_BITCOIN_NODE_IP\)\]$/);
      expect(setting('TILL_SHOP_NAME')).to.match(/Corner Shop\s+\[config file \(TILL_CONFIG_FILE\)\]$/);
      expect(setting('TILL_CONFIRMATIONS')).to.match(/\[default\]$/);
    });

    it('a bad value is one FAIL line naming the setting, exit 1; Till itself still refuses to start with it', async () => {
      const { code, lines } = await check({ TILL_UI_AUTH: 'none', TILL_ZMQ_MODE: 'off', TILL_RATES_FIXED: 'USD=70000', TILL_RPC_PORT: String(await deadPort()), TILL_DATA_DIR: dir }, dir);
      expect(code).to.equal(1);
      expect(lines.filter((l) => /^\s+FAIL\s+settings\s/.test(l))).to.deep.equal([
        '  FAIL  settings  config: TILL_UI_AUTH must be one of password, proxy (got "none")',
      ]);
      expect(() => loadConfig({ TILL_UI_AUTH: 'none' }, dir)).to.throw('config: TILL_UI_AUTH must be one of password, proxy (got "none")');
    });

    it('one bad setting (an SMTP URL with a space) still shows the others and runs the node, database and rate checks, one line each', async () => {
      const port = await deadPort();
      const env = { TILL_SMTP_URL: 'smtp://user:pa ss@', TILL_RPC_PORT: String(port), TILL_ZMQ_MODE: 'off', TILL_RATES_FIXED: 'USD=70000', TILL_DATA_DIR: dir, TILL_SHOP_NAME: 'Corner Shop' };
      const { code, lines } = await check(env, dir);
      expect(code).to.equal(1);
      const text = lines.join('\n');
      expect(text).to.not.contain('pa ss');
      const setting = (name: string) => lines.find((l) => l.startsWith(`  ${name} `))!;
      expect(setting('TILL_SMTP_URL')).to.match(/\(invalid: see FAIL settings below\)\s+\[env\]$/);
      expect(setting('TILL_SHOP_NAME')).to.match(/Corner Shop\s+\[env\]$/);
      expect(setting('TILL_RPC_PORT')).to.match(new RegExp(`${port}\\s+\\[env\\]$`));
      expect(line(lines, 'settings')).to.equal('  FAIL  settings  config: TILL_SMTP_URL must be smtp://user:password@host:587 or smtps://host:465 (got "<hidden>")');
      expect(line(lines, 'node RPC')).to.equal(`  FAIL  node RPC  no Bitcoin Core answers at 127.0.0.1:${port} — is it running, and is rpcbind/rpcallowip set?`);
      expect(line(lines, 'database')).to.match(/^\s+ok\s+database\s/);
      expect(line(lines, 'rates')).to.match(/^\s+ok\s+rates\s+fixed: 1 BTC = 70000 USD/);
      expect(line(lines, 'SMTP')).to.match(/^\s+FAIL\s+SMTP\s+not tried: TILL_SMTP_URL is invalid/);
      for (const name of ['settings', 'node RPC', 'ZMQ', 'database', 'SMTP', 'rates']) {
        expect(lines.filter((l) => new RegExp(`^\\s+(ok|FAIL|--)\\s+${name}\\s`).test(l)), name).to.have.length(1);
      }
    });

    it('an unreadable TILL_CONFIG_FILE or _FILE is a FAIL line too, and the rest still runs', async () => {
      const { code, lines } = await check({ TILL_CONFIG_FILE: 'missing.json', TILL_RPC_PASSWORD_FILE: 'missing-pass', TILL_ZMQ_MODE: 'off', TILL_RATES_FIXED: 'USD=70000', TILL_DATA_DIR: dir }, dir);
      expect(code).to.equal(1);
      const fails = lines.filter((l) => /^\s+FAIL\s+settings\s/.test(l));
      expect(fails).to.have.length(2);
      expect(fails[0]).to.match(/TILL_CONFIG_FILE .*missing\.json is not readable JSON/);
      expect(fails[1]).to.equal('  FAIL  settings  config: TILL_RPC_PASSWORD_FILE names missing-pass, which cannot be read');
      expect(line(lines, 'node RPC')).to.match(/FAIL\s+node RPC\s+not tried: TILL_RPC_PASSWORD is invalid/);
      expect(line(lines, 'database')).to.match(/^\s+ok\s/);
      expect(line(lines, 'rates')).to.match(/^\s+ok\s/);
    });

    it('TILL_RPC_PASSWORD without TILL_RPC_USER: said so, not "not JSON-RPC" (the port refuses, the client never connects)', async () => {
      const port = await deadPort();
      const { lines } = await check({ TILL_RPC_PASSWORD: 'secret-pw', TILL_RPC_PORT: String(port), TILL_ZMQ_MODE: 'off', TILL_RATES_FIXED: 'USD=70000', TILL_DATA_DIR: dir }, dir);
      expect(line(lines, 'node RPC')).to.equal(
        '  FAIL  node RPC  TILL_RPC_PASSWORD is set but TILL_RPC_USER is empty: Bitcoin Core needs both (its rpcuser, or the user of its rpcauth line), or set TILL_RPC_COOKIE_FILE instead',
      );
      expect(lines.join('\n')).to.not.contain('secret-pw');
    });

    it('resolveConfig reports the same config loadConfig returns', () => {
      const env = { TILL_PORT: '5100', APP_BITCOIN_NETWORK: 'testnet' };
      const { config, sources } = resolveConfig(env, dir);
      expect(config).to.deep.equal(loadConfig(env, dir));
      expect(config.chain).to.equal('test');
      expect(sources.port).to.equal('env');
      expect(sources.chain).to.equal('umbrel');
      expect(sources.host).to.equal('default');
    });
  });

  describe('against a node', () => {
    let node: SimNode;
    before(async () => {
      node = await startSimNode();
    });
    after(async () => node?.close());

    it('the simulated node: RPC and each ZMQ topic work, the database and a fixed rate too; exit 0', async () => {
      const { code, lines } = await check({ ...nodeEnv(node), TILL_DATA_DIR: dir, TILL_RATES_FIXED: 'USD=70000' }, dir);
      expect(line(lines, 'node RPC')).to.match(/ok\s+node RPC\s+Bitcoin Core at 127\.0\.0\.1:\d+ on regtest, block \d+/);
      for (const topic of ['rawtx', 'rawblock', 'sequence']) {
        expect(line(lines, `ZMQ ${topic}`), topic).to.match(/^\s+ok\s+.*connected/);
      }
      expect(line(lines, 'database')).to.match(/^\s+ok\s/);
      expect(line(lines, 'rates')).to.match(/ok\s+rates\s+fixed: 1 BTC = 70000 USD/);
      expect(code, lines.join('\n')).to.equal(0);
    });

    it('ZMQ from the node\'s own getzmqnotifications when no TILL_ZMQ_* is set', async () => {
      const env: Record<string, string> = { ...nodeEnv(node), TILL_DATA_DIR: dir, TILL_RATES_FIXED: 'USD=70000' };
      delete env.TILL_ZMQ_RAWTX;
      delete env.TILL_ZMQ_RAWBLOCK;
      delete env.TILL_ZMQ_SEQUENCE;
      const { lines } = await check(env, dir);
      expect(line(lines, 'ZMQ rawtx')).to.match(/ok\s.*as the node reports it: connected/);
    });

    it('a ZMQ topic nobody publishes on: FAIL with the setting to fix, in one line', async () => {
      const env = { ...nodeEnv(node), TILL_DATA_DIR: dir, TILL_RATES_FIXED: 'USD=70000', TILL_ZMQ_SEQUENCE: `tcp://127.0.0.1:${await deadPort()}` };
      const { code, lines } = await check(env, dir, 500);
      expect(code).to.equal(1);
      expect(line(lines, 'ZMQ sequence')).to.match(/FAIL\s+ZMQ sequence\s+tcp:\/\/127\.0\.0\.1:\d+ set in TILL_ZMQ_\*: no connection within \d+ s — check TILL_ZMQ_SEQUENCE/);
      expect(line(lines, 'ZMQ rawtx')).to.match(/^\s+ok\s/);
    });
  });

  it('`till start` warns of an unknown TILL_* variable with the nearest name, and starts', async () => {
    const port = await deadPort();
    const child = spawn(process.execPath, tillCliArgs('start'), {
      cwd: dir,
      env: { PATH: process.env.PATH, TILL_PORT: String(port), TILL_HOST: '127.0.0.1', TILL_RATES_FIXED: 'USD=70000', TILL_GRACE_MINUTE: '5' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    try {
      for (let i = 0; i < 150 && !logs.includes('did you mean'); i++) await new Promise((r) => setTimeout(r, 100));
      const warning = logs.split('\n').find((l) => l.includes('did you mean'));
      expect(JSON.parse(warning!)).to.include({
        level: 40,
        variable: 'TILL_GRACE_MINUTE',
        nearest: 'TILL_GRACE_MINUTES',
        msg: 'TILL_GRACE_MINUTE is not a Till setting and is ignored — did you mean TILL_GRACE_MINUTES?',
      });
    } finally {
      child.kill('SIGTERM');
    }
    await new Promise((r) => child.on('exit', r));
  });

  it('a dead node is one FAIL line, no stack trace, exit 1 (the real CLI)', async () => {
    const port = await deadPort();
    const r = spawnSync(process.execPath, tillCliArgs('config', 'check'), {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TILL_RPC_PORT: String(port), TILL_RATES_FIXED: 'USD=70000', TILL_CONFIRMATION: '2' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).to.equal(1);
    const fail = r.stdout.split('\n').filter((l) => /^\s+FAIL\s/.test(l));
    expect(fail[0]).to.equal(`  FAIL  node RPC  no Bitcoin Core answers at 127.0.0.1:${port} — is it running, and is rpcbind/rpcallowip set?`);
    expect(r.stdout + r.stderr).to.not.match(/^\s+at /m);
    expect(r.stdout).to.contain('did you mean TILL_CONFIRMATIONS?');
    expect(r.stdout).to.match(/ok\s+database/);
  });
});
