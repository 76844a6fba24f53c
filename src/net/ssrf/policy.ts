import { promises as dnsPromises } from 'node:dns';
import type { AllowList } from './allow-list.js';
import { classifyIp } from './ranges.js';
import type { HostKind } from './target.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: number;
}

/** Every A/AAAA address of a name, in resolver order. Injectable for tests. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) => dnsPromises.lookup(hostname, { all: true, verbatim: true });

export const ALLOW_HINT = 'allow it with TILL_WEBHOOK_ALLOW_HOSTS if this is your shop on the LAN';

export type NameVerdict = { ok: true; viaProxy: boolean } | { ok: false; why: string };

/** The rules that depend on the host's name alone, shared by save and connect time. */
export function judgeName(host: string, kind: HostKind, allow: AllowList, proxyConfigured: boolean): NameVerdict {
  switch (kind) {
    case 'localhost':
      return allow.allowsHost(host)
        ? { ok: true, viaProxy: false }
        : { ok: false, why: `host ${host} is this machine; allow it with TILL_WEBHOOK_ALLOW_HOSTS if your shop runs here` };
    case 'mdns':
      return allow.allowsHost(host)
        ? { ok: true, viaProxy: false }
        : { ok: false, why: `host ${host} is an mDNS (.local) name on the LAN; ${ALLOW_HINT}` };
    case 'onion':
      if (!allow.allowsHost(host)) {
        return { ok: false, why: `host ${host} is a Tor onion service; allow it with TILL_WEBHOOK_ALLOW_HOSTS (e.g. *.onion) and set TILL_PROXY` };
      }
      if (!proxyConfigured) {
        return { ok: false, why: `host ${host} is a Tor onion service, which needs TILL_PROXY (a SOCKS5 proxy such as socks5h://127.0.0.1:9050)` };
      }
      return { ok: true, viaProxy: true };
    case 'ip':
    case 'name':
      return { ok: true, viaProxy: false };
  }
}

/**
 * The first address that is refused and not allowed, with why; null when every one may be
 * used. One bad address spoils the name: a client may connect to any of them.
 */
export function firstRefused(host: string, addresses: readonly string[], allow: AllowList): { address: string; reason: string } | null {
  const nameAllowed = allow.allowsHost(host);
  for (const address of addresses) {
    const verdict = classifyIp(address);
    if (verdict.ok || allow.allowsAddress(address)) continue;
    // An allowed name (a LAN shop) may resolve to a private address, never to a cloud
    // metadata service: a poisoned or mistyped name must not reach the host's credentials.
    // Only the address itself, listed on purpose, lets that through.
    if (nameAllowed && !/metadata/.test(verdict.reason)) continue;
    return { address, reason: verdict.reason };
  }
  return null;
}
