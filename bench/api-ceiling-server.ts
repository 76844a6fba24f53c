/**
 * The ceiling for bench/api.ts's reads: Till's own Koa app (buildApp: forwarded headers,
 * request id and its log line, security headers, errors, body parsing) with one dialect
 * whose router runs the same router-level middleware as v1 (error shape, the bearer-key
 * lookup answered from the key cache, the rate limiter, idempotency) and then answers a
 * constant JSON body: everything a status read costs but the work itself.
 *
 *   tsx bench/api-ceiling-server.ts <database file> <port>
 */
import http from 'node:http';
import Router from '@koa/router';
import { buildApp } from '../src/api/app.js';
import { authenticate, bearerKey, requireScope } from '../src/api/auth.js';
import type { ApiDeps } from '../src/api/deps.js';
import type { Dialect } from '../src/api/dialect.js';
import { idempotency } from '../src/api/idempotency.js';
import { ApiKeys } from '../src/api/keys.js';
import { RateLimiter } from '../src/api/rate-limit.js';
import type { TillState } from '../src/api/state.js';
import { openDatabase } from '../src/db/connection.js';
import { createLogger } from '../src/log.js';

const [file, port] = process.argv.slice(2);
const db = openDatabase({ filename: file! });
const log = createLogger('info');
const now = Date.now;
const BODY = { ok: true, status: 'pending', amount_paid: '0.00', btc_paid: '0.00000000', exception: null };

const ceiling: Dialect = {
  name: 'ceiling',
  renderers: {},
  mounts: ['/api/v1'],
  router: (deps) => {
    const r = new Router<TillState>({ prefix: '/api/v1', sensitive: true });
    r.use(async (ctx, next) => {
      ctx.state.errorFormat = (e) => ({ error: e.message, code: e.code });
      await next();
    });
    r.use(authenticate(deps.keys, bearerKey, 'Authorization: Bearer <key>'));
    r.use(deps.limiter.middleware());
    r.use(idempotency(deps.db, deps.now));
    r.get('/invoices/:ref/status', requireScope('invoices:read'), (ctx) => {
      ctx.body = BODY;
    });
    return r;
  },
};

const deps = {
  db, log, now,
  keys: new ApiKeys(db, now),
  limiter: new RateLimiter(Number(process.env.TILL_API_RATE_LIMIT ?? 1_000_000), now),
  maxBodyBytes: 100_000,
  allow: { hosts: [] },
  settings: { publicUrl: '', checkoutTtlMinutes: 15, graceMinutes: 30 },
} as unknown as ApiDeps;

const server = http.createServer(buildApp(deps, [ceiling]).callback());
server.keepAliveTimeout = 65_000;
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void db.close().then(() => process.exit(0));
});
