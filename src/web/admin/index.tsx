import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { TillError } from '../../domain/errors.js';
import { CSP } from '../checkout/routes.js';
import { ADMIN_SCRIPT, ADMIN_STYLESHEET, type Asset } from './assets.js';
import { sendPage, type AdminContext, type AdminModule, type AdminRouter } from './http.js';
import { authPages } from './auth-pages.js';
import { AdminPage } from './layout.js';
import type { AdminDeps } from './ports.js';
import {
  CSRF_FIELD, newToken, PRELOGIN_COOKIE, readCookie, sameToken, SESSION_COOKIE, setCookie, type AdminState,
} from './session.js';
import { formOf } from './forms.js';

/** Where the merchant UI lives; everything under it needs a login. Umbrel's proxy guards it. */
export const ADMIN_MOUNT = '/admin';

/**
 * What the merchant UI answers that must stay private, as it declares them on its
 * middleware (as the public pages declare `publicMounts`): everything under /admin, and
 * `/`, which leads there. A proxy in front (Umbrel's app proxy) must keep its login on
 * these; test/packaging/umbrel.test.ts reads them from the built app.
 */
export interface MerchantUiMiddleware extends Middleware {
  /** Mounts: the path itself and everything under it. */
  privateMounts: readonly string[];
  /** Exact paths. */
  privatePaths: readonly string[];
  /** The UI's own router (prefixed with /admin), for tools that walk its routes. */
  privateRouter: AdminRouter;
}

/** Paths under /admin a visitor without a session may use. */
const OPEN = new Set(['/admin/login', '/admin/setup']);

function adminHeaders(ctx: Context): void {
  ctx.set('Content-Security-Policy', CSP);
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-store');
}

/**
 * The merchant UI as one Koa middleware: `/` goes to `/admin`; under `/admin` every page
 * needs a session (the login and first-run pages excepted), every POST the form's CSRF
 * token; its assets are served under /assets/. Errors are HTML pages, never JSON.
 */
export function merchantUi(deps: AdminDeps, modules: readonly AdminModule[]): MerchantUiMiddleware {
  const r: AdminRouter = new Router<AdminState>({ prefix: ADMIN_MOUNT, sensitive: true, strict: false });
  const assets = new Map<string, Asset>([ADMIN_STYLESHEET, ADMIN_SCRIPT].map((a) => [a.path, a]));
  for (const m of [authPages, ...modules]) {
    m.register(r, deps);
    for (const a of m.assets ?? []) assets.set(a.path, a);
  }
  const routes = r.routes();
  const allowed = r.allowedMethods();

  const message = (ctx: Context, status: number, title: string, text: string) =>
    sendPage(ctx, status, <AdminPage title={title} csrf={(ctx.state as AdminState).admin ? (ctx.state as AdminState).csrf : undefined} shopName={deps.settings.shopName()}>
      <h1>{title}</h1>
      <p>{text}</p>
      <p><a href="/admin">Back to the dashboard</a></p>
    </AdminPage>);

  /** The session of the cookie; in proxy mode, a new one for a request the trusted proxy let through. */
  const sessionOf = async (ctx: AdminContext): Promise<boolean> => {
    const token = readCookie(ctx, SESSION_COOKIE);
    const s = token ? await deps.auth.session(token) : null;
    if (s) {
      ctx.state.admin = { session: s, actor: `session ${s.id}` };
      ctx.state.csrf = s.csrf;
      return true;
    }
    if (deps.settings.uiAuth === 'proxy' && ctx.state.viaTrustedProxy) {
      const started = await deps.auth.startSession({ ip: ctx.ip, userAgent: ctx.get('User-Agent') || null });
      setCookie(ctx, SESSION_COOKIE, started.token);
      ctx.state.admin = { session: started.session, actor: `proxy session ${started.session.id}` };
      ctx.state.csrf = started.session.csrf;
      return true;
    }
    return false;
  };

  const handler = async (ctx: Context, next: Next) => {
    if (ctx.path === '/' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.status = 302;
      return ctx.redirect(ADMIN_MOUNT);
    }
    if (ctx.path.startsWith('/assets/')) {
      const a = assets.get(ctx.path);
      if (!a || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
      ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.type = a.type;
      ctx.body = a.body;
      return;
    }
    if (ctx.path !== ADMIN_MOUNT && !ctx.path.startsWith(`${ADMIN_MOUNT}/`)) return next();
    const actx = ctx as AdminContext;
    adminHeaders(ctx);
    try {
      if (deps.settings.uiAuth === 'proxy' && !ctx.state.viaTrustedProxy) {
        return message(ctx, 403, 'Open Till from your node', 'This merchant UI is reached through your node\'s app proxy, which asks for its login.');
      }
      const open = OPEN.has(ctx.path.replace(/\/+$/, ''));
      const loggedIn = await sessionOf(actx);
      if (!loggedIn && !open) {
        if (ctx.method === 'GET' || ctx.method === 'HEAD') {
          const back = ctx.path === ADMIN_MOUNT ? '' : `?next=${encodeURIComponent(ctx.url)}`;
          ctx.status = 303;
          return ctx.redirect(`${ADMIN_MOUNT}/login${back}`);
        }
        return message(ctx, 401, 'Log in first', 'Your session has ended. Log in again, then repeat what you did.');
      }
      if (!loggedIn) {
        // Before login the forms carry a token that must match a cookie of this browser.
        let pre = readCookie(ctx, PRELOGIN_COOKIE);
        if (!pre || !/^[A-Za-z0-9_-]{32}$/.test(pre)) {
          pre = newToken();
          setCookie(ctx, PRELOGIN_COOKIE, pre);
        }
        actx.state.csrf = pre;
      }
      const bodyError = actx.state.bodyError;
      if (bodyError) {
        const status = bodyError.code === 'body_too_large' ? 413 : bodyError.code === 'unsupported_media_type' ? 415 : 400;
        return message(ctx, status, 'That form could not be read', `${bodyError.message}. Go back, reload the page and try again.`);
      }
      if (ctx.method === 'POST') {
        const sent = formOf(ctx)[CSRF_FIELD];
        if (!sameToken(sent, actx.state.csrf)) {
          return message(ctx, 403, 'This form has expired', 'The page was open too long, or came from somewhere else. Go back, reload it and try again.');
        }
      }
      await routes(actx, async () => undefined);
      if (ctx.status === 404 && ctx.body == null) await allowed(actx, async () => undefined);
      if (ctx.status === 405 || ctx.status === 501) {
        return message(ctx, 405, 'Not here', `${ctx.method} is not something this page does.`);
      }
      if (ctx.status === 404 && ctx.body == null) return message(ctx, 404, 'Page not found', 'There is no page here.');
    } catch (e) {
      if (e instanceof TillError && /_not_found$/.test(e.code)) return message(ctx, 404, 'Not found', e.message);
      if (e instanceof TillError && e.code !== 'internal') return message(ctx, 400, 'That did not work', e.message);
      deps.onError?.(e);
      return message(ctx, 500, 'Something went wrong', 'Till could not show this page. The error is in its log.');
    }
  };
  return Object.assign(handler, { privateMounts: [ADMIN_MOUNT], privatePaths: ['/'], privateRouter: r });
}

