import type { RouterContext } from '@koa/router';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { render, type Html } from '../render.js';
import type { Actor } from '../../invoicing/audit.js';
import type { Asset } from './assets.js';
import { AdminPage } from './layout.js';
import type { Child } from 'hono/jsx';
import type { AdminDeps } from './ports.js';
import type { AdminState } from './session.js';

/** What every admin page module uses: the router's types, and how a page answers. */

export type AdminContext = RouterContext<AdminState>;
export type AdminRouter = Router<AdminState>;

/** A page module: its routes on the admin router, and any assets of its own. */
export interface AdminModule {
  register(r: AdminRouter, deps: AdminDeps): void;
  assets?: readonly Asset[];
}

/** Answers an HTML page of the merchant UI. */
export function sendPage(ctx: Context, status: number, page: Html): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = render(page, { doctype: true });
}

/** After a change: back to a page (303, so a reload does not post again), with a message. */
export function redirectWith(ctx: Context, to: string, flash?: string): void {
  const url = flash ? `${to}${to.includes('?') ? '&' : '?'}done=${encodeURIComponent(flash.slice(0, 200))}` : to;
  ctx.status = 303;
  ctx.redirect(url);
  ctx.status = 303;
}

/** The message a redirect carried, shown once on the page it lands on. */
export function flashOf(ctx: Context): { text: string } | null {
  const d = ctx.query.done;
  return typeof d === 'string' && d.length > 0 ? { text: d.slice(0, 200) } : null;
}

/** The session's CSRF token (every admin page after login has one). */
export function csrfOf(ctx: AdminContext): string {
  if (!ctx.state.csrf) throw new Error('no CSRF token on an admin page');
  return ctx.state.csrf;
}


/** Who did it, for the audit log: the page's session and the client's address. */
export function actorOf(ctx: AdminContext): Actor {
  return { actor: ctx.state.admin!.actor, ip: ctx.ip || null };
}

/**
 * How a section answers its pages: the admin layout with the section's nav entry, the
 * session's CSRF token, the shop's name, a message carried by a redirect, and the
 * section's own stylesheets.
 */
export function sectionPage(deps: AdminDeps, section: string, styles: readonly Asset[] = []) {
  return (ctx: AdminContext, status: number, title: string, body: Child): void =>
    sendPage(ctx, status, AdminPage({
      title, section, csrf: csrfOf(ctx), shopName: deps.settings.shopName(), flash: flashOf(ctx),
      styles: styles.map((a) => a.path), children: body,
    }) as Html);
}
