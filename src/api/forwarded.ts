import dns from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import type { Middleware } from 'koa';

/**
 * X-Forwarded-For, -Proto and -Host, believed only from the proxies of TILL_TRUST_PROXY
 * (addresses, CIDR ranges or host names).
 *
 * Koa's own `proxy: true` believes them from anyone, so any client could pick the address
 * a rate limit counts or the origin a page links to. Here the app stays `proxy: false`,
 * and only a request whose direct peer is a trusted proxy (Umbrel's app proxy, a
 * reverse proxy on the LAN) has its client address, scheme and host taken from the
 * headers. The client is the right-most address in X-Forwarded-For that is not itself a
 * trusted proxy: entries left of it were written by the client and prove nothing.
 */
export interface ForwardedOptions {
  /** Looks a proxy's host name up (default: the system resolver, every address). */
  lookup?: (host: string) => Promise<string[]>;
  /** How long a host name's addresses are kept. Default 60 s: a restarted container may come back elsewhere. */
  refreshMs?: number;
  now?: () => number;
}

const systemLookup = async (host: string): Promise<string[]> => (await dns.lookup(host, { all: true })).map((a) => a.address);

export function forwardedHeaders(trusted: readonly string[], opts: ForwardedOptions = {}): Middleware {
  if (trusted.length === 0) return (_ctx, next) => next();
  const isTrusted = trustList(trusted, opts);
  return async (ctx, next) => {
    const test = await isTrusted();
    if (!test(ctx.req.socket.remoteAddress)) return next();
    // The merchant UI's proxy login (TILL_UI_AUTH=proxy) counts only through a trusted proxy.
    (ctx.state as { viaTrustedProxy?: boolean }).viaTrustedProxy = true;
    const hops = listHeader(ctx.get('X-Forwarded-For'));
    if (hops.length > 0) {
      let client = hops[0]!;
      for (let i = hops.length - 1; i >= 0; i--) {
        if (!test(hops[i])) {
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

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

function rangeOf(entry: string): Range {
  if (entry.includes('/')) return ipaddr.parseCIDR(entry);
  const a = ipaddr.process(entry);
  return [a, a.kind() === 'ipv4' ? 32 : 128];
}

/** Whether an address (v4, v6, or v4-mapped v6) lies in one of `list`'s addresses or CIDR ranges. */
export function trustTest(list: readonly string[]): (addr: string | undefined) => boolean {
  const ranges = list.map(rangeOf);
  return (addr) => {
    if (!addr || !ipaddr.isValid(addr)) return false;
    const a = ipaddr.process(addr);
    return ranges.some(([base, bits]) => a.kind() === base.kind() && a.match(base, bits));
  };
}

/**
 * `list`'s addresses and ranges, and the addresses its host names resolve to (Umbrel's
 * app proxy is a container named till_app_proxy_1, its address given at each start).
 * A name that does not resolve trusts nothing until it does.
 */
function trustList(list: readonly string[], opts: ForwardedOptions): () => Promise<(addr: string | undefined) => boolean> {
  const literal = list.filter((e) => e.includes('/') || ipaddr.isValid(e));
  const names = list.filter((e) => !literal.includes(e));
  const fixed = trustTest(literal);
  if (names.length === 0) return async () => fixed;
  const lookup = opts.lookup ?? systemLookup;
  const now = opts.now ?? Date.now;
  const refreshMs = opts.refreshMs ?? 60_000;
  let current: { test: (addr: string | undefined) => boolean; at: number } | null = null;
  let pending: Promise<(addr: string | undefined) => boolean> | null = null;
  const refresh = async () => {
    const found = await Promise.all(names.map((n) => lookup(n).catch(() => [] as string[])));
    const resolved = trustTest(found.flat().filter((a) => ipaddr.isValid(a)));
    const test = (addr: string | undefined) => fixed(addr) || resolved(addr);
    current = { test, at: now() };
    return test;
  };
  return () => {
    if (current && now() - current.at < refreshMs) return Promise.resolve(current.test);
    pending ??= refresh().finally(() => {
      pending = null;
    });
    return pending;
  };
}
