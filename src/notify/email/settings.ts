import { TillError } from '../../domain/errors.js';
import { parseMailbox } from './address.js';

/**
 * How Till reaches the merchant's mail server. `tls` is implicit TLS from the first byte
 * (port 465), `starttls` upgrades a plain connection and fails if the server cannot,
 * `none` stays plain (a relay on localhost or the LAN).
 */
export interface SmtpSettings {
  host: string;
  port: number;
  secure: 'tls' | 'starttls' | 'none';
  user?: string;
  password?: string;
  /** `till@shop.example` or `Shop <till@shop.example>`. */
  from: string;
  timeoutMs?: number;
}

export const SMTP_SECURE_MODES = ['tls', 'starttls', 'none'] as const;
export const DEFAULT_SMTP_TIMEOUT_MS = 10_000;
const MAX_TIMEOUT_MS = 600_000;

const QUERY_KEYS = new Set(['from', 'secure', 'timeout']);

function invalid(message: string): TillError {
  return new TillError('config_invalid', `SMTP URL ${message}`);
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(`has a malformed percent-escape in the ${what}`);
  }
}

function isSecureMode(v: string): v is SmtpSettings['secure'] {
  return (SMTP_SECURE_MODES as readonly string[]).includes(v);
}

/**
 * Reads TILL_SMTP_URL:
 *   smtp://user:pass@host:587                  STARTTLS required (default port 587)
 *   smtps://user:pass@host:465                 implicit TLS (default port 465)
 *   smtp://host:25?secure=none                 plain, no TLS (default port 25)
 * Query: `from` (the sender, else `defaults.from`, else the user name when it is an
 * address), `secure` (tls | starttls | none, smtp:// only), `timeout` (ms). Credentials are
 * percent-decoded, so a password with `@` or `:` is written `%40`, `%3A`. Messages never
 * repeat the URL, which may hold the password.
 */
export function parseSmtpUrl(url: string, defaults: { from?: string; timeoutMs?: number } = {}): SmtpSettings {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw invalid('must look like smtp://user:password@host:587 or smtps://host:465');
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') {
    throw invalid('must start with smtp:// or smtps://');
  }
  // smtp: is not a WHATWG "special" scheme, so the host comes back as written (any case,
  // percent-escapes kept, IPv6 in brackets) and has to be checked here.
  if (u.hostname === '') throw invalid('must name a host');
  const ipv6 = /^\[([0-9A-Fa-f:.]+)\]$/.exec(u.hostname);
  if (ipv6 === null && !/^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?$/.test(u.hostname)) {
    throw invalid('host must be a DNS name or an IP address');
  }
  const host = ipv6?.[1] ?? u.hostname.toLowerCase();
  if (u.pathname !== '' && u.pathname !== '/') throw invalid('must not have a path');
  if (u.hash !== '') throw invalid('must not have a #fragment');

  for (const key of u.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) throw invalid(`has an unknown parameter "${key}" (known: from, secure, timeout)`);
  }

  const secureParam = u.searchParams.get('secure');
  let secure: SmtpSettings['secure'];
  if (u.protocol === 'smtps:') {
    if (secureParam !== null && secureParam !== 'tls') throw invalid('smtps:// is always secure=tls');
    secure = 'tls';
  } else if (secureParam === null) {
    secure = 'starttls';
  } else if (isSecureMode(secureParam)) {
    secure = secureParam;
  } else {
    throw invalid('secure must be tls, starttls or none');
  }

  let port: number;
  if (u.port === '') {
    port = secure === 'tls' ? 465 : secure === 'starttls' ? 587 : 25;
  } else {
    port = Number(u.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid('port must be 1-65535');
  }

  const user = u.username === '' ? undefined : decode(u.username, 'user name');
  const password = u.password === '' ? undefined : decode(u.password, 'password');
  if (user === undefined && password !== undefined) throw invalid('has a password but no user name');
  if (user !== undefined && password === undefined) throw invalid('has a user name but no password');

  const from = u.searchParams.get('from') ?? defaults.from ?? (user?.includes('@') === true ? user : undefined);
  if (from === undefined) {
    throw invalid('needs a sender address: add ?from=till%40shop.example');
  }
  if (parseMailbox(from) === null) {
    throw invalid('from must be an address such as till@shop.example or "Shop <till@shop.example>"');
  }

  let timeoutMs = defaults.timeoutMs;
  const timeoutParam = u.searchParams.get('timeout');
  if (timeoutParam !== null) {
    if (!/^[0-9]{1,7}$/.test(timeoutParam)) throw invalid('timeout must be milliseconds, e.g. 10000');
    timeoutMs = Number(timeoutParam);
  }
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) {
    throw invalid(`timeout must be 1-${MAX_TIMEOUT_MS} ms`);
  }

  return {
    host,
    port,
    secure,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
    from,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

/** The settings fit for a log line or a `till` CLI check: the password replaced. */
export function redactSmtpSettings(s: SmtpSettings): Omit<SmtpSettings, 'password'> & { password?: '[redacted]' } {
  const { password, ...rest } = s;
  return password === undefined ? rest : { ...rest, password: '[redacted]' };
}
