/**
 * The route walk of routes-case.test.ts for the checkout router: every route it declares,
 * read from its stack, in every spelling, without a key → 401, 404 or 405, never 2xx/5xx.
 */
import http from 'node:http';
import { expect } from 'chai';
import { TillError } from '../../src/domain/errors.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { createAjv, createQueryAjv } from '../../src/api/validate.js';
import { checkoutRouter } from '../../src/api/checkout/routes.js';
import { compileCheckoutSchemas } from '../../src/api/checkout/schemas.js';
import { startTill, type TestTill } from '../helpers/till.js';
import { routesOf, spellings, type Route } from '../helpers/route-walk.js';

type Mw = (ctx: unknown, next: () => Promise<unknown>) => Promise<unknown>;

const MOUNT = '/api/checkout';
const UUID = '0f8a1c2e-3b4d-4e5f-8a6b-7c8d9e0f1a2b';

/** Building the router only wires closures, so stub deps suffice. */
function buildCheckout() {
  const deps = { limiter: new RateLimiter(100, Date.now) } as unknown as ApiDeps;
  return checkoutRouter(deps, compileCheckoutSchemas(createAjv(), createQueryAjv()));
}

function checkoutRoutes(): Route[] {
  return routesOf(buildCheckout(), () => UUID);
}

/** The shared spellings, and the resource's own name in other cases. */
const variants = (path: string) => [
  ...spellings(path, MOUNT),
  ...[path.replace('/invoices', '/Invoices'), path.replace('/invoices', '/invoices/')].flatMap((p) => [p, `${p}/`]),
].filter((p, i, all) => p !== path && p !== `${path}/` && all.indexOf(p) === i);

describe('checkout routes fail closed', () => {
  it('refuses a request that reached a route without a key, on every route, at its first middleware', async () => {
    const layers = buildCheckout().stack.filter((l) => l.methods.length > 0);
    expect(layers.length).to.equal(6);
    for (const layer of layers) {
      const ctx = { state: {}, params: {}, query: {}, request: {}, get: () => '' };
      let reached = 0;
      const run = (i: number): Promise<unknown> => {
        const mw = layer.stack[i] as Mw | undefined;
        if (!mw) return Promise.resolve();
        reached = i;
        return mw(ctx, () => run(i + 1));
      };
      let err: unknown;
      try {
        await run(0);
      } catch (e) {
        err = e;
      }
      expect(err, String(layer.path)).to.be.instanceOf(TillError);
      expect((err as TillError).code, String(layer.path)).to.equal('unauthorized');
      expect(reached, String(layer.path)).to.equal(0);
    }
  });

  it('registers /invoices/stats before /invoices/:id', () => {
    const paths = buildCheckout().stack.map((l) => l.path);
    expect(paths.indexOf(`${MOUNT}/invoices/stats`)).to.be.within(0, paths.indexOf(`${MOUNT}/invoices/:id`) - 1);
  });
});

describe('checkout routes in any spelling run authentication', () => {
  let t: TestTill;
  const routes = checkoutRoutes();
  before(async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '1000000' } });
  });
  after(async () => {
    await t.stop();
  });

  it('reads every route from the router', () => {
    expect(routes.map((r) => `${r.method} ${r.path}`)).to.include.members([
      `GET ${MOUNT}/invoices`, `POST ${MOUNT}/invoices`, `GET ${MOUNT}/invoices/stats`, `GET ${MOUNT}/invoices/${UUID}`,
      `GET ${MOUNT}/invoices/${UUID}/status`, `DELETE ${MOUNT}/invoices/${UUID}`,
    ]);
  });

  function expectJson(method: string, res: { status: number; headers: Headers; body: any }, what: string) {
    expect(res.headers.get('content-type'), what).to.match(/^application\/json/);
    if (method !== 'HEAD') {
      expect(res.body?.error, what).to.be.a('string');
      expect(res.body?.code, what).to.be.a('string');
    }
  }

  it('answers 401 on every route, with or without a trailing slash, with no key, a Bearer key or a wrong one', async () => {
    for (const { method, path } of routes) {
      for (const p of [path, `${path}/`]) {
        const headerSets: Record<string, string>[] = [{}, { Authorization: `Bearer ${t.key}` }, { 'X-Api-Key': `till_${'1'.repeat(44)}` }];
        for (const headers of headerSets) {
          const res = await t.request(method, p, { key: null, headers });
          expect(res.status, `${method} ${p} ${JSON.stringify(headers)}`).to.equal(401);
          expectJson(method, res, `${method} ${p}`);
        }
      }
    }
  });

  it('answers 401, 404 or 405 to every other spelling of every route, never 2xx or 5xx', async () => {
    let n = 0;
    for (const { method, path } of routes) {
      for (const p of variants(path)) {
        const res = await t.request(method, p, { key: null, headers: method === 'POST' ? { 'Content-Type': 'application/json' } : {} });
        const what = `${method} ${p} → ${res.status} ${res.text.slice(0, 120)}`;
        expect([401, 404, 405], what).to.include(res.status);
        expectJson(method, res, what);
        n++;
      }
    }
    expect(n).to.be.greaterThan(200);
  });

  it('never answers OPTIONS with a 2xx under /api/checkout: a 405 naming what the path allows', async () => {
    for (const path of [...new Set(routes.map((r) => r.path))]) {
      for (const p of [path, path.toUpperCase(), `${path}/`]) {
        const res = await t.request('OPTIONS', p, { key: null });
        const what = `OPTIONS ${p} → ${res.status} ${res.text.slice(0, 120)}`;
        expect([401, 404, 405], what).to.include(res.status);
        expectJson('OPTIONS', res, what);
        if (p === path) expect(res.headers.get('allow'), what).to.match(/GET|POST|DELETE/);
      }
    }
  });

  it('answers PUT and PATCH, served nowhere under /api/checkout, with a JSON 405 or 404, with and without a key', async () => {
    for (const { path } of routes) {
      for (const method of ['PUT', 'PATCH']) {
        for (const key of [null, t.key]) {
          const res = await t.request(method, path, { key: null, headers: key ? { 'X-Api-Key': key } : {} });
          expect([404, 405], `${method} ${path} → ${res.status}`).to.include(res.status);
          expectJson(method, res, `${method} ${path}`);
        }
      }
    }
  });

  it('answers TRACE, PROPFIND and the other methods fetch cannot send with a JSON 405 naming the allowed ones', async () => {
    const port = Number(new URL(t.url).port);
    const send = (method: string, path: string, headers: http.OutgoingHttpHeaders) =>
      new Promise<{ status: number; type: string; allow: string; text: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({
            status: res.statusCode!, type: String(res.headers['content-type']), allow: String(res.headers.allow), text: Buffer.concat(chunks).toString(),
          }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'LOCK', 'PURGE']) {
      for (const path of [...new Set(routes.map((r) => r.path))]) {
        for (const headers of [{}, { 'X-Api-Key': t.key }]) {
          const res = await send(method, path, headers);
          const what = `${method} ${path} → ${res.status} ${res.text.slice(0, 100)}`;
          expect(res.status, what).to.equal(405);
          expect(res.type, what).to.match(/^application\/json/);
          expect(JSON.parse(res.text).code, what).to.equal('method_not_allowed');
          expect(res.allow, what).to.match(/GET|POST|DELETE/);
        }
      }
    }
  });
});
