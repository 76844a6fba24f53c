import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import { answerClientError } from '../../src/api/app.js';
import { startTill, type TestTill } from '../helpers/till.js';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * A request exactly as given: unlike fetch, node's http client sends any method token
 * (TRACE, PROPFIND), any path spelling (dot segments, stray percent signs) and repeated
 * headers as they are.
 */
function raw(
  agent: http.Agent | false, port: number, method: string, path: string,
  headers: http.OutgoingHttpHeaders | string[] = {}, body?: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Bytes straight onto a socket, for what even node's client will not send. */
function rawSocket(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.end(Buffer.from(text, 'latin1'));
  });
}

interface Case {
  method: string;
  path: string;
  headers?: http.OutgoingHttpHeaders | string[];
  body?: string | Buffer;
  /** The statuses this case may answer; by default any 4xx (or 2xx) that is JSON. */
  expect?: number[];
  code?: string;
  /**
   * A request with no Host header: node refuses it itself, with a bare 400, on a path its
   * 'clientError' event never sees. Everything else node refuses early (a raw 0xFF in the
   * path, a bad Content-Length, headers too large) gets answerClientError's JSON.
   */
  nodeLevel?: boolean;
}

/** Every request: never a 5xx, and an answer with a body is JSON (an error one `{error, code}`). */
function check(c: Case, res: RawResponse): string | null {
  const what = `${c.method} ${c.path.slice(0, 80)} ${JSON.stringify(c.headers).slice(0, 60)} → ${res.status} ${res.text.slice(0, 100)}`;
  if (res.status >= 500) return what;
  if (c.nodeLevel && res.status === 400 && res.text === '' && res.headers['content-type'] === undefined) return null;
  if (c.expect && !c.expect.includes(res.status)) return `${what} (want ${c.expect.join('/')})`;
  if (res.status === 204 || res.status === 304) return null;
  // The site's root is the merchant UI's door (an HTML redirect), not an API.
  if (c.path === '/' && (c.method === 'GET' || c.method === 'HEAD')) {
    return res.status === 302 && res.headers.location === '/admin' ? null : `${what} (want 302 to /admin)`;
  }
  if (!/^application\/json/.test(res.headers['content-type'] ?? '')) return `${what}: not JSON`;
  if (c.method === 'HEAD') return null;
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `${what}: body does not parse`;
  }
  if (res.status >= 400 && (typeof body?.error !== 'string' || typeof body?.code !== 'string')) return `${what}: not an error body`;
  if (c.code && body.code !== c.code) return `${what} (want code ${c.code})`;
  return null;
}

let sent = 0;

