import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { postJson } from '../../../../src/net/http-client.js';
import { AllowList, assertConnectable, guardedAgent, SsrfError, systemResolver } from '../../../../src/net/ssrf/index.js';
import { waitFor } from '../../../helpers/wait.js';
import { fixtureResolver, rejection, sequenceResolver, thrown } from './helpers.js';

/** GETs through `agent` and settles with the status, or rejects with the request's error. */
function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const req = client.get(url, { agent, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('ssrf/guardedAgent against a real loopback server', () => {
  let server: http.Server;
  let port = 0;
  const seen: string[] = [];
  /** The client port of each request's connection: the same port twice is one socket reused. */
  const ports: number[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
      ports.push(req.socket.remotePort ?? 0);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    seen.length = 0;
    ports.length = 0;
  });

  it('the system resolver finds localhost on a loopback address (the premise of the next tests)', async () => {
    const addresses = await systemResolver('localhost');
    expect(addresses.map((a) => a.address)).to.include.oneOf(['127.0.0.1', '::1']);
  });

  it('refuses http://localhost:<port>/ when nothing is allowed; the server sees no request', async () => {
    const err = await rejection(get(`http://localhost:${port}/hook`, guardedAgent({ allow: AllowList.parse([]), https: false })));
    expect(err).to.be.instanceOf(SsrfError);
    expect(err.code).to.equal('ESSRF');
    expect(err.message).to.contain('host localhost is this machine');
    expect(seen).to.deep.equal([]);
  });

  it('delivers to http://localhost:<port>/ when localhost is allowed', async () => {
    const status = await get(`http://localhost:${port}/hook`, guardedAgent({ allow: AllowList.parse(['localhost']), https: false }));
    expect(status).to.equal(200);
    expect(seen).to.deep.equal([`localhost:${port} /hook`]);
  });

  it('refuses http://127.0.0.1:<port>/ (node skips lookup for literals; the agent checks them itself)', async () => {
    const none = AllowList.parse([]);
    expect(thrown(() => assertConnectable(`http://127.0.0.1:${port}/`, none)).code).to.equal('ESSRF');
    for (const url of [`http://127.0.0.1:${port}/`, `http://2130706433:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`]) {
      const err = await rejection(get(url, guardedAgent({ allow: none, https: false })));
      expect(err.code, url).to.equal('ESSRF');
      expect(err.message).to.contain('127.0.0.1, ');
    }
    expect(seen).to.deep.equal([]);
  });

  it('delivers to http://127.0.0.1:<port>/ when 127.0.0.1 is allowed', async () => {
    const allow = AllowList.parse(['127.0.0.1']);
    const url = `http://127.0.0.1:${port}/hook`;
    expect(assertConnectable(url, allow).viaProxy).to.equal(false);
    expect(await get(url, guardedAgent({ allow, https: false }))).to.equal(200);
    expect(seen).to.deep.equal([`127.0.0.1:${port} /hook`]);
  });

  it('DNS rebinding over a real socket: a public name now answering 127.0.0.1 is refused', async () => {
    const resolve = fixtureResolver({ resolves: ['127.0.0.1'] });
    const url = `http://shop.example:${port}/hook`;
    expect(assertConnectable(url, AllowList.parse([])).viaProxy).to.equal(false); // a name: left to the lookup
    const err = await rejection(get(url, guardedAgent({ allow: AllowList.parse([]), https: false, resolve })));
    expect(err.code).to.equal('ESSRF');
    expect(err.message).to.contain('shop.example: it resolves to 127.0.0.1, a loopback address');
    expect(seen).to.deep.equal([]);
    // The same answer, allowed by address, really is what the socket connects to.
    expect(await get(url, guardedAgent({ allow: AllowList.parse(['127.0.0.1']), https: false, resolve }))).to.equal(200);
    expect(seen).to.deep.equal([`shop.example:${port} /hook`]);
  });

  it('the https agent refuses before any TLS handshake', async () => {
    const agent = guardedAgent({ allow: AllowList.parse([]), https: true });
    expect(agent).to.be.instanceOf(https.Agent);
    for (const url of [`https://localhost:${port}/`, `https://127.0.0.1:${port}/`]) {
      const err = await rejection(get(url, agent));
      expect(err.code, url).to.equal('ESSRF');
    }
    expect(seen).to.deep.equal([]);
  });

  it('keep-alive: deliveries share a checked socket; a new socket after a DNS change is checked again', async () => {
    // Public-looking name, loopback receiver allowed by address; then DNS turns private.
    const resolve = sequenceResolver(['127.0.0.1'], ['10.0.0.1']);
    const agent = guardedAgent({ allow: AllowList.parse(['127.0.0.1']), https: false, resolve });
    const url = new URL(`http://receiver.example:${port}/hook`);
    const deliver = () => postJson(url, '{}', { 'Content-Type': 'application/json' }, { timeoutMs: 2000, agent });
    try {
      expect((await deliver()).statusCode).to.equal(200);
      expect((await deliver()).statusCode).to.equal(200);
      expect(ports).to.have.length(2);
      expect(ports[1], 'the second delivery reuses the first socket').to.equal(ports[0]);
      expect(resolve.calls, 'one socket, one check').to.deep.equal(['receiver.example']);

      // The receiver drops its idle connection, as servers do after a few seconds.
      server.closeIdleConnections();
      await waitFor(() => Object.keys(agent.freeSockets).length === 0, 'the pooled socket to close', 2000);
      const third = await deliver();
      expect(third.statusCode).to.equal(null);
      expect(third.error).to.equal('refusing to connect to receiver.example: it resolves to 10.0.0.1, a private address (10.0.0.0/8)');
      expect(resolve.calls).to.have.length(2);
      expect(seen).to.have.length(2);
    } finally {
      agent.destroy();
    }
  });
});
