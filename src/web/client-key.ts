import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * A client address as a number key of a sliding window (48 bits of its SHA-256), for the
 * pages' per-client limits (login tries, payment-link invoices). An IPv6 client counts by
 * its /64: one home or one server holds a whole /64, and would otherwise have 2^64
 * addresses to spread its requests over. An IPv4-mapped IPv6 address is its IPv4 one.
 */
export function clientKey(ip: string): number {
  let who = ip;
  if (ipaddr.isValid(ip)) {
    const a = ipaddr.process(ip);
    who = a.kind() === 'ipv6' ? `${(a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16)).join(':')}::/64` : a.toString();
  }
  return createHash('sha256').update(who).digest().readUIntBE(0, 6);
}