/** Runs the cases a few at a time and returns every failure, so one run shows them all. */
async function runAll(t: TestTill, agent: http.Agent, cases: Case[], concurrency = 8): Promise<string[]> {
  const port = Number(new URL(t.url).port);
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++]!;
      sent++;
      try {
        // What node refuses can leave garbage on the socket: it gets a connection of its own.
        const res = await raw(c.nodeLevel ? false : agent, port, c.method, c.path, c.headers, c.body);
        const f = check(c, res);
        if (f) failures.push(f);
      } catch (e) {
        failures.push(`${c.method} ${c.path.slice(0, 80)}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}

const ROUTE_PATHS = [
  '/api/v1/invoices', '/api/v1/invoices/INV-0001', '/api/v1/invoices/INV-0001/status',
  '/api/v1/invoices/INV-0001/finalize', '/api/v1/invoices/INV-0001/mark-paid', '/api/v1/payment-links',
  '/api/v1/payment-links/tip-jar', '/api/v1/rates', '/api/v1/webhooks', '/api/v1/webhooks/1',
  '/api/v1/webhooks/1/deliveries', '/api/v1/webhooks/1/deliveries/abc', '/api/v1/webhooks/1/deliveries/abc/redeliver',
  '/api/v1/webhooks/1/test', '/api/v1/webhooks/1/rotate-secret',
];
const OTHER_PATHS = ['/', '/health', '/api', '/api/v1', '/api/v1/', '/nope', '/api/v2/invoices'];
/** Methods Till serves somewhere; every other token node's parser accepts is unknown to Till. */
const KNOWN = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
// CONNECT is a tunnel request: node hands it to a 'connect' listener, never to the app.
const UNKNOWN = http.METHODS.filter((m) => !KNOWN.includes(m) && m !== 'CONNECT');

describe('v1 hostile input: methods, paths, headers, nesting', function () {
  this.timeout(60_000);
  let t: TestTill;
  let agent: http.Agent;
  let auth: { Authorization: string };
  before(async () => {
    // No rate limit in the way: every request must reach as deep as it can.
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
    agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    auth = { Authorization: `Bearer ${t.key}` };
  });
  after(async () => {
    agent.destroy();
    await t.stop();
  });

  it('answers TRACE, PROPFIND and every other method Till does not implement with a JSON 405 (404 where no route is)', async () => {
    const cases: Case[] = [];
    for (const method of UNKNOWN) {
      for (const path of ROUTE_PATHS) {
        for (const headers of [{}, auth]) cases.push({ method, path, headers, expect: [405], code: 'method_not_allowed' });
      }
      for (const path of OTHER_PATHS.filter((p) => p !== '/health')) {
        for (const headers of [{}, auth]) cases.push({ method, path, headers, expect: [404], code: 'not_found' });
      }
      for (const headers of [{}, auth]) cases.push({ method, path: '/health', headers, expect: [405], code: 'method_not_allowed' });
    }
    expect(cases.length).to.be.greaterThan(1000);
    const failures = await runAll(t, agent, cases);
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
  });

  it('names the allowed methods on a 405 for an unknown method', async () => {
    const port = Number(new URL(t.url).port);
    const res = await raw(agent, port, 'PROPFIND', '/api/v1/invoices', auth);
    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.match(/GET/).and.match(/POST/);
    const health = await raw(agent, port, 'TRACE', '/health');
    expect(health.status).to.equal(405);
    expect(health.headers.allow).to.equal('GET, HEAD');
  });

  it('answers every known method on every route and on odd paths, with and without a key', async () => {
    const cases: Case[] = [];
    for (const method of KNOWN) {
      for (const path of [...ROUTE_PATHS, ...OTHER_PATHS]) {
        for (const headers of [{}, auth]) cases.push({ method, path, headers });
      }
    }
    const failures = await runAll(t, agent, cases);
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
  });

  it('never 5xxs on hostile paths: dot segments, stray percents, NULs, long and odd ids', async () => {
    const odd = [
      '..', '.', '%2e%2e', '%2E', '%', '%%', '%zz', '%ff', '%c0%af', '%00', 'a%00b', '%0a', '%0d%0a', '%20', '+',
      '%2F', 'a%2Fb', '..%2F..%2Fetc%2Fpasswd', 'INV-0001%00', "INV-0001'--", '"', '<script>', '%3Cscript%3E',
      '%E2%80%AE', '%F0%9F%92%B0', 'ÿ', '\u00e9', '~', '*', '$', ';', 'a;b', ':ref', '-1', '0', '1e3', '0x1', '1.5', '%201',
      '99999999999999999999', '9'.repeat(13), 'x'.repeat(300), 'x'.repeat(5000), 'INV-%30%30%30%31', 'inv-0001',
      'null', 'undefined', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
    ];
    const templates = [
      '/api/v1/invoices/{}', '/api/v1/invoices/{}/status', '/api/v1/invoices/{}/finalize', '/api/v1/invoices/{}/mark-paid',
      '/api/v1/payment-links/{}', '/api/v1/webhooks/{}', '/api/v1/webhooks/{}/deliveries', '/api/v1/webhooks/1/deliveries/{}',
      '/api/v1/webhooks/{}/test', '/api/v1/webhooks/{}/rotate-secret', '/api/v1/webhooks/1/deliveries/{}/redeliver',
      '/api/v1/{}', '/api/{}/invoices', '/{}', '/api/v1/invoices/{}/{}',
    ];
    const cases: Case[] = [];
    for (const tpl of templates) {
      for (const seg of odd) {
        const path = tpl.replaceAll('{}', seg);
        const nodeLevel = /[^\x21-\x7e]/.test(path);
        for (const method of ['GET', 'POST', 'DELETE']) cases.push({ method, path, headers: auth, nodeLevel });
      }
    }
    for (const path of [
      '/api/v1/./invoices', '/api/v1/../v1/invoices', '/api/v1/invoices/..', '/api/v1/invoices/../rates', '//api/v1/invoices',
      '/api//v1/invoices', '/api/v1//invoices', '/api/v1/invoices//', '/api/v1/invoices/%2e', '/api/v1/invoices?%',
      '/api/v1/invoices?limit=%', '/api/v1/invoices?limit=%zz', '/api/v1/invoices?a[b][c]=1', '/api/v1/invoices?__proto__=1',
      '/api/v1/invoices?constructor[prototype][x]=1', '/api/v1/invoices?status=paid&status=pending', '/api/v1/invoices?' + 'a=1&'.repeat(2000),
      '/api/v1/invoices?limit=' + '9'.repeat(400), '/api/v1/invoices#frag', '/api/v1/invoices;jsessionid=1', '/api/v1/invoices%3Flimit=1',
      `/api/v1/${'x/'.repeat(3000)}`, '/health/', '/health?x=1', '/HEALTH', 'http://evil.example/api/v1/invoices', '*',
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) cases.push({ method, path, headers: auth });
    }
    expect(cases.length).to.be.greaterThan(2000);
    const failures = await runAll(t, agent, cases);
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
  });

  it('never 5xxs on odd Authorization, Content-Type, Idempotency-Key and other headers', async () => {
    const key = t.key;
    const authorizations = [
      '', ' ', 'Bearer', 'Bearer ', 'Bearer  ', `Bearer ${key} `, `Bearer  ${key}`, `bearer ${key}`, `BEARER ${key}`,
      `Bearer\t${key}`, `Bearer ${key} extra`, `Bearer ${key}${key}`, `Basic ${Buffer.from(`${key}:`).toString('base64')}`,
      `Token ${key}`, key, `Bearer ${key.toUpperCase()}`, `Bearer ${key.slice(0, 12)}`, `Bearer ${'x'.repeat(8000)}`,
      `Bearer till_${'\u00ff'.repeat(44)}`, 'Bearer till_', `Bearer ${key.slice(0, -1)}%`, 'Bearer null', 'Bearer undefined',
      'Digest username="a"', `Bearer ${key},Bearer ${key}`,
    ];
    const contentTypes = [
      '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1',
      'application/json; charset=utf-16', 'application/json;charset="utf-8"', 'application/vnd.api+json', 'application/json, text/plain',
      'APPLICATION/JSON', 'application/jsonx', 'application/', '*/*', ';', 'application/json; boundary=' + 'x'.repeat(4000),
    ];
    const idemKeys = ['', ' ', 'a b', 'x'.repeat(255), 'x'.repeat(256), 'x'.repeat(5000), '\u00e9t\u00e9', '"quoted"', 'k-1', 'k-1'];
    const body = JSON.stringify({ lines: [{ description: 'x', quantity: 1, unit_price: '1.00' }] });
    const cases: Case[] = [];
    for (const a of authorizations) {
      for (const path of ['/api/v1/invoices', '/api/v1/rates', '/api/v1/webhooks/1/test']) {
        cases.push({ method: 'GET', path, headers: { Authorization: a } });
        cases.push({ method: 'POST', path, headers: { Authorization: a, 'Content-Type': 'application/json' }, body });
      }
    }
    // Repeated Authorization headers, sent as a raw header list (node keeps the first).
    for (const pair of [[`Bearer ${key}`, 'Bearer other'], ['Bearer other', `Bearer ${key}`], [`Bearer ${key}`, `Bearer ${key}`]]) {
      const headers = ['Host', '127.0.0.1', ...pair.flatMap((v) => ['Authorization', v])];
      cases.push({ method: 'GET', path: '/api/v1/invoices', headers });
    }
    for (const ct of contentTypes) {
      for (const b of [body, '', '{', 'a=1&b=2', '\u00ff\u00fe{', '{}']) {
        cases.push({ method: 'POST', path: '/api/v1/invoices', headers: { ...auth, 'Content-Type': ct }, body: b });
        cases.push({ method: 'POST', path: '/api/v1/payment-links', headers: { ...auth, 'Content-Type': ct }, body: b });
      }
    }
    for (const k of idemKeys) {
      for (const b of [body, '{}', '{']) {
        cases.push({ method: 'POST', path: '/api/v1/invoices', headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': k }, body: b });
      }
      cases.push({ method: 'POST', path: '/api/v1/invoices/INV-0001/finalize', headers: { ...auth, 'Idempotency-Key': k } });
      cases.push({ method: 'GET', path: '/api/v1/invoices', headers: { ...auth, 'Idempotency-Key': k } });
    }
    cases.push({ method: 'GET', path: '/api/v1/invoices', headers: ['Authorization', `Bearer ${key}`], nodeLevel: true });
    const big = 'x'.repeat(6000);
    for (const headers of [
      { ...auth, 'X-Request-Id': big }, { ...auth, 'X-Request-Id': '../../etc' }, { ...auth, Accept: 'text/html' },
      { ...auth, 'Accept-Encoding': 'gzip, br' }, { ...auth, 'X-Forwarded-For': '1.2.3.4, ::1' }, { ...auth, Host: big.slice(0, 3000) },
      { ...auth, 'X-Filler-1': big, 'X-Filler-2': big }, { ...auth, 'Content-Encoding': 'gzip' }, { ...auth, Expect: '100-continue' },
      { ...auth, Cookie: big }, { ...auth, 'Content-Length': '0' },
    ]) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        // A body longer than the Content-Length it claims is a second, garbled request to node.
        const nodeLevel = method === 'POST' && 'Content-Length' in headers;
        cases.push({ method, path: '/api/v1/invoices', headers, body: method === 'POST' ? body : undefined, nodeLevel });
      }
    }
    const failures = await runAll(t, agent, cases);
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
  });

  it('refuses headers past node\'s size limit with a 431 and stays up', async () => {
    const port = Number(new URL(t.url).port);
    const res = await raw(false, port, 'GET', '/api/v1/invoices', { ...auth, 'X-Filler': 'x'.repeat(20_000) });
    expect(res.status).to.equal(431);
    expect((await raw(agent, port, 'GET', '/api/v1/invoices', auth)).status).to.equal(200);
  });

  it('never 5xxs on random, truncated, mistyped and nested bodies on every POST route', async () => {
    const valid: Record<string, unknown> = {
      '/api/v1/invoices': { currency: 'USD', lines: [{ description: 'x', quantity: 1, unit_price: '1.00' }], metadata: { a: 1 } },
      '/api/v1/payment-links': { title: 'Tip', amount: '5.00', currency: 'USD', metadata: { a: 1 } },
      '/api/v1/webhooks': { url: 'https://example.com/hook', events: ['invoice.paid'] },
      '/api/v1/invoices/INV-0001/mark-paid': { note: 'wire' },
      '/api/v1/invoices/INV-0001/finalize': {},
      '/api/v1/webhooks/1/test': {},
    };
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const nest = (d: number): unknown => (d === 0 ? 1 : rand(2) ? [nest(d - 1)] : { k: nest(d - 1) });
    const values = (): unknown[] => [
      null, true, 0, -1, 1e308, 1.5, '', 'x'.repeat(rand(3000)), [], {}, [null], { '': '' }, '\u0000', '\ud800', 'é',
      '__proto__', { __proto__: { polluted: 1 } }, nest(rand(40)), Array.from({ length: rand(600) }, () => 1),
      -0, '1e21', 'NaN', '-1.00', '0.000000001', { a: [{ b: null }] }, '\u202e', 2 ** 53 + 2, [[[[]]]], { toString: 'x' },
    ];
    const cases: Case[] = [];
    const json = { ...auth, 'Content-Type': 'application/json' };
    for (const [path, body] of Object.entries(valid)) {
      const text = JSON.stringify(body);
      // Every prefix of a valid body: truncated uploads.
      for (let i = 0; i < text.length; i++) cases.push({ method: 'POST', path, headers: json, body: text.slice(0, i) });
      for (const field of [...Object.keys(body as object), 'extra', '__proto__', 'constructor']) {
        for (const v of values()) {
          cases.push({ method: 'POST', path, headers: json, body: JSON.stringify({ ...(body as object), [field]: v }) });
        }
      }
      for (const depth of [31, 32, 33, 64, 1000, 30_000]) {
        const deep = '['.repeat(depth) + ']'.repeat(depth);
        cases.push({ method: 'POST', path, headers: json, body: `{"metadata":${deep}}` });
        cases.push({ method: 'POST', path, headers: json, body: deep });
      }
      for (const b of [
        Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from(text)]), Buffer.from([0xff, 0xfe, 0x7b, 0x00]), Buffer.from([0xc3, 0x28]),
        `${text}\u0000`, `${text}garbage`, `${text}${text}`, text.replace(/"/g, "'"), '\u2028', 'null', '[]', '"str"', '1e999',
        `{"a":${'1'.repeat(5000)}}`, `{"a":"${'\\u0000'.repeat(1000)}"}`, `{"${'k'.repeat(20_000)}":1}`,
        `{${Array.from({ length: 3000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
      ]) cases.push({ method: 'POST', path, headers: json, body: b });
    }
    expect(cases.length).to.be.greaterThan(1000);
    const failures = await runAll(t, agent, cases);
    expect(failures.slice(0, 20), `${failures.length} failures`).to.deep.equal([]);
  });

  it('sent thousands of requests in all', () => {
    expect(sent).to.be.greaterThan(5000);
  });
});

describe('answerClientError (for requests node refuses before the app)', () => {
  let server: http.Server;
  let port: number;
  before(async () => {
    server = http.createServer((_req, res) => res.end('{}'));
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers oversize headers with a JSON 431 and malformed requests with a JSON 400', async () => {
    const big = await raw(false, port, 'GET', '/', { 'X-Filler': 'x'.repeat(20_000) });
    expect(big.status).to.equal(431);
    expect(big.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(big.text)).to.include({ code: 'validation_failed' });
    for (const [path, headers] of [
      ['/\u00ff', {}],
      ['/a b', {}],
      ['/', { 'Content-Length': 'abc' }],
      ['/', { 'Transfer-Encoding': 'chunked', 'Content-Length': '5' }],
    ] as const) {
      const res = await rawSocket(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
      expect(res, path).to.match(/^HTTP\/1\.1 400 /);
      expect(res, path).to.match(/Content-Type: application\/json/);
      expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error).to.match(/Malformed HTTP request/);
    }
  });
});
