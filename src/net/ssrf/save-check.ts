import { TillError } from '../../domain/errors.js';
import type { AllowList } from './allow-list.js';
import { ALLOW_HINT, firstRefused, judgeName, systemResolver, type ResolvedAddress, type Resolver } from './policy.js';
import { withArticle } from './ranges.js';
import { parseTarget } from './target.js';

export interface CheckOptions {
  readonly allow: AllowList;
  /** Defaults to `dns.promises.lookup(host, { all: true, verbatim: true })`. */
  readonly resolve?: Resolver;
  /** Whether TILL_PROXY is set; onion services need it. */
  readonly proxyConfigured?: boolean;
  /** Save-time resolution gives up after this long (default 5000 ms). */
  readonly resolveTimeoutMs?: number;
  /** How messages name the URL ("webhook URL", "notificationURL") and the field in `details`. */
  readonly label?: string;
  readonly field?: string;
}

/**
 * Save-time check of a receiver URL. IP literals are classified; names are resolved and
 * refused if ANY of their addresses is refused (unless the host or that address is allowed);
 * onion services are never resolved here. Resolves to the parsed URL and whether it must go
 * through the SOCKS proxy; throws TillError('validation_failed', message for the merchant or
 * operator, { field }).
 */
export async function checkWebhookTarget(input: string | URL, options: CheckOptions): Promise<{ url: URL; viaProxy: boolean }> {
  const { allow, resolve = systemResolver, proxyConfigured = false, resolveTimeoutMs = 5000 } = options;
  const label = options.label ?? 'webhook URL';
  const field = options.field ?? 'url';
  const refuse = (message: string): never => {
    throw new TillError('validation_failed', `${label} ${message}`, { field });
  };

  const target = parseTarget(input, label, field);
  const { url, host } = target;
  const byName = judgeName(host, target.kind, allow, proxyConfigured);
  if (!byName.ok) return refuse(byName.why);
  if (byName.viaProxy) return { url, viaProxy: true };

  if (target.kind === 'ip') {
    const bad = firstRefused(host, [host], allow);
    if (bad !== null) refuse(`points to ${bad.address}, ${withArticle(bad.reason)}; ${ALLOW_HINT}`);
    return { url, viaProxy: false };
  }

  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await withTimeout(resolve(host), resolveTimeoutMs);
  } catch (e) {
    if (e instanceof ResolveTimeout) return refuse(`host ${host} did not resolve within ${resolveTimeoutMs} ms; check the host name`);
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return refuse(`host ${host} does not resolve (${code}); check the host name`);
  }
  if (addresses.length === 0) refuse(`host ${host} resolves to no address; check the host name`);
  const bad = firstRefused(host, addresses.map((a) => a.address), allow);
  if (bad !== null) refuse(`resolves to ${bad.address}, ${withArticle(bad.reason)}; ${ALLOW_HINT}`);
  return { url, viaProxy: false };
}

class ResolveTimeout extends Error {}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ResolveTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
