import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import { createFixedRateProvider } from '../../../src/rates/providers/fixed.js';
import type { RateServiceOptions } from '../../../src/rates/rate-service.js';
import { RateService } from '../../../src/rates/rate-service.js';
import type { Rate, RateProvider, RateStore } from '../../../src/rates/types.js';
import type { FakeClock, RecordingLogger } from './helpers/clock-and-log.js';
import { fakeClock, recordingLogger } from './helpers/clock-and-log.js';
import type { ExchangeName, GarbageCases } from './helpers/exchange-stubs.js';
import { EXCHANGES, exchangeHandler, garbageBody, providerFactories } from './helpers/exchange-stubs.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import type { Stub, StubReply } from './helpers/stub-server.js';
import { refusedUrl, startStub } from './helpers/stub-server.js';

const expected = fixture<Vectors<{ currency: string; rate: string; sources: string[] }>>('rates', 'expected-rates/all-sources');
/** USD when one source is skipped, by the source skipped. */
const usdWithout = Object.fromEntries(
  fixture<Vectors<{ currency: 'USD'; skipped: ExchangeName; rate: string }>>('rates', 'expected-rates/one-source-skipped').valid.map((c) => [c.skipped, c.rate]),
) as Record<ExchangeName, string>;
const CURRENCIES = expected.valid.map((r) => r.currency);
const REFRESH = 60_000;
const MAX_AGE = 900_000;
// Generous: a loaded 2-core CI machine can take a while to open a loopback connection.
const TIMEOUT = 400;

async function rejection(p: Promise<unknown>): Promise<TillError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(TillError);
    return e as TillError;
  }
  throw new Error('expected a TillError');
}

