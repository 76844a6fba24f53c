import { BlockList } from 'node:net';
import { expect } from 'chai';
import { classifyIp } from '../../../../src/net/ssrf/index.js';
import { fixture, type Vectors } from '../../../helpers/fixtures.js';

/** Invalid: a special-purpose address refused for `reason`, or (malformed) not an address at all. */
const ips = fixture<Vectors<{ ip: string }, { ip: string; reason: string; malformed?: undefined } | { ip: string; malformed: true }>>('ssrf', 'ips');

describe('ssrf/classifyIp', () => {
  describe('public addresses pass', () => {
    for (const c of ips.valid) {
      it(c.description, () => {
        expect(classifyIp(c.ip)).to.deep.equal({ ok: true });
      });
    }
  });

  describe('special-purpose addresses are refused, naming the range', () => {
    for (const c of ips.invalid) {
      if (c.malformed) continue;
      it(c.description, () => {
        const verdict = classifyIp(c.ip);
        expect(verdict.ok).to.equal(false);
        if (!verdict.ok) expect(verdict.reason).to.contain(c.reason);
      });
    }
  });

  describe('anything but a canonical address is refused (fail closed)', () => {
    for (const c of ips.invalid) {
      if (!c.malformed) continue;
      it(c.description, () => {
        expect(classifyIp(c.ip)).to.deep.equal({ ok: false, reason: 'not an IP address' });
      });
    }
  });

  it('agrees with node\'s BlockList on the plain IPv4 and IPv6 ranges (independent CIDR math)', () => {
    const list = new BlockList();
    const v4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
      '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4'];
    for (const c of v4) {
      const [net, prefix] = c.split('/') as [string, string];
      list.addSubnet(net, Number(prefix), 'ipv4');
    }
    const v6 = ['fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8', '2001:db8::/32', '2001::/32', '100::/64'];
    for (const c of v6) {
      const [net, prefix] = c.split('/') as [string, string];
      list.addSubnet(net, Number(prefix), 'ipv6');
    }
    // A deterministic spread over the whole IPv4 space plus every octet boundary of the table.
    let seed = 0x2545f491;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const samples: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = next();
      samples.push([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
    }
    for (const c of v4) {
      const [a = 0, b = 0, cc = 0] = c.split('/')[0]!.split('.').map(Number);
      samples.push(`${a}.${b}.${cc}.0`, `${a}.${b}.${cc}.255`, `${a}.${(b + 255) % 256}.255.255`, `${(a + 1) % 256}.0.0.0`);
    }
    for (const ip of samples) {
      expect(classifyIp(ip).ok, ip).to.equal(!list.check(ip, 'ipv4'));
    }
    for (let i = 0; i < 3000; i++) {
      const groups = Array.from({ length: 8 }, () => next() & 0xffff);
      // Half the samples start in the interesting blocks, the other half anywhere.
      if (i % 2 === 0) groups[0] = [0xfc00, 0xfdff, 0xfe80, 0xfebf, 0xfec0, 0xff02, 0x2001, 0x2606, 0x2a00, 0x3fff][(i / 2) % 10]!;
      if (i % 4 === 0 && groups[0] === 0x2001) groups[1] = [0, 0xdb8, 0xdb7, 0xdb9][(i / 4) % 4]!;
      const ip = groups.map((g) => g.toString(16)).join(':');
      const [first = 0, second = 0, third = 0] = groups;
      if (first < 0x2000 || first > 0x3fff) {
        // Outside 2000::/3 nothing is global unicast: refused whether or not a named block says why.
        expect(classifyIp(ip).ok, ip).to.equal(false);
        continue;
      }
      const extraRange = first === 0x2002 || (first === 0x3fff && second < 0x1000)
        || (first === 0x2001 && ((second === 2 && third === 0) || (second >= 0x10 && second <= 0x2f)));
      if (extraRange) continue; // 6to4, 3fff::/20, benchmarking, ORCHID: covered by the fixture
      expect(classifyIp(ip).ok, ip).to.equal(!list.check(ip, 'ipv6'));
    }
  });
});
