/**
 * Till's HTTP server on its own: a stop waits for the handlers already running, even
 * one whose client went away, and cuts what is still running once the grace is up.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpServer } from '../../src/api/http-server.js';

async function listening(handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown>) {
  const s = httpServer(handle);
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r));
  return { s, url: `http://127.0.0.1:${(s.server.address() as AddressInfo).port}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the HTTP server stopping', function () {
  this.timeout(10_000);

  it('waits for a handler still running after its client went away', async () => {
    let started!: () => void;
    const begun = new Promise<void>((r) => (started = r));
    let finished = false;
    const { s, url } = await listening(async (_req, res) => {
      started();
      await sleep(300);
      finished = true;
      res.end('late');
    });
    const req = http.get(url).on('error', () => undefined);
    await begun;
    req.destroy();
    const { cut } = await s.close(5_000);
    expect(finished, 'the handler had finished').to.equal(true);
    expect(cut).to.equal(0);
  });

  it('cuts what still runs once the grace is up, and says how many', async () => {
    let started!: () => void;
    const begun = new Promise<void>((r) => (started = r));
    const { s, url } = await listening(async (_req, res) => {
      started();
      await sleep(3_000);
      res.end('too late');
    });
    const closed = new Promise<string>((resolve) => {
      http.get(url, (res) => res.resume().on('end', () => resolve('answered'))).on('error', (e) => resolve(String(e)));
    });
    await begun;
    const t0 = Date.now();
    const { cut } = await s.close(300);
    const ms = Date.now() - t0;
    expect(cut).to.equal(1);
    expect(ms).to.be.within(250, 2_000);
    expect(await closed).to.match(/socket hang up|ECONNRESET/);
  });

  it('answers a request in progress when closing began with Connection: close', async () => {
    let started!: () => void;
    const begun = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { s, url } = await listening(async (_req, res) => {
      started();
      await gate;
      res.end('ok');
    });
    const agent = new http.Agent({ keepAlive: true });
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, { agent }, (res) => res.resume().on('end', () => resolve(res))).on('error', reject);
    });
    await begun;
    const closing = s.close(5_000);
    release();
    expect((await answered).headers.connection).to.equal('close');
    expect((await closing).cut).to.equal(0);
    agent.destroy();
  });

  it('tells a request that arrives after closing began, on a connection whose answer was under way, to close it', async () => {
    let headersOut!: () => void;
    const streaming = new Promise<void>((r) => (headersOut = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const { s, url } = await listening(async (_req, res) => {
      if (first) {
        // A long answer (an export) whose headers went out before the stop.
        first = false;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('part');
        headersOut();
        await gate;
      }
      res.end('ok');
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () => new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, { agent }, (res) => res.resume().on('end', () => resolve(res))).on('error', reject);
    });
    const a = get();
    await streaming;
    const closing = s.close(5_000);
    // The agent's next request goes out once the first is answered, on the same socket.
    const b = get();
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.headers.connection).to.equal('keep-alive');
    expect(rb.headers.connection).to.equal('close');
    expect((await closing).cut).to.equal(0);
    agent.destroy();
  });
});
