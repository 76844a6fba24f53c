import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

export interface Cidr {
  readonly range: [IpAddress, number];
  /** As written, for refusal reasons: "10.0.0.0/8", "fc00::/7". */
  readonly text: string;
}

/**
 * A canonical IP address — dotted-decimal IPv4 or IPv6, optionally in [brackets] and with a
 * %zone — else null, so callers fail closed. ipaddr.js alone would also read inet_aton's
 * short, octal and hex IPv4 forms (127.1, 0177.0.0.1); turning those into the address a
 * request reaches is the URL parser's job, so node's strict isIP gates what ipaddr.js parses.
 */
export function parseIp(text: string): IpAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const family = isIP(bare);
  if (family === 0) return null;
  return ipaddr.parse(family === 6 ? hexTail(bare) : bare);
}

/**
 * ipaddr.js reads the deprecated IPv4-compatible "::a.b.c.d" as the IPv4-mapped
 * "::ffff:a.b.c.d", another address with another verdict; spelling a dotted tail as two hex
 * groups makes it read the address written.
 */
function hexTail(v6: string): string {
  const zone = v6.indexOf('%');
  const addr = zone === -1 ? v6 : v6.slice(0, zone);
  const hex = addr.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  return zone === -1 ? hex : hex + v6.slice(zone);
}

/** Parses "a.b.c.d/n" or "v6/n"; a bare address is its /32 or /128. Host bits must be zero. */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) return { ok: false, error: `${addrText} is not an IP address` };
  const bits = ip.kind() === 'ipv4' ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    // ipaddr.js would take "08" or "+8"; an entry is refused unless it says one thing.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, error: `/${prefixText} is not a prefix length from 0 to ${bits}` };
    }
    prefix = Number(prefixText);
  }
  const bare = ip.toString().replace(/%.*$/s, '');
  const network = (ip.kind() === 'ipv4' ? ipaddr.IPv4 : ipaddr.IPv6).networkAddressFromCIDR(`${bare}/${prefix}`);
  if (network.toString() !== bare) {
    return { ok: false, error: `${text} has host bits set, did you mean ${network.toString()}/${prefix}?` };
  }
  const written = addrText.startsWith('[') ? addrText.slice(1, -1) : addrText;
  return { ok: true, cidr: { range: [ip, prefix], text: `${written}/${prefix}` } };
}

/** Builds a CIDR from a known-good literal; for the built-in range tables. */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad built-in CIDR ${text}: ${parsed.error}`);
  return parsed.cidr;
}

export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  // ipaddr.js throws on a family mismatch; across families nothing is contained.
  return ip.kind() === range.range[0].kind() && ip.match(range.range);
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function mappedIpv4(ip: IpAddress): ipaddr.IPv4 | null {
  return ip instanceof ipaddr.IPv6 && ip.isIPv4MappedAddress() ? ip.toIPv4Address() : null;
}
