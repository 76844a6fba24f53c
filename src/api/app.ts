import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import Koa, { type Middleware } from 'koa';
import { TillError } from '../domain/errors.js';
import { jsonBody, under } from './body.js';
import type { ApiDeps } from './deps.js';
import type { Dialect } from './dialect.js';
import { errorMiddleware } from './errors.js';
import { forwardedHeaders } from './forwarded.js';
import { requestContext, securityHeaders } from './request-context.js';
import type { TillContext, TillState } from './state.js';
import { createAjv, createQueryAjv } from './validate.js';

/** The HTML pages that post forms: payment links (/pay) and the merchant UI (/admin). */
const PAGE_FORM_MOUNTS = ['/pay', '/admin'];

/**
 * The Koa app: shared middleware, then the router of each dialect main.ts registered.
 * `pages` (the payer's HTML pages, src/web/) answer their own paths, errors included,
 * before anything becomes a JSON 404.
 */
export function buildApp(deps: ApiDeps, dialects: readonly Dialect[], pages: readonly Middleware[] = []): Koa<TillState> {
  const app = new Koa<TillState>({ proxy: false });
  app.silent = true;
  const validators = { body: createAjv(), query: createQueryAjv() };
  const routers = dialects.map((d) => d.router(deps, validators));

  // Before anything reads ctx.ip, ctx.protocol or ctx.host (TILL_TRUST_PROXY).
  app.use(forwardedHeaders(deps.trustProxy ?? [], { warn: (msg, fields) => deps.log.warn(fields, msg) }));
  app.use(requestContext(deps.log));
  app.use(securityHeaders);
  app.use(errorMiddleware(deps.log));
  // A dialect's error shape covers its mounts from here on: body errors are its errors too.
  const shapes = dialects.flatMap((d) => (d.errorFormat ? (d.mounts ?? []).map((m) => ({ mount: m, format: d.errorFormat! })) : []));
  if (shapes.length > 0) {
    app.use(async (ctx, next) => {
      const hit = shapes.find((s) => under(ctx.path, s.mount));
      if (hit) ctx.state.errorFormat = hit.format;
      return next();
    });
  }
  // JSON everywhere; form bodies too under the mounts of a dialect that takes them (BitPay).
  // The payment links' public page (/pay/<slug>) posts a plain HTML form.
  // The merchant UI (/admin) posts plain HTML forms too. Under the pages' mounts a body
  // that cannot be read is left to the page (ctx.state.bodyError): a person gets an HTML
  // page, not the API's JSON.
  const readBody = jsonBody(deps.maxBodyBytes, [...dialects.flatMap((d) => (d.formBodies ? (d.mounts ?? []) : [])), ...PAGE_FORM_MOUNTS]);
  app.use(async (ctx, next) => {
    if (!PAGE_FORM_MOUNTS.some((m) => under(ctx.path, m))) return readBody(ctx, next);
    try {
      await readBody(ctx, async () => undefined);
    } catch (e) {
      if (!(e instanceof TillError)) throw e;
      ctx.state.bodyError = { code: e.code, message: e.message };
      ctx.request.body = undefined;
    }
    return next();
  });

  const health: Middleware<TillState> = async (ctx, next) => {
    if (ctx.path !== '/health') return next();
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      if (ctx.method === 'OPTIONS') {
        ctx.status = 204;
        return;
      }
      throw new TillError('method_not_allowed', `Method ${ctx.method} is not allowed on ${ctx.path}`);
    }
    const body = deps.health ? ((await deps.health()) as { ok: boolean }) : { ok: true };
    // Orchestrators (Docker, Umbrel, Start9) read the status code.
    ctx.status = body.ok ? 200 : 503;
    ctx.body = body;
  };
  // Public, like the pages' mounts (an exact path, not a mount): orchestrators and monitors call it without a key.
  app.use(Object.assign(health, { publicPaths: ['/health'] }));
  for (const p of pages) app.use(p as Middleware<TillState>);
  app.use(unansweredToJson);
  for (const r of routers) {
    app.use(r.routes());
    app.use(r.allowedMethods({ throw: false }));
  }
  return app;
}

/**
 * Whatever no route answered becomes a JSON error in the dialect's shape: 404 for a path
 * nothing serves, 405 (with the router's Allow) for a method the path does not take. The
 * router says 501 for a method it implements nowhere (TRACE, PROPFIND): on a path it
 * serves that is a 405 too, elsewhere a 404. OPTIONS, which the router would answer
 * with an empty 200 and Allow before any key is checked, is a 405 with the same Allow:
 * nothing under a dialect's mount answers 2xx without a key.
 */
async function unansweredToJson(ctx: TillContext, next: () => Promise<void>): Promise<void> {
  await next();
  const allow = ctx.response.get('Allow');
  if (ctx.status === 501 && !allow) throw new TillError('not_found', `No such endpoint: ${ctx.method} ${ctx.path}`);
  if (ctx.status === 405 || ctx.status === 501 || (ctx.method === 'OPTIONS' && ctx.status === 200 && ctx.body === '')) {
    throw new TillError('method_not_allowed', `Method ${ctx.method} is not allowed on ${ctx.path}`);
  }
  if (ctx.status === 404 && ctx.body == null) {
    throw new TillError('not_found', `No such endpoint: ${ctx.method} ${ctx.path}`);
  }
}

/** The statuses node itself gives the requests its parser refuses. */
const CLIENT_ERROR_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * For the server's 'clientError' event: a request node's parser refused (headers past
 * its size limit, raw bytes in the path, a bad Content-Length, garbage after a
 * body) never reaches the app, and node's own answer is a bare status line. This gives
 * it the same JSON error shape as everything else, then closes the connection.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex & Partial<Pick<Socket, 'setTimeout'>>): void {
  // As node does: answer only where no response has started, or the bytes would garble it.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? 400;
  const message = status === 431 ? 'Request headers are too large' : `Malformed HTTP request (${STATUS_CODES[status] ?? 'Bad Request'})`;
  const body = JSON.stringify({ error: message, code: 'validation_failed' });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // Read and drop what the client is still sending: closing with unread bytes resets the
  // connection, and a reset can throw away the answer before the client reads it.
  socket.resume();
  socket.setTimeout?.(5000, () => socket.destroy());
}
