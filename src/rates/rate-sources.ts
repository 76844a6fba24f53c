import type http from 'node:http';
import { TillError } from '../domain/errors.js';
import { createBitstampProvider } from './providers/bitstamp.js';
import { createCoinbaseProvider } from './providers/coinbase.js';
import { createCoinGeckoProvider } from './providers/coingecko.js';
import { createFixedRateProvider } from './providers/fixed.js';
import { createKrakenProvider } from './providers/kraken.js';
import type { RateLogger, RateProvider } from './types.js';

export const RATE_SOURCE_NAMES = ['kraken', 'coinbase', 'bitstamp', 'coingecko'] as const;
export type RateSourceName = (typeof RATE_SOURCE_NAMES)[number];

export interface RateSourcesConfig {
  /** Exchange sources by name (TILL_RATE_SOURCES). */
  sources: readonly string[];
  /** Operator-set rates such as "USD=70000,EUR=61000.50" (TILL_RATES_FIXED); when set they replace the exchanges. */
  fixedRates?: string;
  /** Per-source API origins, for tests and mirrors. */
  baseUrls?: Partial<Record<RateSourceName, string>>;
  coingeckoApiKey?: string;
  /** Per-request ceiling inside each provider; the RateService's timeoutMs applies as well. */
  timeoutMs?: number;
  log?: RateLogger;
  /** The SOCKS agent for TILL_PROXY (net/socks.ts): every exchange fetch then goes through it. */
  agent?: http.Agent;
}

/**
 * Builds the configured rate sources. Fixed rates, when given, are the only source: that
 * is the offline and regtest setup, which must not reach the network at all.
 */
export function createRateProviders(config: RateSourcesConfig): RateProvider[] {
  if (config.fixedRates !== undefined && config.fixedRates.trim() !== '') {
    return [createFixedRateProvider(config.fixedRates)];
  }
  const seen = new Set<string>();
  for (const name of config.sources) {
    if (!(RATE_SOURCE_NAMES as readonly string[]).includes(name)) {
      throw new TillError(
        'config_invalid',
        `rate sources: unknown source "${name}" (known: ${RATE_SOURCE_NAMES.join(', ')})`,
      );
    }
    if (seen.has(name)) throw new TillError('config_invalid', `rate sources: "${name}" is listed twice`);
    seen.add(name);
  }
  if (seen.size === 0) {
    throw new TillError('config_invalid', 'rate sources: none configured and no fixed rates given');
  }
  const common = { agent: config.agent, log: config.log, timeoutMs: config.timeoutMs };
  return [...seen].map((name) => {
    const baseUrl = config.baseUrls?.[name as RateSourceName];
    switch (name as RateSourceName) {
      case 'kraken':
        return createKrakenProvider({ ...common, baseUrl });
      case 'coinbase':
        return createCoinbaseProvider({ ...common, baseUrl });
      case 'bitstamp':
        return createBitstampProvider({ ...common, baseUrl });
      case 'coingecko':
        return createCoinGeckoProvider({ ...common, baseUrl, apiKey: config.coingeckoApiKey });
    }
  });
}
