import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Daemon, JsonRpcClient, RpcError, findExecutable, freePort, freePorts, rpcAmount, satsFromRpc } from '../../../regtest/daemon.js';
import { availableNodes, missingCapabilities } from '../../../regtest/find-nodes.js';
import { toLitecoinRegtestAddress } from '../../../regtest/litecoind.js';
import type { Capabilities } from '../../../regtest/node.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

/** Valid: Core prints `rpc` for `sats` and reads it back, or (parseOnly) only reads it. */
const amounts = fixture<Vectors<{ sats: string; rpc: string; parseOnly?: boolean }, { rpc: string }>>('nodes', 'amounts');
const addresses = fixture<Vectors<{ type: string; address: string; litecoinAddress: string }, { address: string }>>('nodes', 'addresses');

describe('regtest daemon plumbing', function () {
  describe('amounts', function () {
    for (const f of amounts.valid) {
      it(`reads ${f.rpc} as ${f.sats} sats`, function () {
        expect(satsFromRpc(f.rpc)).to.equal(BigInt(f.sats));
      });
      if (!f.parseOnly) {
        it(`writes ${f.sats} sats as ${f.rpc}`, function () {
          expect(rpcAmount(BigInt(f.sats))).to.equal(f.rpc);
        });
      }
    }
    for (const f of amounts.invalid) {
      it(`refuses ${JSON.stringify(f.rpc)} (${f.description})`, function () {
        expect(() => satsFromRpc(f.rpc)).to.throw();
      });
    }
  });

  describe('litecoin regtest addresses', function () {
    for (const f of addresses.valid) {
      it(`${f.type}: ${f.address} → ${f.litecoinAddress}`, function () {
        expect(toLitecoinRegtestAddress(f.address)).to.equal(f.litecoinAddress);
      });
    }
    for (const f of addresses.invalid) {
      it(`refuses ${f.address} (${f.description})`, function () {
        expect(() => toLitecoinRegtestAddress(f.address)).to.throw();
      });
    }
  });

  describe('JsonRpcClient', function () {
    let server: http.Server;
    let seen: { url?: string; auth?: string; body: { method: string; params: unknown } }[];
    let reply: (method: string) => { status: number; body: string };

    before(async function () {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { method: string; params: unknown };
          seen.push({ url: req.url, auth: req.headers.authorization, body });
          const r = reply(body.method);
          res.writeHead(r.status, { 'content-type': 'application/json' });
          res.end(r.body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });

    beforeEach(function () {
      seen = [];
    });

    after(function (done) {
      server.close(() => done());
    });

    function client(): JsonRpcClient {
      return new JsonRpcClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, user: 'u', password: 'p:w' });
    }

    it('keeps amounts exact and small integers as numbers', async function () {
      reply = () => ({ status: 200, body: '{"result":{"fee":0.00001410,"big":0.1,"height":102,"huge":12345678901234567890},"error":null,"id":1}' });
      const result = await client().call<Record<string, unknown>>('getmempoolentry', ['ab']);
      expect(result).to.deep.equal({ fee: '0.00001410', big: '0.1', height: 102, huge: '12345678901234567890' });
      expect(satsFromRpc(result.fee)).to.equal(1410n);
    });

    it('sends basic auth, the method and named params; wallet calls go to /wallet/<name>', async function () {
      reply = () => ({ status: 200, body: '{"result":"txid","error":null,"id":1}' });
      await client().call('sendtoaddress', { address: 'a', amount: '0.001' }, { wallet: 'my wallet' });
      expect(seen).to.have.length(1);
      expect(seen[0]?.url).to.equal('/wallet/my%20wallet');
      expect(seen[0]?.auth).to.equal(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
      expect(seen[0]?.body.method).to.equal('sendtoaddress');
      expect(seen[0]?.body.params).to.deep.equal({ address: 'a', amount: '0.001' });
    });

    it('turns a JSON-RPC error into RpcError with its code', async function () {
      reply = () => ({ status: 500, body: '{"result":null,"error":{"code":-5,"message":"Transaction not in mempool"},"id":1}' });
      const err = await client().call('getmempoolentry', ['ab']).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(RpcError);
      expect((err as RpcError).code).to.equal(-5);
      expect((err as RpcError).message).to.contain('Transaction not in mempool');
    });

    it('rejects a non-JSON answer (401 has an empty body)', async function () {
      reply = () => ({ status: 401, body: '' });
      const err = await client().call('getblockcount').then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(Error).and.not.instanceOf(RpcError);
      expect(String(err)).to.contain('HTTP 401');
    });

    it('rejects with ECONNREFUSED when nothing listens', async function () {
      const port = await freePort();
      const err = await new JsonRpcClient({ host: '127.0.0.1', port, user: 'u', password: 'p' }).call('getblockcount').then(() => undefined, (e: unknown) => e);
      expect((err as { code?: string }).code).to.equal('ECONNREFUSED');
    });
  });

  describe('ports and executables', function () {
    it('freePort returns a port that can be bound', async function () {
      const port = await freePort();
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('freePorts returns distinct ports', async function () {
      const ports = await freePorts(4);
      expect(new Set(ports).size).to.equal(4);
    });

    it('findExecutable searches PATH, takes paths as they are, and ignores non-executables', function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-find-'));
      try {
        const exe = path.join(dir, 'fakecoind');
        const plain = path.join(dir, 'notexec');
        fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
        fs.writeFileSync(plain, '', { mode: 0o644 });
        expect(findExecutable('fakecoind', `/nonexistent${path.delimiter}${dir}`)).to.equal(exe);
        expect(findExecutable(exe, '')).to.equal(exe);
        expect(findExecutable('notexec', dir)).to.equal(undefined);
        expect(findExecutable('fakecoind', '')).to.equal(undefined);
        expect(findExecutable(dir, '')).to.equal(undefined);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('Daemon.start failures', function () {
    function leftovers(label: string): string[] {
      return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`till-${label}-`));
    }

    it('reports a binary that cannot run, and leaves no datadir', async function () {
      const label = `nobinary${process.pid}`;
      const err = await Daemon.start({ binary: '/nonexistent/coind', label }).then(() => undefined, (e: unknown) => e);
      expect(String(err)).to.match(/exited during startup.*ENOENT/s);
      expect(leftovers(label)).to.deep.equal([]);
    });

    it('reports a daemon that exits at once with its stderr, and leaves no datadir', async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-fakecoind-'));
      try {
        const fake = path.join(dir, 'fakecoind');
        fs.writeFileSync(fake, '#!/bin/sh\necho "Error: not today" >&2\nexit 1\n', { mode: 0o755 });
        const label = `quitter${process.pid}`;
        const err = await Daemon.start({ binary: fake, label }).then(() => undefined, (e: unknown) => e);
        expect(String(err)).to.contain('exited during startup (1)').and.contain('Error: not today');
        expect(leftovers(label)).to.deep.equal([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('availableNodes', function () {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'till-nopath-'));
    after(function () {
      fs.rmSync(empty, { recursive: true, force: true });
    });

    it('lists bitcoind, litecoind and sim; skips the daemons it cannot find', function () {
      const nodes = availableNodes({ env: { PATH: empty } });
      expect(nodes.map((n) => n.kind)).to.deep.equal(['bitcoind', 'litecoind', 'sim']);
      expect(nodes[0]?.skipReason).to.match(/bitcoind/);
      expect(nodes[1]?.skipReason).to.match(/litecoind/);
      expect(nodes[2]?.skipReason).to.equal(undefined);
    });

    it('under TILL_TEST_REQUIRE_ALL=1 a missing litecoind fails instead of skipping; bitcoind still skips', async function () {
      const [bitcoind, litecoind] = availableNodes({ env: { PATH: empty, TILL_TEST_REQUIRE_ALL: '1' } });
      expect(bitcoind?.skipReason).to.be.a('string');
      expect(litecoind?.skipReason).to.equal(undefined);
      const err = await litecoind?.start().then(() => undefined, (e: unknown) => e);
      expect(String(err)).to.contain('TILL_TEST_REQUIRE_ALL=1');
    });

    it('a wrong $BITCOIND is an error, not a skip', async function () {
      const [bitcoind] = availableNodes({ env: { PATH: empty, BITCOIND: path.join(empty, 'missing-bitcoind') } });
      expect(bitcoind?.skipReason).to.equal(undefined);
      const err = await bitcoind?.start().then(() => undefined, (e: unknown) => e);
      expect(String(err)).to.contain('$BITCOIND');
    });

    it('finds litecoind on PATH when it is installed', function () {
      const onPath = findExecutable('litecoind', process.env.PATH);
      if (onPath === undefined) {
        console.log('      (litecoind not installed: nothing to find)');
        this.skip();
      }
      const litecoind = availableNodes({ env: { PATH: process.env.PATH } })[1];
      expect(litecoind?.skipReason).to.equal(undefined);
      expect(litecoind?.caps?.zmq).to.equal(false);
    });
  });

  describe('missingCapabilities', function () {
    const caps: Capabilities = { zmq: false, rbf: true, evict: false, dropZmq: false, restart: true };
    it('is undefined when every need is met', function () {
      expect(missingCapabilities(caps, ['rbf', 'restart'])).to.equal(undefined);
      expect(missingCapabilities(caps, [])).to.equal(undefined);
    });
    it('names what is missing', function () {
      expect(missingCapabilities(caps, ['zmq', 'rbf', 'evict'])).to.equal('lacks zmq, evict');
    });
  });
});
