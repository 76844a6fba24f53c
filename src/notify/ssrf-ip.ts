import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number: 32 bits for IPv4, 128 for IPv6 (bigint so v6 math stays exact). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
  /** Canonical spelling, used in refusal reasons: "10.0.0.0/8", "fc00::/7". */
  readonly text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses a canonical IP address: dotted-decimal IPv4 (no octal, hex or short forms — those
 * are a URL parser's job) or IPv6, optionally in [brackets] and with a %zone (dropped).
 * Anything else is null, so callers fail closed.
 */
export function parseIp(text: string): IpAddress | null {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, value: parseIpv4(bare) };
  if (isIPv6(bare)) {
    const value = parseIpv6(bare.replace(/%.*$/s, ''));
    return value === null ? null : { family: 6, value };
  }
  return null;
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = hextets(halves[0] ?? '');
  const tail = halves.length === 2 ? hextets(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function hextets(part: string): number[] | null {
  if (part === '') return [];
  const out: number[] = [];
  for (const piece of part.split(':')) {
    if (piece.includes('.')) {
      if (!isIPv4(piece)) return null;
      const v4 = Number(parseIpv4(piece));
      out.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
    } else if (/^[0-9a-f]{1,4}$/i.test(piece)) {
      out.push(parseInt(piece, 16));
    } else {
      return null;
    }
  }
  return out;
}

export function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** Parses "a.b.c.d/n" or "v6/n"; a bare address is its /32 or /128. Host bits must be zero. */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === null) return { ok: false, error: `${addrText} is not an IP address` };
  const bits: number = BITS[ip.family];
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, error: `/${prefixText} is not a prefix length from 0 to ${bits}` };
    }
    prefix = Number(prefixText);
  }
  const hostBits = BigInt(bits - prefix);
  const base = (ip.value >> hostBits) << hostBits;
  const bareAddr = addrText.startsWith('[') ? addrText.slice(1, -1) : addrText;
  if (base !== ip.value) {
    const suggestion = `${formatIp({ family: ip.family, value: base })}/${prefix}`;
    return { ok: false, error: `${text} has host bits set, did you mean ${suggestion}?` };
  }
  return { ok: true, cidr: { family: ip.family, base, prefix, text: `${bareAddr}/${prefix}` } };
}

/** Builds a CIDR from a known-good literal; for the built-in range tables. */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(`bad built-in CIDR ${text}: ${parsed.error}`);
  return parsed.cidr;
}

export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  const hostBits = BigInt(BITS[range.family] - range.prefix);
  return ip.value >> hostBits === range.base >> hostBits;
}

/** IPv4 as dotted decimal; IPv6 as full uncompressed hextets (only for suggestions). */
function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return formatIpv4(ip.value);
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((ip.value >> shift) & 0xffffn).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
export function mappedIpv4(ip: IpAddress): IpAddress | null {
  if (ip.family !== 6 || ip.value >> 32n !== 0xffffn) return null;
  return { family: 4, value: ip.value & 0xffffffffn };
}
