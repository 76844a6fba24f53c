import type { LookupAddress } from 'node:dns';
import { expect } from 'chai';
import { AllowList, checkWebhookTarget, guardedLookup, SsrfError } from '../../../../src/net/ssrf/index.js';
import { fixtureResolver, lookupAsync, rejection, sequenceResolver } from './helpers.js';

const none = AllowList.parse([]);

describe('ssrf/guardedLookup', () => {
  it('DNS rebinding: public at save time, loopback at connect time → refused', async () => {
    const resolve = sequenceResolver(['93.184.215.14'], ['127.0.0.1']);
    const saved = await checkWebhookTarget('https://rebind.example/hook', { allow: none, resolve });
    expect(saved.url.hostname).to.equal('rebind.example');
    const err = await rejection(lookupAsync(guardedLookup(none, { resolve }), 'rebind.example', { all: true }));
    expect(err).to.be.instanceOf(SsrfError);
    expect(err.code).to.equal('ESSRF');
    expect(err.message).to.equal('refusing to connect to rebind.example: it resolves to 127.0.0.1, a loopback address (127.0.0.0/8)');
    expect((err as SsrfError).hostname).to.equal('rebind.example');
    expect((err as SsrfError).address).to.equal('127.0.0.1');
    expect(resolve.calls).to.deep.equal(['rebind.example', 'rebind.example']);
  });

  it('DNS rebinding to the metadata service through an IPv4-mapped AAAA → refused', async () => {
    const resolve = sequenceResolver(['2606:4700::1111'], ['2606:4700::1111', '::ffff:169.254.169.254']);
    await checkWebhookTarget('https://rebind.example/', { allow: none, resolve });
    const err = await rejection(lookupAsync(guardedLookup(none, { resolve }), 'rebind.example', { all: true }));
    expect(err.code).to.equal('ESSRF');
    expect(err.message).to.contain('IPv4-mapped address of 169.254.169.254, a cloud metadata address');
  });

  it('refuses when any address is refused, even if the first one is public (and even for family 4)', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolves: ['93.184.215.14', 'fd00::1'] }) });
    for (const options of [{ all: true }, {}, { family: 4 }, { all: true, family: 4 as const }]) {
      const err = await rejection(lookupAsync(lookup, 'mixed.example', options));
      expect(err.code, JSON.stringify(options)).to.equal('ESSRF');
      expect(err.message).to.contain('fd00::1, a unique local address');
    }
  });

  it('answers like dns.lookup: all → every address; otherwise the first with its family', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolves: ['2606:4700::1111', '93.184.215.14'] }) });
    expect(await lookupAsync(lookup, 'shop.example', { all: true })).to.deep.equal({
      address: [{ address: '2606:4700::1111', family: 6 }, { address: '93.184.215.14', family: 4 }],
      family: undefined,
    });
    expect(await lookupAsync(lookup, 'shop.example', {})).to.deep.equal({ address: '2606:4700::1111', family: 6 });
    expect(await lookupAsync(lookup, 'shop.example', { family: 4 })).to.deep.equal({ address: '93.184.215.14', family: 4 });
    expect(await lookupAsync(lookup, 'shop.example', { family: 'IPv6', all: true })).to.deep.equal({
      address: [{ address: '2606:4700::1111', family: 6 }],
      family: undefined,
    });
  });

  it('accepts the (hostname, callback) form', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolves: ['93.184.215.14'] }) }) as unknown as (
      h: string, cb: (err: Error | null, address: string, family: number) => void) => void;
    const answer = await new Promise<[string, number]>((resolve, reject) => {
      lookup('shop.example', (err, address, family) => (err ? reject(err) : resolve([address, family])));
    });
    expect(answer).to.deep.equal(['93.184.215.14', 4]);
  });

  it('reports no address of the wanted family as ENOTFOUND, not as a refusal', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolves: ['93.184.215.14'] }) });
    const err = await rejection(lookupAsync(lookup, 'v4only.example', { family: 6 }));
    expect(err).to.not.be.instanceOf(SsrfError);
    expect(err.code).to.equal('ENOTFOUND');
  });

  it('passes resolver errors through unchanged', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolveError: 'EAI_AGAIN' }) });
    const err = await rejection(lookupAsync(lookup, 'flaky.example', {}));
    expect(err.code).to.equal('EAI_AGAIN');
  });

  it('an allowed host may resolve anywhere; an allowed address only lets that address through', async () => {
    const resolve = fixtureResolver({ resolves: ['192.168.1.20', '10.0.0.1'] });
    const byHost = await lookupAsync(guardedLookup(AllowList.parse(['*.lan']), { resolve }), 'shop.lan', { all: true });
    expect((byHost.address as LookupAddress[]).map((a) => a.address)).to.deep.equal(['192.168.1.20', '10.0.0.1']);
    const err = await rejection(lookupAsync(guardedLookup(AllowList.parse(['192.168.1.0/24']), { resolve }), 'shop.lan', { all: true }));
    expect(err.code).to.equal('ESSRF');
    expect((err as SsrfError).address).to.equal('10.0.0.1');
  });

  it('an allowed host still never reaches a cloud metadata address, unless that address is allowed itself', async () => {
    for (const metadata of ['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254']) {
      const resolve = fixtureResolver({ resolves: ['192.168.1.20', metadata] });
      const err = await rejection(lookupAsync(guardedLookup(AllowList.parse(['*.lan']), { resolve }), 'shop.lan', { all: true }));
      expect(err.code, metadata).to.equal('ESSRF');
      expect(err.message, metadata).to.match(/metadata/);
    }
    const resolve = fixtureResolver({ resolves: ['169.254.169.254'] });
    const ok = await lookupAsync(guardedLookup(AllowList.parse(['*.lan', '169.254.169.254']), { resolve }), 'shop.lan', {});
    expect(ok).to.deep.equal({ address: '169.254.169.254', family: 4 });
  });

  it('judges an IP literal hostname itself, without DNS', async () => {
    const resolve = fixtureResolver({ resolves: ['93.184.215.14'] });
    const lookup = guardedLookup(none, { resolve });
    expect((await rejection(lookupAsync(lookup, '127.0.0.1', {}))).code).to.equal('ESSRF');
    expect((await rejection(lookupAsync(lookup, '::ffff:10.0.0.1', {}))).code).to.equal('ESSRF');
    expect(await lookupAsync(lookup, '93.184.215.14', {})).to.deep.equal({ address: '93.184.215.14', family: 4 });
    expect(resolve.calls).to.deep.equal([]);
  });

  it('refuses localhost and .local names before asking DNS, unless allowed', async () => {
    const resolve = fixtureResolver({ resolves: ['127.0.0.1'] });
    for (const host of ['localhost', 'LOCALHOST.', 'shop.localhost', 'printer.local']) {
      const err = await rejection(lookupAsync(guardedLookup(none, { resolve }), host, {}));
      expect(err.code, host).to.equal('ESSRF');
    }
    expect(resolve.calls).to.deep.equal([]);
    const allowed = await lookupAsync(guardedLookup(AllowList.parse(['localhost']), { resolve }), 'localhost', {});
    expect(allowed).to.deep.equal({ address: '127.0.0.1', family: 4 });
  });

  it('never resolves onion names, even allowed ones (they go through the SOCKS proxy)', async () => {
    const resolve = fixtureResolver({ resolves: ['93.184.215.14'] });
    const err = await rejection(lookupAsync(guardedLookup(AllowList.parse(['*.onion']), { resolve }), 'abc.onion', {}));
    expect(err.code).to.equal('ESSRF');
    expect(err.message).to.contain('only through TILL_PROXY');
    expect(resolve.calls).to.deep.equal([]);
  });

  it('calls back asynchronously, as net expects', async () => {
    const lookup = guardedLookup(none, { resolve: fixtureResolver({ resolves: ['93.184.215.14'] }) });
    let sync = true;
    const done = new Promise<void>((resolve) => lookup('shop.example', {}, () => {
      expect(sync).to.equal(false);
      resolve();
    }));
    sync = false;
    await done;
  });
});
