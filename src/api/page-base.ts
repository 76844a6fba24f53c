import { pageBaseFor } from '../domain/page-url.js';
import type { TillContext } from './state.js';

/** Where this request's payer pages are: TILL_PUBLIC_URL, else the request's own origin. */
export function pageBaseOf(ctx: Pick<TillContext, 'protocol' | 'host'>, publicUrl: string): string {
  return pageBaseFor(publicUrl, ctx.protocol, ctx.host);
}
