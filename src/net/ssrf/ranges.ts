import ipaddr from 'ipaddr.js';
import { cidr, cidrContains, parseIp, type Cidr, type IpAddress } from './address.js';

export type IpVerdict = { ok: true } | { ok: false; reason: string };

interface Range {
  readonly cidr: Cidr;
  readonly label: string;
}

function range(text: string, label: string): Range {
  return { cidr: cidr(text), label };
}

// Till's own table rather than ipaddr.js's range(): a refusal names the exact block and why
// (the metadata address, not just "link-local"), and ipaddr.js's 'unicast' would pass blocks
// no public receiver lives in. First match wins, so a specific entry sits before its block.
const IPV4_REFUSED: readonly Range[] = [
  range('0.0.0.0/32', 'unspecified address'),
  range('0.0.0.0/8', '"this network" address'),
  range('10.0.0.0/8', 'private address'),
  range('100.64.0.0/10', 'carrier-grade NAT address'),
  range('127.0.0.0/8', 'loopback address'),
  range('169.254.169.254/32', 'cloud metadata address'),
  range('169.254.0.0/16', 'link-local address'),
  range('172.16.0.0/12', 'private address'),
  range('192.0.0.0/24', 'IETF protocol assignment address'),
  range('192.0.2.0/24', 'documentation address'),
  range('192.88.99.0/24', '6to4 relay anycast address'),
  range('192.168.0.0/16', 'private address'),
  range('198.18.0.0/15', 'benchmarking address'),
  range('198.51.100.0/24', 'documentation address'),
  range('203.0.113.0/24', 'documentation address'),
  range('224.0.0.0/4', 'multicast address'),
  range('255.255.255.255/32', 'broadcast address'),
  range('240.0.0.0/4', 'reserved address'),
];

/** IPv6 blocks that carry an IPv4 address: the verdict is the embedded address's. */
interface Embedding {
  readonly cidr: Cidr;
  readonly label: string;
  /** Index of the first of the two 16-bit groups holding the IPv4 address. */
  readonly at: number;
}

const IPV6_EMBEDDING: readonly Embedding[] = [
  { cidr: cidr('::ffff:0:0/96'), label: 'IPv4-mapped address', at: 6 },
  { cidr: cidr('64:ff9b::/96'), label: 'NAT64 address', at: 6 },
  { cidr: cidr('2002::/16'), label: '6to4 address', at: 1 },
];

const IPV6_REFUSED: readonly Range[] = [
  range('::/128', 'unspecified address'),
  range('::1/128', 'loopback address'),
  range('::/96', 'deprecated IPv4-compatible address'),
  // RFC 8215 local-use NAT64: where the IPv4 sits depends on the operator's prefix length,
  // and the block is not globally reachable anyway, so it is refused whole.
  range('64:ff9b:1::/48', 'local-use NAT64 address'),
  range('100::/64', 'discard-only address'),
  range('2001::/32', 'Teredo address'),
  range('2001:2::/48', 'benchmarking address'),
  range('2001:10::/28', 'ORCHID address'),
  range('2001:20::/28', 'ORCHIDv2 address'),
  range('2001:db8::/32', 'documentation address'),
  range('3fff::/20', 'documentation address'),
  range('fd00:ec2::254/128', 'AWS metadata address'),
  range('fc00::/7', 'unique local address'),
  range('fe80::/10', 'link-local address'),
  range('fec0::/10', 'deprecated site-local address'),
  range('ff00::/8', 'multicast address'),
];

// Only 2000::/3 is handed out as global unicast; anything else (outside the blocks above) is
// unassigned space no public receiver lives in.
const IPV6_GLOBAL_UNICAST = cidr('2000::/3');

function describe(r: Range): string {
  const [base, prefix] = r.cidr.range;
  const where = prefix === (base.kind() === 'ipv4' ? 32 : 128) ? r.cidr.text.replace(/\/\d+$/, '') : r.cidr.text;
  return `${r.label} (${where})`;
}

function firstHit(table: readonly Range[], ip: IpAddress): IpVerdict {
  const hit = table.find((r) => cidrContains(r.cidr, ip));
  return hit === undefined ? { ok: true } : { ok: false, reason: describe(hit) };
}

function classifyV6(ip: ipaddr.IPv6): IpVerdict {
  // Before the 2000::/3 fallback: the mapped and NAT64 blocks lie outside it, yet their
  // verdict is that of the embedded IPv4 address, the one the packets actually reach.
  for (const e of IPV6_EMBEDDING) {
    if (!cidrContains(e.cidr, ip)) continue;
    const [hi = 0, lo = 0] = ip.parts.slice(e.at, e.at + 2);
    const v4 = new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
    const inner = firstHit(IPV4_REFUSED, v4);
    return inner.ok ? inner : { ok: false, reason: `${e.label} of ${v4.toString()}, ${withArticle(inner.reason)}` };
  }
  const named = firstHit(IPV6_REFUSED, ip);
  if (!named.ok) return named;
  if (!cidrContains(IPV6_GLOBAL_UNICAST, ip)) {
    return { ok: false, reason: 'address outside global unicast space (2000::/3)' };
  }
  return { ok: true };
}

/**
 * Whether a webhook may be delivered to this address. Refuses loopback, private, link-local,
 * metadata, documentation, multicast and other special-purpose ranges of both families, and
 * judges IPv6 forms that embed an IPv4 address (mapped, NAT64, 6to4) by that address. Input
 * must be a canonical address (as from dns.lookup or a WHATWG URL host); anything else is refused.
 */
export function classifyIp(ip: string): IpVerdict {
  const parsed = parseIp(ip);
  if (parsed === null) return { ok: false, reason: 'not an IP address' };
  return parsed instanceof ipaddr.IPv6 ? classifyV6(parsed) : firstHit(IPV4_REFUSED, parsed);
}

/** "a private address (…)", "an IPv4-mapped address …": for building readable messages. */
export function withArticle(phrase: string): string {
  return /^[aeiou]/i.test(phrase) && !/^uni/i.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}
