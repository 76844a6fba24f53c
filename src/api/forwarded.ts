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
  /** How long a host name's addresses are kept while they keep matching. Default 60 s. */
  refreshMs?: number;
  /**
   * A peer that is not trusted has the names looked up again, at most this often (default
   * 5 s): a restarted proxy at a new address is trusted again within seconds, and the
   * address it left stops being trusted at that lookup.
   */
  missRefreshMs?: number;
  now?: () => number;
  /** Told once per name when a name resolves to more than one address (none is trusted). */
  warn?: (message: string, fields: { proxy: string; addresses: string[] }) => void;
}

const systemLookup = async (host: string): Promise<string[]> => (await dns.lookup(host, { all: true })).map((a) => a.address);

export function forwardedHeaders(trusted: readonly string[], opts: ForwardedOptions = {}): Middleware {
  if (trusted.length === 0) return (_ctx, next) => next();
  const trust = proxyTrust(trusted, opts);
  return async (ctx, next) => {
    const test = await trust(ctx.req.socket.remoteAddress);
    if (!test) return next();
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

type AddrTest = (addr: string | undefined) => boolean;

/**
 * Whether a peer is one of `list`'s proxies: its addresses and ranges, and the address each
 * host name resolves to (Umbrel's app proxy is a container named till_app_proxy_1, its
 * address given at each start). Resolves to the test for X-Forwarded-For's hops when the
 * peer is trusted, to null when not.
 *
 * Fails closed. A name that does not resolve trusts nothing. A name that resolves to more
 * than one address trusts none of them (and says so once): on a shared Docker network any
 * other container may add the proxy's name as an alias of its own, and the resolver then
 * answers with both. Addresses are kept `refreshMs` while peers match; a peer that does
 * not match has the names looked up again, at most every `missRefreshMs`, so a failed or
 * empty lookup is retried within seconds and a proxy's old address stops being trusted
 * once it has moved.
 */
export function proxyTrust(list: readonly string[], opts: ForwardedOptions = {}): (peer: string | undefined) => Promise<AddrTest | null> {
  const literal = list.filter((e) => e.includes('/') || ipaddr.isValid(e));
  const names = list.filter((e) => !literal.includes(e));
  const fixed = trustTest(literal);
  if (names.length === 0) return async (peer) => (fixed(peer) ? fixed : null);
  const lookup = opts.lookup ?? systemLookup;
  const now = opts.now ?? Date.now;
  const refreshMs = opts.refreshMs ?? 60_000;
  const missRefreshMs = opts.missRefreshMs ?? 5_000;
  const warned = new Set<string>();
  let current: { test: AddrTest; at: number } | null = null;
  let pending: Promise<AddrTest> | null = null;

  const resolveOne = async (name: string): Promise<string[]> => {
    const found = await lookup(name).catch(() => [] as string[]);
    const addrs = [...new Set(found.filter((a) => ipaddr.isValid(a)).map((a) => ipaddr.process(a).toString()))];
    if (addrs.length <= 1) {
      warned.delete(name);
      return addrs;
    }
    if (!warned.has(name)) {
      warned.add(name);
      opts.warn?.(
        `TILL_TRUST_PROXY: ${name} resolves to ${addrs.length} addresses (${addrs.join(', ')}), so none of them is trusted: another container may carry the proxy's name`,
        { proxy: name, addresses: addrs },
      );
    }
    return [];
  };
  const refresh = (): Promise<AddrTest> => {
    pending ??= (async () => {
      const resolved = trustTest((await Promise.all(names.map(resolveOne))).flat());
      const test: AddrTest = (addr) => fixed(addr) || resolved(addr);
      current = { test, at: now() };
      return test;
    })().finally(() => {
      pending = null;
    });
    return pending;
  };

  return async (peer) => {
    let test = current && now() - current.at < refreshMs ? current.test : await refresh();
    if (test(peer)) return test;
    if (current && now() - current.at >= missRefreshMs) test = await refresh();
    return test(peer) ? test : null;
  };
}
