import { domainToASCII } from 'node:url';
import { TillError } from '../../domain/errors.js';
import { cidrContains, mappedIpv4, parseCidr, parseIp, type Cidr } from './address.js';

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** Lower case, no brackets, no trailing dot, IDN as punycode: how a WHATWG URL spells a host. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

function isHostName(name: string): boolean {
  return name.length <= 253 && name.split('.').every((label) => LABEL.test(label));
}

/**
 * The operator's exceptions to the SSRF guard (TILL_WEBHOOK_ALLOW_HOSTS): host names
 * (`shop.lan`), wildcard suffixes (`*.lan`, `*.onion` — subdomains only, not `lan` itself),
 * IP addresses and CIDR ranges (`192.168.1.0/24`, `fd00::/8`). An allowed host may resolve
 * to private addresses; an allowed address may be connected to whatever name led there.
 */
export class AllowList {
  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly suffixes: readonly string[],
    private readonly ranges: readonly Cidr[],
    /** The entries as given, for logging the effective configuration. */
    readonly entries: readonly string[],
  ) {}

  /**
   * Empty entries are skipped (a trailing comma in the env var); anything unreadable is a
   * `config_invalid` error naming the entry, so a typo cannot silently allow nothing.
   */
  static parse(entries: readonly string[], source = 'TILL_WEBHOOK_ALLOW_HOSTS'): AllowList {
    const names = new Set<string>();
    const suffixes: string[] = [];
    const ranges: Cidr[] = [];
    const kept: string[] = [];
    const fail = (entry: string, why: string): never => {
      throw new TillError(
        'config_invalid',
        `${source} entry "${entry}" ${why}; entries are host names (shop.lan), wildcards (*.lan), IP addresses or CIDR ranges (192.168.1.0/24)`,
      );
    };
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry === '') continue;
      kept.push(entry);
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) fail(entry, 'is a URL, not a host');
      if (entry.includes('/')) {
        const parsed = parseCidr(entry);
        if (!parsed.ok) fail(entry, `is not a valid CIDR range (${parsed.error})`);
        else ranges.push(parsed.cidr);
        continue;
      }
      const literal = parseCidr(normalizeHost(entry));
      if (literal.ok) {
        ranges.push(literal.cidr);
        continue;
      }
      if (entry.startsWith('*.')) {
        const suffix = domainToASCII(normalizeHost(entry.slice(2)));
        if (suffix === '' || !isHostName(suffix)) fail(entry, 'is not a valid wildcard');
        suffixes.push(`.${suffix}`);
        continue;
      }
      if (entry.includes('*')) fail(entry, 'has a wildcard that is not a leading "*."');
      const name = domainToASCII(normalizeHost(entry));
      // domainToASCII reads "127.1" or "0x7f.1" as the IPv4 address a URL would.
      const spelledIp = parseCidr(name);
      if (spelledIp.ok) {
        ranges.push(spelledIp.cidr);
        continue;
      }
      if (name === '' || !isHostName(name)) fail(entry, 'is not a host name (no scheme, port or path)');
      names.add(name);
    }
    return new AllowList(names, suffixes, ranges, kept);
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** A host as in a URL: a name (exact or under a wildcard) or an IP literal (by its address). */
  allowsHost(host: string): boolean {
    const h = normalizeHost(host);
    if (parseIp(h) !== null) return this.allowsAddress(h);
    if (this.names.has(h)) return true;
    return this.suffixes.some((s) => h.endsWith(s) && h.length > s.length);
  }

  /** An IPv4-mapped IPv6 address also matches entries for its IPv4 address. */
  allowsAddress(address: string): boolean {
    const ip = parseIp(address);
    if (ip === null) return false;
    const v4 = mappedIpv4(ip);
    return this.ranges.some((r) => cidrContains(r, ip) || (v4 !== null && cidrContains(r, v4)));
  }
}
