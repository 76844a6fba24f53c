import { TillError } from '../../domain/errors.js';
import { parseIp } from './address.js';
import { normalizeHost } from './allow-list.js';

/**
 * - `ip`: an IP literal (any spelling the URL parser accepts, already canonical here);
 * - `localhost`: `localhost` or `*.localhost`, this machine whatever DNS says;
 * - `mdns`: `*.local`, answered by devices on the LAN;
 * - `onion`: a Tor onion service, reachable only through the SOCKS proxy;
 * - `name`: anything else, judged by the addresses it resolves to.
 */
export type HostKind = 'ip' | 'localhost' | 'mdns' | 'onion' | 'name';

export interface Target {
  readonly url: URL;
  /** Lower case, without brackets or trailing dot: `127.0.0.1`, `::ffff:7f00:1`, `shop.example`. */
  readonly host: string;
  readonly kind: HostKind;
}

function hasSuffix(host: string, tld: string): boolean {
  return host === tld || host.endsWith(`.${tld}`);
}

export function hostKind(host: string): HostKind {
  if (parseIp(host) !== null) return 'ip';
  if (hasSuffix(host, 'localhost')) return 'localhost';
  if (hasSuffix(host, 'local')) return 'mdns';
  if (hasSuffix(host, 'onion')) return 'onion';
  return 'name';
}

/**
 * Reads a receiver URL with the WHATWG parser, which also turns every IPv4 spelling it
 * accepts (2130706433, 0x7f.1, 0177.0.0.1, 127.1) and IPv6 literal into one canonical form,
 * so the checks below see the address the request will go to. Only http and https.
 * Credentials (`user:pass@`) are kept — some receivers use basic auth — but never appear in
 * messages; log URLs through `redactUrl`.
 */
export function parseTarget(input: string | URL, label = 'webhook URL', field = 'url'): Target {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new TillError('validation_failed', `${label} must be an absolute http(s) URL such as https://shop.example.com/webhook`, { field });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TillError('validation_failed', `${label} must use http or https, not ${url.protocol.slice(0, -1)}`, { field });
  }
  const host = normalizeHost(url.hostname);
  if (host === '' || host.includes('..')) {
    throw new TillError('validation_failed', `${label} must name a host`, { field });
  }
  return { url, host, kind: hostKind(host) };
}

/** The URL without its password, and with a user name shown as `***`: safe for logs and errors. */
export function redactUrl(url: URL | string): string {
  let copy: URL;
  try {
    copy = new URL(String(url));
  } catch {
    return '(invalid URL)';
  }
  if (copy.username !== '' || copy.password !== '') {
    copy.username = '***';
    copy.password = '';
  }
  return copy.toString();
}
