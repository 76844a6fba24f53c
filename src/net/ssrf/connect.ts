import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { normalizeHost, type AllowList } from './allow-list.js';
import { firstRefused, judgeName, systemResolver, type Resolver } from './policy.js';
import { withArticle } from './ranges.js';
import { hostKind, parseTarget, type Target } from './target.js';

/**
 * The connect-time refusal: shaped like a socket error (`code`, `hostname`) so an HTTP
 * client surfaces it as a failed request, with `code` 'ESSRF' to tell it from network trouble.
 */
export class SsrfError extends Error {
  readonly code = 'ESSRF';

  constructor(
    message: string,
    readonly hostname: string,
    /** The refused address, when an address (not a name) was the problem. */
    readonly address?: string,
  ) {
    super(message);
    this.name = 'SsrfError';
  }
}

/** Why an IP-literal host may not be connected to, or null. */
export function literalRefusal(host: string, allow: AllowList): SsrfError | null {
  const bad = firstRefused(host, [host], allow);
  return bad === null ? null : new SsrfError(`refusing to connect to ${bad.address}, ${withArticle(bad.reason)}`, host, bad.address);
}

/**
 * Connect-time check to run right before each request. Node skips `lookup` for IP-literal
 * hosts, so literals are classified here (the guarded agent repeats this); names get the
 * name rules here and the address rules in `guardedLookup`. Throws SsrfError. `viaProxy`
 * says the request must go through the SOCKS proxy (onion services), where no lookup runs.
 */
export function assertConnectable(
  input: string | URL,
  allow: AllowList,
  options: { proxyConfigured?: boolean } = {},
): { url: URL; viaProxy: boolean } {
  let target: Target;
  try {
    target = parseTarget(input);
  } catch (e) {
    throw new SsrfError(`refusing to connect: ${(e as Error).message}`, '');
  }
  const { url, host } = target;
  const byName = judgeName(host, target.kind, allow, options.proxyConfigured ?? false);
  if (!byName.ok) throw new SsrfError(`refusing to connect: ${byName.why}`, host);
  if (target.kind === 'ip') {
    const refusal = literalRefusal(host, allow);
    if (refusal !== null) throw refusal;
  }
  return { url, viaProxy: byName.viaProxy };
}

function wantedFamily(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

type LookupCallback = Parameters<LookupFunction>[2];

/**
 * A `dns.lookup`-compatible function for the `lookup` option of http(s).request or an
 * Agent: it resolves the name and refuses (SsrfError, code 'ESSRF') when any address is
 * refused and neither the host nor that address is allowed — the save-time rules applied to
 * the addresses the socket will actually use, which defeats DNS rebinding. Honours `all`
 * (node's happy-eyeballs connect asks for every address) and `family`.
 */
export function guardedLookup(allow: AllowList, options: { resolve?: Resolver } = {}): LookupFunction {
  const resolve = options.resolve ?? systemResolver;
  return (hostname: string, lookupOptions: LookupOptions | LookupCallback, maybeCallback?: LookupCallback) => {
    // Node always passes options; dns.lookup's (hostname, callback) form is accepted anyway.
    const callback = (typeof lookupOptions === 'function' ? lookupOptions : maybeCallback) as LookupCallback;
    const opts: LookupOptions = typeof lookupOptions === 'object' && lookupOptions !== null ? lookupOptions : {};
    guardedResolve(hostname, allow, resolve, wantedFamily(opts.family)).then(
      (addresses) => {
        const first = addresses[0]!;
        if (opts.all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, opts.all === true ? [] : ''),
    );
  };
}

async function guardedResolve(hostname: string, allow: AllowList, resolve: Resolver, family: 0 | 4 | 6): Promise<LookupAddress[]> {
  const host = normalizeHost(hostname);
  const literal = isIP(host);
  if (literal === 0) {
    const kind = hostKind(host);
    // Onion names must never leak to the system resolver; they go through the SOCKS proxy.
    if (kind === 'onion') throw new SsrfError(`refusing to resolve ${host}: onion services are reached only through TILL_PROXY`, host);
    const byName = judgeName(host, kind, allow, false);
    if (!byName.ok) throw new SsrfError(`refusing to connect: ${byName.why}`, host);
  }
  const all = literal === 0 ? await resolve(host) : [{ address: host, family: literal }];
  const bad = firstRefused(host, all.map((a) => a.address), allow);
  if (bad !== null) {
    throw new SsrfError(`refusing to connect to ${host}: it resolves to ${bad.address}, ${withArticle(bad.reason)}`, host, bad.address);
  }
  const usable = all.filter((a) => family === 0 || a.family === family).map((a) => ({ address: a.address, family: a.family }));
  if (usable.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname: host });
  }
  return usable;
}
