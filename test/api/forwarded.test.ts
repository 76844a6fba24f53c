import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { forwardedHeaders, proxyTrust, trustTest, type ForwardedOptions } from '../../src/api/forwarded.js';
import { loadConfig } from '../../src/config/load.js';

/** A Koa app built as buildApp builds it (proxy: false), echoing what it believes of the request. */
async function echo(trusted: string[], opts: ForwardedOptions = {}): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Koa({ proxy: false });
  app.use(forwardedHeaders(trusted, opts));
  app.use((ctx) => {
    ctx.body = { ip: ctx.ip, protocol: ctx.protocol, host: ctx.host, href: ctx.href, secure: ctx.secure };
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const SPOOF = { 'X-Forwarded-For': '203.0.113.7', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'pay.example.com' };

describe('X-Forwarded-* only from TILL_TRUST_PROXY', () => {
  it('no trusted proxy (the default): the headers are ignored, the peer is the client', async () => {
    const s = await echo([]);
    try {
      const body: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(body).to.deep.include({ ip: '127.0.0.1', protocol: 'http', secure: false });
      expect(body.host).to.match(/^127\.0\.0\.1:\d+$/);
    } finally {
      await s.close();
    }
  });

  it('a peer that is not a trusted proxy: ignored too', async () => {
    const s = await echo(['10.21.0.0/16', '192.0.2.1']);
    try {
      const body: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(body).to.deep.include({ ip: '127.0.0.1', protocol: 'http' });
    } finally {
      await s.close();
    }
  });

  it('from a trusted proxy: client address, scheme and host come from the headers', async () => {
    const s = await echo(['127.0.0.1']);
    try {
      const body: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(body).to.deep.equal({ ip: '203.0.113.7', protocol: 'https', host: 'pay.example.com', href: 'https://pay.example.com/', secure: true });
    } finally {
      await s.close();
    }
  });

  it('the client is the right-most untrusted hop: what the client wrote on the left is not believed', async () => {
    const s = await echo(['127.0.0.0/8', '10.21.0.0/16']);
    try {
      const body: any = await (await fetch(s.url, { headers: { 'X-Forwarded-For': '6.6.6.6, 198.51.100.4, 10.21.0.5' } })).json();
      expect(body.ip).to.equal('198.51.100.4');
      // A bad scheme is not taken; the host stays the request's own.
      const odd: any = await (await fetch(s.url, { headers: { 'X-Forwarded-Proto': 'gopher' } })).json();
      expect(odd).to.deep.include({ protocol: 'http', ip: '127.0.0.1' });
    } finally {
      await s.close();
    }
  });

  it('a proxy named by host name (Umbrel\'s till_app_proxy_1) is trusted at the addresses it resolves to, looked up again after a while', async () => {
    let answer = ['10.21.0.9'];
    let lookups = 0;
    let t = 0;
    const s = await echo(['till_app_proxy_1'], {
      lookup: async (host) => {
        lookups++;
        if (host !== 'till_app_proxy_1') throw new Error('ENOTFOUND');
        return answer;
      },
      refreshMs: 1000,
      now: () => t,
    });
    try {
      const first: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(first.ip).to.equal('127.0.0.1');
      answer = ['127.0.0.1'];
      const cached: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(cached.ip).to.equal('127.0.0.1');
      expect(lookups).to.equal(1);
      t = 1000;
      const again: any = await (await fetch(s.url, { headers: SPOOF })).json();
      expect(again).to.deep.include({ ip: '203.0.113.7', protocol: 'https' });
      expect(lookups).to.equal(2);
    } finally {
      await s.close();
    }
  });

  describe('a proxy named by host name fails closed', () => {
    /** A resolver whose answer a test changes, counting lookups. */
    function resolver(initial: string[] | Error) {
      const r = {
        answer: initial as string[] | Error,
        lookups: 0,
        t: 0,
        warnings: [] as { message: string; fields: { proxy: string; addresses: string[] } }[],
        opts: {} as ForwardedOptions,
      };
      r.opts = {
        lookup: async () => {
          r.lookups++;
          if (r.answer instanceof Error) throw r.answer;
          return r.answer;
        },
        now: () => r.t,
        warn: (message, fields) => r.warnings.push({ message, fields }),
      };
      return r;
    }

    it('a name that resolves to more than one address (another container took the alias) trusts none of them, and says so once', async () => {
      const r = resolver(['10.21.0.9', '10.21.0.66']);
      const trust = proxyTrust(['till_app_proxy_1'], r.opts);
      expect(await trust('10.21.0.9')).to.equal(null);
      expect(await trust('10.21.0.66')).to.equal(null);
      r.t = 60_000;
      expect(await trust('10.21.0.9')).to.equal(null);
      expect(r.lookups).to.be.greaterThan(1);
      expect(r.warnings).to.have.length(1);
      expect(r.warnings[0]!.fields).to.deep.equal({ proxy: 'till_app_proxy_1', addresses: ['10.21.0.9', '10.21.0.66'] });
      expect(r.warnings[0]!.message).to.match(/^TILL_TRUST_PROXY: till_app_proxy_1 resolves to 2 addresses .* none of them is trusted/);
      // The alias gone, the one address is trusted again; literal entries never depend on the name.
      r.answer = ['10.21.0.9'];
      r.t = 120_000;
      expect(await trust('10.21.0.9')).to.be.a('function');
      const mixed = proxyTrust(['192.0.2.1', 'till_app_proxy_1'], { ...r.opts, lookup: async () => ['10.21.0.9', '10.21.0.66'] });
      expect(await mixed('192.0.2.1')).to.be.a('function');
      expect(await mixed('10.21.0.9')).to.equal(null);
    });

    it('the same address twice (or v4-mapped) is one address, still trusted', async () => {
      const r = resolver(['10.21.0.9', '10.21.0.9', '::ffff:10.21.0.9']);
      expect(await proxyTrust(['till_app_proxy_1'], r.opts)('10.21.0.9')).to.be.a('function');
      expect(r.warnings).to.deep.equal([]);
    });

    it('a miss looks the name up again, at most every few seconds: a restarted proxy is trusted again, its old address no longer', async () => {
      const r = resolver(['10.21.0.9']);
      const trust = proxyTrust(['till_app_proxy_1'], r.opts);
      expect(await trust('10.21.0.9')).to.be.a('function');
      expect(r.lookups).to.equal(1);
      // The proxy restarts at 10.21.0.12; 10.21.0.9 goes to another container.
      r.answer = ['10.21.0.12'];
      r.t = 1000;
      expect(await trust('10.21.0.12')).to.equal(null);
      expect(r.lookups, 'no lookup within the miss interval').to.equal(1);
      r.t = 5000;
      expect(await trust('10.21.0.12')).to.be.a('function');
      expect(r.lookups).to.equal(2);
      expect(await trust('10.21.0.9'), 'the old address').to.equal(null);
      // Many misses in a row cost one lookup each interval, not one each.
      for (let i = 0; i < 20; i++) await trust('10.21.0.200');
      expect(r.lookups).to.equal(2);
      r.t = 10_000;
      await trust('10.21.0.200');
      expect(r.lookups).to.equal(3);
    });

    it('a failed or empty lookup trusts nothing, and is retried within seconds, not kept for a minute', async () => {
      const r = resolver(new Error('ENOTFOUND'));
      const trust = proxyTrust(['till_app_proxy_1'], r.opts);
      expect(await trust('10.21.0.9')).to.equal(null);
      r.answer = [];
      r.t = 5000;
      expect(await trust('10.21.0.9')).to.equal(null);
      expect(r.lookups).to.equal(2);
      r.answer = ['10.21.0.9'];
      r.t = 10_000;
      expect(await trust('10.21.0.9')).to.be.a('function');
      expect(r.lookups).to.equal(3);
    });

    it('through the middleware: a peer its name shares with another address is not believed', async () => {
      const r = resolver(['127.0.0.1', '10.21.0.66']);
      const s = await echo(['till_app_proxy_1'], r.opts);
      try {
        const body: any = await (await fetch(s.url, { headers: SPOOF })).json();
        expect(body).to.deep.include({ ip: '127.0.0.1', protocol: 'http' });
        expect(r.warnings).to.have.length(1);
      } finally {
        await s.close();
      }
    });
  });

  it('matches v4, v6 and v4-mapped v6 peers against addresses and CIDR ranges', () => {
    const t = trustTest(['10.21.0.0/16', '::1', 'fd00::/8']);
    expect(t('10.21.21.8')).to.equal(true);
    expect(t('::ffff:10.21.0.9')).to.equal(true);
    expect(t('::1')).to.equal(true);
    expect(t('fd12::1')).to.equal(true);
    expect(t('10.22.0.1')).to.equal(false);
    expect(t('not-an-ip')).to.equal(false);
    expect(t(undefined)).to.equal(false);
  });

  it('TILL_TRUST_PROXY is a list of addresses, CIDR ranges or host names; anything else is refused in one line', () => {
    expect(loadConfig({ TILL_TRUST_PROXY: '10.21.0.0/16, ::1' }).trustProxy).to.deep.equal(['10.21.0.0/16', '::1']);
    expect(loadConfig({}).trustProxy).to.deep.equal([]);
    expect(loadConfig({ TILL_TRUST_PROXY: 'till_app_proxy_1' }).trustProxy).to.deep.equal(['till_app_proxy_1']);
    expect(() => loadConfig({ TILL_TRUST_PROXY: 'http://proxy' })).to.throw(/^config: TILL_TRUST_PROXY must be addresses, CIDR ranges or host names/);
  });
});
