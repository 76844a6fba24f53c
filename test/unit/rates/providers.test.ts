import { expect } from 'chai';
import { createBitstampProvider } from '../../../src/rates/providers/bitstamp.js';
import { createCoinbaseProvider } from '../../../src/rates/providers/coinbase.js';
import { createCoinGeckoProvider } from '../../../src/rates/providers/coingecko.js';
import { krakenPairCurrency } from '../../../src/rates/providers/kraken.js';
import type { ExchangeName, GarbageCases } from './helpers/exchange-stubs.js';
import { EXCHANGES, exchangeHandler, garbageBody, providerFactories } from './helpers/exchange-stubs.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { recordingLogger } from './helpers/clock-and-log.js';
import type { Stub } from './helpers/stub-server.js';
import { startStub } from './helpers/stub-server.js';

type SampleCases = Vectors<{ provider: ExchangeName; asked: string[]; requests: string[]; rates: Record<string, string> }>;

const ALL = ['USD', 'EUR', 'GBP', 'CAD', 'JPY', 'CHF', 'AUD'];

function signal(): AbortSignal {
  return new AbortController().signal;
}

describe('rates: exchange providers', () => {
  let stub: Stub;
  beforeEach(async () => {
    stub = await startStub(() => ({ status: 500 }));
  });
  afterEach(() => stub.close());

  describe('read their real formats', () => {
    for (const c of fixture<SampleCases>('rates', 'provider-samples').valid) {
      it(c.description, async () => {
        stub.handler = exchangeHandler(c.provider);
        const provider = providerFactories[c.provider]({ baseUrl: `${stub.url}/` });
        expect(provider.name).to.equal(c.provider);
        const rates = await provider.fetchRates(c.asked, signal());
        expect(Object.fromEntries(rates)).to.deep.equal(c.rates);
        expect([...stub.paths].sort()).to.deep.equal([...c.requests].sort());
      });
    }
  });

  describe('skip garbage', () => {
    for (const c of fixture<GarbageCases>('rates', 'garbage').invalid) {
      it(`${c.provider}: ${c.description} gives no USD price`, async () => {
        const body = garbageBody(c);
        stub.handler = () => ({ status: c.status ?? 200, body });
        const log = recordingLogger();
        const provider = providerFactories[c.provider]({ baseUrl: stub.url, log });
        let rates: Map<string, string> | undefined;
        try {
          rates = await provider.fetchRates(['USD'], signal());
        } catch (e) {
          expect(e).to.be.instanceOf(Error);
          return;
        }
        // Not thrown: then the price must have been dropped and reported.
        expect(rates.has('USD')).to.equal(false);
        expect(log.lines.some((l) => l.level === 'warn')).to.equal(true);
      });
    }

    it('keeps the good prices of an answer and drops the bad one', async () => {
      stub.handler = () => ({
        body: '{"data":{"currency":"BTC","rates":{"USD":"70862.705","EUR":"-1","GBP":"53545.32"}}}',
      });
      const log = recordingLogger();
      const rates = await createCoinbaseProvider({ baseUrl: stub.url, log }).fetchRates(['USD', 'EUR', 'GBP'], signal());
      expect(Object.fromEntries(rates)).to.deep.equal({ USD: '70862.705', GBP: '53545.32' });
      expect(log.lines).to.have.length(1);
      expect(log.lines[0]?.obj).to.deep.include({ source: 'coinbase', dropped: { EUR: '"-1"' } });
    });

    it('bitstamp: one pair failing leaves the others', async () => {
      const good = exchangeHandler('bitstamp');
      stub.handler = (path, headers) => (path.includes('btceur') ? { status: 500 } : good(path, headers));
      const rates = await createBitstampProvider({ baseUrl: stub.url }).fetchRates(['USD', 'EUR', 'GBP'], signal());
      expect(Object.fromEntries(rates)).to.deep.equal({ USD: '70863', GBP: '53546' });
    });

    it('ignores inherited keys such as __proto__ and constructor', async () => {
      stub.handler = () => ({ body: '{"data":{"currency":"BTC","rates":{"__proto__":{"USD":"1"},"USD":"70000"}}}' });
      const rates = await createCoinbaseProvider({ baseUrl: stub.url }).fetchRates(['USD', 'CONSTRUCTOR'], signal());
      expect(Object.fromEntries(rates)).to.deep.equal({ USD: '70000' });
    });
  });

  describe('Kraken pair names', () => {
    const cases: [string, string | undefined][] = [
      ['XXBTZUSD', 'USD'],
      ['XXBTZEUR', 'EUR'],
      ['XBTCHF', 'CHF'],
      ['XBTAUD', 'AUD'],
      ['XBTUSD', 'USD'],
      ['XBTUSDT', undefined],
      ['XBTUSDC', undefined],
      ['XETHZUSD', undefined],
      ['XXBTZUSD.d', undefined],
    ];
    for (const [pair, currency] of cases) {
      it(`${pair} → ${currency ?? 'not a BTC/fiat pair'}`, () => {
        expect(krakenPairCurrency(pair)).to.equal(currency);
      });
    }
  });

  it('CoinGecko sends the demo key header when given one', async () => {
    let key: unknown;
    const good = exchangeHandler('coingecko');
    stub.handler = (path, headers) => {
      key = headers['x-cg-demo-api-key'];
      return good(path, headers);
    };
    await createCoinGeckoProvider({ baseUrl: stub.url, apiKey: 'CG-test' }).fetchRates(['USD'], signal());
    expect(key).to.equal('CG-test');
  });

  it('every provider asks nothing when it knows none of the currencies', async () => {
    for (const name of EXCHANGES) {
      const rates = await providerFactories[name]({ baseUrl: stub.url }).fetchRates(name === 'coingecko' || name === 'coinbase' ? [] : ['BRL'], signal());
      expect(rates.size).to.equal(0);
    }
    expect(stub.paths).to.deep.equal([]);
  });

  it('all sample answers cover every default currency across the four sources', async () => {
    const seen = new Set<string>();
    for (const name of EXCHANGES) {
      stub.handler = exchangeHandler(name);
      for (const c of (await providerFactories[name]({ baseUrl: stub.url }).fetchRates(ALL, signal())).keys()) seen.add(c);
    }
    expect([...seen].sort()).to.deep.equal([...ALL].sort());
  });
});
