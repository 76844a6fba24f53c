import ipaddr from 'ipaddr.js';
import type { Middleware } from 'koa';

/**
 * X-Forwarded-For, -Proto and -Host, believed only from the proxies of TILL_TRUST_PROXY.
 *
 * Koa's own `proxy: true` believes them from anyone, so any client could pick the address
 * a rate limit counts or the origin a page links to. Here the app stays `proxy: false`,
 * and only a request whose direct peer is a trusted proxy (Umbrel's app proxy, a
 * reverse proxy on the LAN) has its client address, scheme and host taken from the
 * headers. The client is the right-most address in X-Forwarded-For that is not itself a
 * trusted proxy: entries left of it were written by the client and prove nothing.
 */
export function forwardedHeaders(trusted: readonly string[]): Middleware {
  if (trusted.length === 0) return (_ctx, next) => next();
  const isTrusted = trustTest(trusted);
  return (ctx, next) => {
    if (!isTrusted(ctx.req.socket.remoteAddress)) return next();
    const hops = listHeader(ctx.get('X-Forwarded-For'));
    if (hops.length > 0) {
      let client = hops[0]!;
      for (let i = hops.length - 1; i >= 0; i--) {
        if (!isTrusted(hops[i])) {
          client = hops[i]!;
          break;
        }
      }
      if (ipaddr.isValid(client)) ctx.request.ip = ipaddr.process(client).toString();
    }
    const proto = listHeader(ctx.get('X-Forwarded-Proto'))[0]?.toLowerCase();
    if (proto === 'http' || proto === 'https') Object.defineProperty(ctx.request, 'protocol', { value: proto });
    const host = listHeader(ctx.get('X-Forwarded-Host'))[0];
    if (host) Object.defineProperty(ctx.request, 'host', { value: host });
    return next();
  };
}

function listHeader(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Whether an address (v4, v6, or v4-mapped v6) lies in one of `list`'s addresses or CIDR ranges. */
export function trustTest(list: readonly string[]): (addr: string | undefined) => boolean {
  const ranges = list.map((entry) => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const a = ipaddr.process(entry);
    return [a, a.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
  });
  return (addr) => {
    if (!addr || !ipaddr.isValid(addr)) return false;
    const a = ipaddr.process(addr);
    return ranges.some(([base, bits]) => a.kind() === base.kind() && a.match(base, bits));
  };
}
