import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import type { RateSourcesConfig } from '../../../src/rates/rate-sources.js';
import { createRateProviders } from '../../../src/rates/rate-sources.js';

function configError(config: RateSourcesConfig): TillError {
  try {
    createRateProviders(config);
  } catch (e) {
    expect(e).to.be.instanceOf(TillError);
    expect((e as TillError).code).to.equal('config_invalid');
    return e as TillError;
  }
  throw new Error('expected config_invalid');
}

describe('rates: building the configured sources', () => {
  it('builds the named exchanges in order', () => {
    const providers = createRateProviders({ sources: ['coingecko', 'kraken', 'bitstamp', 'coinbase'] });
    expect(providers.map((p) => p.name)).to.deep.equal(['coingecko', 'kraken', 'bitstamp', 'coinbase']);
  });

  it('fixed rates replace the exchanges entirely (offline / regtest)', async () => {
    const providers = createRateProviders({ sources: ['kraken', 'coinbase'], fixedRates: 'USD=70000,EUR=61000.50' });
    expect(providers.map((p) => p.name)).to.deep.equal(['fixed']);
    expect(Object.fromEntries(await providers[0]!.fetchRates(['USD'], new AbortController().signal))).to.deep.equal({
      USD: '70000',
    });
  });

  it('an empty fixed-rates string means none', () => {
    expect(createRateProviders({ sources: ['kraken'], fixedRates: '' }).map((p) => p.name)).to.deep.equal(['kraken']);
  });

  const bad: [string, RateSourcesConfig, RegExp][] = [
    ['an unknown source', { sources: ['kraken', 'binance'] }, /unknown source "binance"/],
    ['a source twice', { sources: ['kraken', 'kraken'] }, /"kraken" is listed twice/],
    ['no source at all', { sources: [] }, /none configured/],
    ['bad fixed rates', { sources: [], fixedRates: 'USD=abc' }, /^fixed rates: /],
  ];
  for (const [name, config, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(configError(config).message).to.match(message);
    });
  }
});
