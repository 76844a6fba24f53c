import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { TillMiddleware } from './state.js';
import type { Logger } from '../log.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Gives every request an id (a caller's sane X-Request-Id, else a new UUID), a child
 * logger carrying it, and one log line when it ends. Only method, path and status are
 * logged: never headers, query strings or bodies, which can hold keys.
 */
export function requestContext(log: Logger): TillMiddleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = log.child({ req_id: requestId });
    ctx.set('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.state.log.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 100) / 100 },
        'request',
      );
    }
  };
}

/** Headers every response carries: JSON APIs are not to be framed, sniffed or cached. */
export async function securityHeaders(ctx: Context, next: Next): Promise<void> {
  await next();
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  if (ctx.path.startsWith('/api/')) ctx.set('Cache-Control', 'no-store');
}