describe('rates: RateService', () => {
  let stubs: Record<ExchangeName, Stub>;
  let clock: FakeClock;
  let log: RecordingLogger;
  let service: RateService | undefined;

  const requests = (name: ExchangeName): number => stubs[name].paths.length;
  const allRequests = (): Record<ExchangeName, number> =>
    Object.fromEntries(EXCHANGES.map((n) => [n, requests(n)])) as Record<ExchangeName, number>;
  const setReply = (name: ExchangeName, reply: StubReply): void => {
    stubs[name].handler = () => reply;
  };

  function exchangeProviders(urls: Partial<Record<ExchangeName, string>> = {}): RateProvider[] {
    return EXCHANGES.map((n) => providerFactories[n]({ baseUrl: urls[n] ?? stubs[n].url }));
  }

  function build(options: Partial<RateServiceOptions> = {}): RateService {
    service = new RateService({
      providers: exchangeProviders(),
      currencies: CURRENCIES,
      refreshMs: REFRESH,
      maxAgeMs: MAX_AGE,
      timeoutMs: TIMEOUT,
      now: clock.now,
      log,
      ...options,
    });
    return service;
  }

  beforeEach(async () => {
    const entries = await Promise.all(EXCHANGES.map(async (n) => [n, await startStub(exchangeHandler(n))] as const));
    stubs = Object.fromEntries(entries) as Record<ExchangeName, Stub>;
    clock = fakeClock();
    log = recordingLogger();
    service = undefined;
  });

  afterEach(async () => {
    await service?.stop();
    await Promise.all(EXCHANGES.map((n) => stubs[n].close()));
  });

  describe('quoting', () => {
    for (const r of expected.valid) {
      it(r.description, async () => {
        const rate = await build().getRate(r.currency);
        expect(rate).to.deep.equal({ currency: r.currency, rate: r.rate, sources: r.sources, fetchedAt: clock.now() });
      });
    }

    it('one refresh fetches every currency with one request per source (Bitstamp: one per pair)', async () => {
      const s = build();
      await s.getRate('USD');
      expect(allRequests()).to.deep.equal({ kraken: 1, coinbase: 1, bitstamp: 3, coingecko: 1 });
      for (const r of expected.valid) expect((await s.getRate(r.currency)).rate).to.equal(r.rate);
      expect(allRequests()).to.deep.equal({ kraken: 1, coinbase: 1, bitstamp: 3, coingecko: 1 });
    });

    it('BTC is 1 with no fetch', async () => {
      const rate = await build().getRate('BTC');
      expect(rate).to.deep.equal({ currency: 'BTC', rate: '1', sources: [], fetchedAt: clock.now() });
      expect(allRequests()).to.deep.equal({ kraken: 0, coinbase: 0, bitstamp: 0, coingecko: 0 });
    });

    it('a currency outside the configuration is unsupported_currency, with no fetch', async () => {
      const e = await rejection(build().getRate('BRL'));
      expect(e.code).to.equal('unsupported_currency');
      expect(e.message).to.contain('BRL');
      expect(allRequests()).to.deep.equal({ kraken: 0, coinbase: 0, bitstamp: 0, coingecko: 0 });
    });

    it('a configured currency no source offers is rate_unavailable, saying so', async () => {
      const s = build({ currencies: ['USD', 'XYZ'] });
      const e = await rejection(s.getRate('XYZ'));
      expect(e.code).to.equal('rate_unavailable');
      expect(e.message).to.match(/XYZ.*not offered by the configured rate sources \(kraken, coinbase, bitstamp, coingecko\)/);
      expect((await s.getRate('USD')).rate).to.equal(expected.valid[0]?.rate);
    });

    it('an outlier source is ignored and named in the log', async () => {
      setReply('coingecko', { body: '{"bitcoin":{"usd":708611.2}}' });
      const rate = await build({ currencies: ['USD'] }).getRate('USD');
      expect(rate.rate).to.equal(usdWithout.coingecko);
      expect(rate.sources).to.deep.equal(['kraken', 'coinbase', 'bitstamp']);
      const warn = log.lines.find((l) => l.msg.includes('away from the median'));
      expect(warn?.obj).to.deep.include({ currency: 'USD', ignored: [{ source: 'coingecko', rate: '708611.2' }] });
    });

    it('rejects a bad configuration with config_invalid', () => {
      const bad: Partial<RateServiceOptions>[] = [
        { currencies: ['usd'] },
        { currencies: ['USDT'] },
        { providers: [] },
        { providers: [createFixedRateProvider('USD=1'), createFixedRateProvider('USD=2')] },
        { refreshMs: 0 },
        { timeoutMs: -1 },
        { maxAgeMs: Number.NaN },
      ];
      for (const options of bad) {
        expect(() => build(options), JSON.stringify(options)).to.throw(TillError).with.property('code', 'config_invalid');
      }
      service = undefined;
    });
  });

  describe('one source failing never stops invoicing', () => {
    const failures: { name: string; apply: (source: ExchangeName) => Promise<Partial<Record<ExchangeName, string>>> }[] = [
      {
        name: 'HTTP 500',
        apply: (n) => {
          setReply(n, { status: 500, body: '{"error":"internal"}' });
          return Promise.resolve({});
        },
      },
      {
        name: 'an HTML page',
        apply: (n) => {
          setReply(n, { body: '<!DOCTYPE html><html><body>Cloudflare: checking your browser</body></html>' });
          return Promise.resolve({});
        },
      },
      {
        name: 'an answer slower than the timeout',
        apply: (n) => {
          const good = exchangeHandler(n);
          stubs[n].handler = (p, h) => ({ ...good(p, h), delayMs: 5_000 });
          return Promise.resolve({});
        },
      },
      { name: 'connection refused', apply: async (n) => ({ [n]: await refusedUrl() }) },
    ];
    for (const source of EXCHANGES) {
      for (const f of failures) {
        it(`${source}: ${f.name} → the others still give USD ${usdWithout[source]}`, async () => {
          const urls = await f.apply(source);
          const started = Date.now();
          const rate = await build({ providers: exchangeProviders(urls), currencies: ['USD'] }).getRate('USD');
          expect(Date.now() - started).to.be.below(TIMEOUT + 400);
          expect(rate.rate).to.equal(usdWithout[source]);
          expect(rate.sources).to.not.include(source);
          expect(log.lines.some((l) => l.level === 'warn' && l.obj['source'] === source)).to.equal(true);
        });
      }
    }

    for (const c of fixture<GarbageCases>('rates', 'garbage').invalid) {
      it(`${c.provider}: ${c.description} → skipped, USD ${usdWithout[c.provider]}`, async () => {
        setReply(c.provider, { status: c.status ?? 200, body: garbageBody(c) });
        const rate = await build({ currencies: ['USD'] }).getRate('USD');
        expect(rate.rate).to.equal(usdWithout[c.provider]);
        expect(rate.sources).to.not.include(c.provider);
      });
    }

    it('a provider that ignores its abort signal is still cut off at timeoutMs', async () => {
      const stuck: RateProvider = { name: 'stuck', fetchRates: () => new Promise(() => {}) };
      const started = Date.now();
      const rate = await build({
        providers: [stuck, createFixedRateProvider('USD=70000'), createFixedRateProvider('USD=70002', 'fixed2')],
        currencies: ['USD'],
      }).getRate('USD');
      expect(Date.now() - started).to.be.below(TIMEOUT + 400);
      expect(rate).to.deep.include({ rate: '70001', sources: ['fixed', 'fixed2'] });
      expect(log.lines.find((l) => l.obj['source'] === 'stuck')?.obj['err']).to.match(new RegExp(`no answer within ${TIMEOUT} ms`));
    });

    it('a provider that throws synchronously or answers garbage values is skipped', async () => {
      const throwing: RateProvider = {
        name: 'throwing',
        fetchRates: () => {
          throw new Error('kaboom');
        },
      };
      const junk: RateProvider = {
        name: 'junk',
        fetchRates: () => Promise.resolve(new Map([['USD', '-5'], ['EUR', 'NaN']])),
      };
      const rate = await build({
        providers: [throwing, junk, createFixedRateProvider('USD=70000.123456789')],
        currencies: ['USD'],
      }).getRate('USD');
      expect(rate).to.deep.include({ rate: '70000.12345679', sources: ['fixed'] });
      expect(log.lines.map((l) => l.obj['source'])).to.include.members(['throwing', 'junk']);
    });
  });

  describe('cache', () => {
    it('a fresh rate is served from memory: no request, same object', async () => {
      const s = build();
      const first = await s.getRate('USD');
      const before = allRequests();
      clock.advance(REFRESH - 1);
      expect(await s.getRate('USD')).to.equal(first);
      expect(await s.getRate('EUR')).to.deep.include({ rate: '61919.69' });
      expect(allRequests()).to.deep.equal(before);
    });

    it('a stale rate is refreshed from the sources', async () => {
      const s = build({ currencies: ['USD'] });
      await s.getRate('USD');
      setReply('coinbase', { body: '{"data":{"currency":"BTC","rates":{"USD":"80000"}}}' });
      clock.advance(REFRESH);
      const rate = await s.getRate('USD');
      // 70861.12345678901234, 70862.7, 70863, 80000: mean of the middle two.
      expect(rate.rate).to.equal('70862.85');
      expect(rate.fetchedAt).to.deep.equal(clock.now());
      expect(allRequests()).to.deep.equal({ kraken: 2, coinbase: 2, bitstamp: 2, coingecko: 2 });
    });

    it('single flight: 10 concurrent callers share one request per source', async () => {
      const s = build();
      const rates = await Promise.all([
        ...Array.from({ length: 10 }, () => s.getRate('USD')),
        s.getRate('EUR'),
        s.listRates(),
      ]);
      expect(rates.slice(0, 10).every((r) => r === rates[0])).to.equal(true);
      expect(allRequests()).to.deep.equal({ kraken: 1, coinbase: 1, bitstamp: 3, coingecko: 1 });
    });

    it('the hot path does no network and no heavy work', async () => {
      const s = build();
      await s.getRate('USD');
      const before = allRequests();
      const started = process.hrtime.bigint();
      for (let i = 0; i < 20_000; i += 1) await s.getRate(i % 2 === 0 ? 'USD' : 'EUR');
      const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
      expect(allRequests()).to.deep.equal(before);
      // 1,500 finalizes/s leaves ~660 µs each; a cached rate must cost a tiny part of that.
      expect(elapsedMs / 20_000).to.be.below(0.05);
    });
  });

  describe('all sources down', () => {
    const downAll = (): void => {
      for (const n of EXCHANGES) setReply(n, { status: 503, body: 'Service Unavailable' });
    };

    it('serves the last good rate while it is younger than maxAgeMs', async () => {
      const s = build();
      const good = await s.getRate('USD');
      downAll();
      clock.advance(MAX_AGE - 1);
      expect(await s.getRate('USD')).to.equal(good);
      expect(requests('kraken')).to.equal(2);
      expect(log.lines.some((l) => l.msg.includes('using the last good rate'))).to.equal(true);
    });

    it('throws rate_unavailable naming the currency once the last good rate is too old', async () => {
      const s = build();
      await s.getRate('USD');
      downAll();
      clock.advance(MAX_AGE);
      const e = await rejection(s.getRate('USD'));
      expect(e.code).to.equal('rate_unavailable');
      expect(e.message).to.match(/^No exchange rate for USD: none of the rate sources .* older than 900 s$/);
    });

    it('throws rate_unavailable when there never was a rate', async () => {
      downAll();
      const e = await rejection(build().getRate('EUR'));
      expect(e.code).to.equal('rate_unavailable');
      expect(e.message).to.contain('EUR').and.contain('no earlier rate');
    });

    it('does not retry on every call during an outage, only after retryMs', async () => {
      downAll();
      const s = build({ retryMs: 5_000 });
      await rejection(s.getRate('USD'));
      await rejection(s.getRate('USD'));
      clock.advance(4_999);
      await rejection(s.getRate('EUR'));
      expect(requests('kraken')).to.equal(1);
      clock.advance(1);
      stubs.kraken.handler = exchangeHandler('kraken');
      expect(await s.getRate('USD')).to.deep.include({ rate: '70862.7', sources: ['kraken'] });
      expect(requests('kraken')).to.equal(2);
    });
  });

  describe('listRates', () => {
    it('lists every configured currency in order', async () => {
      const rates = await build().listRates();
      expect(rates.map((r) => [r.currency, r.rate])).to.deep.equal(expected.valid.map((r) => [r.currency, r.rate]));
    });

    it('leaves out a currency without a rate instead of throwing', async () => {
      const s = build({ currencies: ['USD', 'XYZ', 'EUR'] });
      const rates = await s.listRates();
      expect(rates.map((r) => r.currency)).to.deep.equal(['USD', 'EUR']);
      clock.advance(REFRESH - 1);
      await s.listRates();
      // A currency nobody offers does not make every listing go back to the sources.
      expect(requests('coinbase')).to.equal(1);
    });

    it('is empty, not an error, when nothing was ever fetched', async () => {
      for (const n of EXCHANGES) setReply(n, { status: 500 });
      expect(await build().listRates()).to.deep.equal([]);
    });

    it('refreshes only when stale and drops rates older than maxAgeMs', async () => {
      const s = build({ currencies: ['USD'] });
      await s.listRates();
      await s.listRates();
      expect(requests('coinbase')).to.equal(1);
      for (const n of EXCHANGES) setReply(n, { status: 500 });
      clock.advance(REFRESH);
      expect((await s.listRates()).map((r) => r.currency)).to.deep.equal(['USD']);
      clock.advance(MAX_AGE);
      expect(await s.listRates()).to.deep.equal([]);
      expect(requests('coinbase')).to.equal(3);
    });
  });

  describe('store', () => {
    function memoryStore(initial: unknown[] = []): RateStore & { saved: Rate[][]; failLoad?: boolean; failSave?: boolean } {
      const store = {
        saved: [] as Rate[][],
        failLoad: false,
        failSave: false,
        load: () => (store.failLoad ? Promise.reject(new Error('db locked')) : Promise.resolve(initial as Rate[])),
        save: (rates: Rate[]) => {
          if (store.failSave) return Promise.reject(new Error('disk full'));
          store.saved.push(rates);
          return Promise.resolve();
        },
      };
      return store;
    }

    it('saves the rates after a refresh', async () => {
      const store = memoryStore();
      const s = build({ store });
      await s.getRate('USD');
      await s.whenIdle();
      expect(store.saved).to.have.length(1);
      expect(store.saved[0]?.map((r) => [r.currency, r.rate])).to.deep.equal(expected.valid.map((r) => [r.currency, r.rate]));
    });

    it('loads the last good rates on init and serves them while sources are down', async () => {
      const stored: Rate = {
        currency: 'USD',
        rate: '69000.5',
        sources: ['kraken', 'coinbase'],
        fetchedAt: new Date(clock.now().getTime() - 10 * 60_000),
      };
      const store = memoryStore([
        stored,
        { currency: 'EUR', rate: 'garbage', sources: [], fetchedAt: new Date() },
        { currency: 'BRL', rate: '350000', sources: [], fetchedAt: new Date() },
        { currency: 'GBP', rate: '53000', sources: [], fetchedAt: 'yesterday' },
        null,
      ]);
      for (const n of EXCHANGES) setReply(n, { status: 502 });
      const s = build({ store });
      await s.init();
      expect(await s.getRate('USD')).to.deep.equal(stored);
      await rejection(s.getRate('EUR'));
      await rejection(s.getRate('GBP'));
      expect(log.lines.find((l) => l.msg === 'loaded stored rates')?.obj).to.deep.equal({ loaded: 1 });
    });

    it('a stored rate older than maxAgeMs is not served', async () => {
      const store = memoryStore([
        { currency: 'USD', rate: '69000.5', sources: ['kraken'], fetchedAt: new Date(clock.now().getTime() - MAX_AGE) },
      ]);
      for (const n of EXCHANGES) setReply(n, { status: 502 });
      const s = build({ store });
      await s.init();
      expect((await rejection(s.getRate('USD'))).code).to.equal('rate_unavailable');
    });

    it('store errors are logged, never fatal', async () => {
      const store = memoryStore();
      store.failLoad = true;
      store.failSave = true;
      const s = build({ store });
      await s.init();
      expect((await s.getRate('USD')).rate).to.equal('70862.7025');
      await s.whenIdle();
      const errors = log.lines.filter((l) => l.level === 'error').map((l) => l.obj['err']);
      expect(errors).to.deep.equal(['db locked', 'disk full']);
    });
  });

  describe('background refresh', () => {
    it('keeps the hot path off the network: a stale but usable rate is returned at once', async () => {
      const s = build({ currencies: ['USD'] });
      s.start();
      await s.whenIdle();
      const first = await s.getRate('USD');
      expect(requests('kraken')).to.equal(1);
      for (const n of EXCHANGES) {
        const good = exchangeHandler(n);
        stubs[n].handler = (p, h) => ({ ...good(p, h), delayMs: 40 });
      }
      clock.advance(REFRESH);
      const started = Date.now();
      expect(await s.getRate('USD')).to.equal(first);
      expect(Date.now() - started).to.be.below(35);
      await s.whenIdle();
      expect(requests('kraken')).to.equal(2);
      const next = await s.getRate('USD');
      expect(next).to.not.equal(first);
      expect(next.fetchedAt).to.deep.equal(clock.now());
    });

    it('loops with an unref\'d timer and survives failing refreshes', async () => {
      for (const n of EXCHANGES) setReply(n, { status: 500 });
      const s = build({ currencies: ['USD'], refreshMs: 40, retryMs: 20, maxAgeMs: 100 });
      s.start();
      s.start();
      // At least three failed rounds, however slow the machine: the loop keeps trying.
      for (let waited = 0; requests('kraken') < 3 && waited < 3_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const failedAttempts = requests('kraken');
      expect(failedAttempts).to.be.at.least(3);
      stubs.kraken.handler = exchangeHandler('kraken');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await s.getRate('USD')).rate).to.equal('70862.7');
      await s.stop();
      // A request sent just before stop() may reach the stub a moment later; none may follow.
      await new Promise((resolve) => setTimeout(resolve, 30));
      const stopped = requests('kraken');
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(requests('kraken')).to.equal(stopped);
    });

    it('its timer does not keep the process alive', async () => {
      const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const s = build({ providers: [createFixedRateProvider('USD=70000')], currencies: ['USD'] });
      await new Promise((resolve) => setImmediate(resolve)); // mocha arms its own test timer first
      const before = timers();
      s.start();
      await s.whenIdle();
      expect(await s.getRate('USD')).to.deep.include({ rate: '70000', sources: ['fixed'] });
      expect(timers()).to.equal(before);
    });

    it('stop() cancels a refresh under way', async () => {
      for (const n of EXCHANGES) {
        const good = exchangeHandler(n);
        stubs[n].handler = (p, h) => ({ ...good(p, h), delayMs: 2_000 });
      }
      const s = build({ timeoutMs: 5_000 });
      s.start();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const started = Date.now();
      await s.stop();
      expect(Date.now() - started).to.be.below(500);
      expect(log.lines.filter((l) => l.level !== 'info')).to.deep.equal([]);
    });
  });
});
