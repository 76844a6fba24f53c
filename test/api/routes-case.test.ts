import { expect } from 'chai';
import { TillError } from '../../src/domain/errors.js';
import type { ApiDeps } from '../../src/api/deps.js';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { createAjv, createQueryAjv } from '../../src/api/validate.js';
import { v1Router } from '../../src/api/v1/routes.js';
import { compileV1Schemas } from '../../src/api/v1/schemas.js';
import { startTill, type TestTill } from '../helpers/till.js';
import { mixed, routesOf, spellings, type Route } from '../helpers/route-walk.js';

type Mw = (ctx: unknown, next: () => Promise<unknown>) => Promise<unknown>;

function buildV1() {
  const deps = { limiter: new RateLimiter(100, Date.now) } as unknown as ApiDeps;
  return v1Router(deps, compileV1Schemas(createAjv(), createQueryAjv()));
}

/** Every route the v1 router declares. */
function v1Routes(): Route[] {
  return routesOf(buildV1(), (name) => (name === 'id' ? '1' : name === 'ref' ? 'INV-0001' : 'abc'));
}

const variants = (path: string) => spellings(path, '/api/v1');

describe('v1 routes fail closed', () => {
  it('refuses a request that reached a route without a key, on every route', async () => {
    for (const layer of buildV1().stack.filter((l) => l.methods.length > 0)) {
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
      expect(reached, `${String(layer.path)}: refused by its first middleware`).to.equal(0);
    }
  });
});

describe('v1 routes in any spelling run authentication', () => {
  let t: TestTill;
  const routes = v1Routes();
  before(async () => {
    t = await startTill();
  });
  after(async () => {
    await t.stop();
  });

  it('reads every route from the router', () => {
    const seen = routes.map((r) => `${r.method} ${r.path}`);
    expect(seen).to.include('GET /api/v1/rates');
    expect(seen).to.include('POST /api/v1/invoices/INV-0001/finalize');
    expect(seen).to.include('DELETE /api/v1/webhooks/1');
    expect(routes.length).to.be.greaterThan(20);
  });

  function expectJson(method: string, res: { status: number; headers: Headers; body: any }, what: string) {
    expect(res.headers.get('content-type'), what).to.match(/^application\/json/);
    if (method !== 'HEAD') expect(res.body?.error, what).to.be.a('string');
  }

  it('answers 401 on every route, with or without a trailing slash, when no key is sent', async () => {
    for (const { method, path } of routes) {
      for (const p of [path, `${path}/`]) {
        const res = await t.request(method, p, { key: null });
        expect(res.status, `${method} ${p}`).to.equal(401);
        expectJson(method, res, `${method} ${p}`);
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
    expect(n).to.be.greaterThan(500);
  });

  it('never answers OPTIONS with a 2xx under /api/v1: a 405 naming what the path allows', async () => {
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

  it('answers 401, 404 or 405 to every spelling with a revoked or wrong key too', async () => {
    for (const { method, path } of routes.filter((r) => r.method !== 'HEAD')) {
      for (const p of [path.toUpperCase(), mixed(path), `${path}/`]) {
        const res = await t.request(method, p, { key: `till_${'1'.repeat(44)}` });
        expect([401, 404, 405], `${method} ${p} → ${res.status}`).to.include(res.status);
        expectJson(method, res, `${method} ${p}`);
      }
    }
  });
});
