import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { UiSession } from '../../invoicing/merchant-auth.js';

/** The session cookie: HttpOnly, SameSite=Strict, only under /admin, Secure over https. */
export const SESSION_COOKIE = 'till_session';
/** Before login: the double-submit token of the login and first-run forms. */
export const PRELOGIN_COOKIE = 'till_csrf';
export const CSRF_FIELD = '_csrf';

export interface AdminSession {
  session: UiSession;
  /** Who the audit log names: the session, by number. */
  actor: string;
}

/** What the admin pages keep on ctx.state. */
export interface AdminState {
  admin?: AdminSession;
  /** The CSRF token the page's forms carry (the session's, or the pre-login one). */
  csrf?: string;
  viaTrustedProxy?: boolean;
  /** Why the posted body could not be read (api/app.ts leaves it to the page). */
  bodyError?: { code: string; message: string };
}

export function readCookie(ctx: Context, name: string): string | null {
  const header = ctx.get('Cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return null;
}

/**
 * Sets a cookie by hand: Koa's cookies refuse `Secure` on a request it thinks is plain
 * http, though a trusted proxy in front said https (forwarded.ts sets the protocol).
 */
export function setCookie(ctx: Context, name: string, value: string, o: { maxAgeS?: number } = {}): void {
  const parts = [`${name}=${value}`, 'Path=/admin', 'HttpOnly', 'SameSite=Strict'];
  if (o.maxAgeS !== undefined) parts.push(`Max-Age=${o.maxAgeS}`);
  if (ctx.protocol === 'https') parts.push('Secure');
  ctx.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(ctx: Context, name: string): void {
  setCookie(ctx, name, '', { maxAgeS: 0 });
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Equal tokens, in time that does not tell how much of a guess was right. */
export function sameToken(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

export { clientKey } from '../client-key.js';
