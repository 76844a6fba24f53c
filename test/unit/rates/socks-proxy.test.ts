import { expect } from 'chai';
import { HttpFetchError } from '../../../src/net/http-client.js';
import { createSocksAgent } from '../../../src/net/socks.js';
import { getJson } from '../../../src/rates/providers/http-provider.js';
import { createRateProviders } from '../../../src/rates/rate-sources.js';
import { RateService } from '../../../src/rates/rate-service.js';
import { fakeClock } from './helpers/clock-and-log.js';
import { exchangeHandler } from './helpers/exchange-stubs.js';
import type { Socks5Server } from './helpers/socks5-server.js';
import { startSocks5Server } from './helpers/socks5-server.js';
import type { Stub } from './helpers/stub-server.js';
import { startStub } from './helpers/stub-server.js';

describe('rates: fetching through a SOCKS5 proxy (Tor)', () => {
  let socks: Socks5Server;
  let kraken: Stub;
  let coinbase: Stub;

  beforeEach(async () => {
    socks = await startSocks5Server();
    kraken = await startStub(exchangeHandler('kraken'));
    coinbase = await startStub(exchangeHandler('coinbase'));
  });
  afterEach(async () => {
    await Promise.all([socks.close(), kraken.close(), coinbase.close()]);
  });

  it('every source request goes through the proxy, which resolves the host names (socks5h)', async () => {
    // "rates.test" resolves nowhere (RFC 2606). The proxy seeing the name, not an address,
    // shows the client left resolution to it, as Tor needs for .onion and against DNS leaks.
    const providers = createRateProviders({
      sources: ['kraken', 'coinbase'],
      agent: createSocksAgent(socks.url),
      baseUrls: { kraken: `http://rates.test:${kraken.port}`, coinbase: `http://rates.test:${coinbase.port}` },
    });
    const clock = fakeClock();
    const service = new RateService({
      providers,
      currencies: ['USD', 'EUR'],
      refreshMs: 60_000,
      maxAgeMs: 900_000,
      timeoutMs: 1_000,
      now: clock.now,
    });
    const usd = await service.getRate('USD');
    expect(usd).to.deep.include({ rate: '70862.7025', sources: ['kraken', 'coinbase'] });
    expect(kraken.paths).to.have.length(1);
    expect(coinbase.paths).to.have.length(1);
    expect([...socks.connects].sort()).to.deep.equal(
      [`rates.test:${kraken.port}`, `rates.test:${coinbase.port}`].sort(),
    );
    await service.stop();
  });

  it('getJson takes the agent directly', async () => {
    const agent = createSocksAgent(socks.url);
    const body = await getJson(`http://127.0.0.1:${coinbase.port}/v2/exchange-rates?currency=BTC`, {
      timeoutMs: 1_000,
      maxBytes: 65536,
      agent,
    });
    expect(body).to.have.property('data');
    expect(socks.connects).to.deep.equal([`127.0.0.1:${coinbase.port}`]);
  });

  it('a dead proxy is a failed source, not a crash', async () => {
    await socks.close();
    const [provider] = createRateProviders({ sources: ['kraken'], agent: createSocksAgent(socks.url), baseUrls: { kraken: kraken.url } });
    let caught: unknown;
    try {
      await provider?.fetchRates(['USD'], new AbortController().signal);
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(HttpFetchError);
    expect(kraken.paths).to.deep.equal([]);
  });
});
