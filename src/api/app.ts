import Koa from 'koa';
import { TillError } from '../domain/errors.js';
import { jsonBody } from './body.js';
import type { ApiDeps } from './deps.js';
import { errorMiddleware } from './errors.js';
import { requestContext, securityHeaders } from './request-context.js';
import { createAjv, createQueryAjv } from './validate.js';
import { v1Router } from './v1/routes.js';
import { compileV1Schemas } from './v1/schemas.js';

/** The Koa app: shared middleware, then one router per dialect. */
export function buildApp(deps: ApiDeps): Koa {
  const app = new Koa({ proxy: false });
  app.silent = true;
  const v1 = v1Router(deps, compileV1Schemas(createAjv(), createQueryAjv()));

  app.use(requestContext(deps.log));
  app.use(securityHeaders);
  app.use(errorMiddleware(deps.log));
  app.use(jsonBody(deps.maxBodyBytes));

  app.use(async (ctx, next) => {
    if (ctx.path === '/health' && ctx.method === 'GET') {
      const body = deps.health ? ((await deps.health()) as { ok: boolean }) : { ok: true };
      // Orchestrators (Docker, Umbrel, Start9) read the status code.
      ctx.status = body.ok ? 200 : 503;
      ctx.body = body;
      return;
    }
    await next();
  });
  // Whatever no route answered becomes a JSON 404 (or 405, with Allow) in the dialect's shape.
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 405) {
      throw new TillError('method_not_allowed', `Method ${ctx.method} is not allowed on ${ctx.path}`);
    }
    if (ctx.status === 404 && ctx.body == null) {
      throw new TillError('not_found', `No such endpoint: ${ctx.method} ${ctx.path}`);
    }
  });
  app.use(v1.routes());
  app.use(v1.allowedMethods({ throw: false }));
  return app;
}
