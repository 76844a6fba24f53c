import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { postJson } from '../../../src/net/http-client.js';

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** postJson is what webhooks (and IPN) send with; rates' GET side is tested through getJson. */
describe('net/http-client: postJson', () => {
  let server: http.Server;
  let base = '';
  let reply: Reply = (_req, res) => res.end('ok');
  const paths: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      req.on('end', () => reply(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    paths.length = 0;
  });

  const post = (path = '/hook', timeoutMs = 2000) =>
    postJson(new URL(base + path), '{"a":1}', { 'Content-Type': 'application/json' }, { timeoutMs, agent: new http.Agent() });

  it('sends the body with its length and reports the status and the answer', async () => {
    let got = '';
    reply = (req, res) => {
      got = `${req.method} ${req.headers['content-length']} ${req.headers['content-type']}`;
      res.writeHead(202).end('thanks');
    };
    const r = await post();
    expect(r).to.deep.include({ statusCode: 202, excerpt: 'thanks', error: null });
    expect(got).to.equal('POST 7 application/json');
  });

  it('keeps only the first KiB of a long answer', async () => {
    reply = (_req, res) => res.end('x'.repeat(64 * 1024));
    const r = await post();
    expect(r.statusCode).to.equal(200);
    expect(r.excerpt).to.equal('x'.repeat(1024));
  });

  it('does not follow a redirect: the 3xx is the result', async () => {
    reply = (_req, res) => res.writeHead(302, { location: '/elsewhere' }).end();
    expect((await post()).statusCode).to.equal(302);
    expect(paths).to.deep.equal(['/hook']);
  });

  it('an answer cut off after its status still reports the status', async () => {
    reply = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => res.destroy());
    };
    expect(await post()).to.deep.include({ statusCode: 200, excerpt: 'partial', error: null });
  });

  it('never throws: a silent receiver is a timeout, a closed port a network error', async () => {
    reply = () => undefined;
    const slow = await post('/hook', 100);
    expect(slow).to.deep.include({ statusCode: null, excerpt: null, error: 'no answer within 100 ms' });
    const closed = await postJson(new URL('http://127.0.0.1:1/hook'), '{}', {}, { timeoutMs: 2000, agent: new http.Agent() });
    expect(closed.statusCode).to.equal(null);
    expect(closed.error).to.match(/ECONNREFUSED/);
  });
});
