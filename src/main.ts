import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from './config/load.js';
import { openDatabase, migrateLatest, type Database } from './db/connection.js';
import { loadRates, saveRates } from './db/rates.js';
import { createLogger, type Logger } from './log.js';
import { buildApp } from './api/app.js';
import { ApiKeys } from './api/keys.js';
import { RateLimiter } from './api/rate-limit.js';
import type { ApiDeps } from './api/deps.js';
import { InvoiceService } from './invoicing/invoices.js';
import { PaymentLinkService } from './invoicing/payment-links.js';
import { WebhookService } from './notify/webhooks.js';
import { AddressPool } from './wallet/pool.js';
import type { Chain } from './wallet/chain.js';
import { RateService, createRateProviders, type RateProvider, type RateStore } from './rates/index.js';
import { startLoop, type Loop } from './loop.js';

export interface TillOptions {
  config: Config;
  log?: Logger;
  now?: () => number;
  /** Tests swap the exchanges for local servers or a fixed table. */
  rateProviders?: RateProvider[];
}

export interface Till {
  config: Config;
  db: Database;
  log: Logger;
  services: Pick<ApiDeps, 'keys' | 'invoices' | 'links' | 'webhooks'> & { rates: RateService; pool: AddressPool };
  /** Listens on config.host:config.port (0 = any free port); resolves to the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

function rateStore(db: Database): RateStore {
  return {
    load: async () =>
      (await loadRates(db.read)).map((r) => ({ currency: r.currency, rate: r.rate, sources: r.sources, fetchedAt: new Date(r.fetchedAt) })),
    save: (rates) =>
      db.tx((trx) =>
        saveRates(trx, rates.map((r) => ({ currency: r.currency, rate: r.rate, sources: [...r.sources], fetchedAt: r.fetchedAt.getTime() }))),
      ),
  };
}

/**
 * The composition root: the only place that builds concrete objects. Opens (and
 * migrates) the database, wires the services, and returns a handle that starts and
 * stops the HTTP server and the background loops.
 */
export async function createTill(opts: TillOptions): Promise<Till> {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? createLogger(config.logLevel);
  const db = openDatabase({ filename: config.databaseFile });
  await migrateLatest(db);

  const rateLog = log.child({ mod: 'rates' });
  const rates = new RateService({
    providers: opts.rateProviders ?? createRateProviders({
      sources: config.rateSources,
      fixedRates: config.ratesFixed,
      proxyUrl: config.proxy || undefined,
      timeoutMs: config.rateTimeoutMs,
      log: rateLog,
    }),
    currencies: config.rateCurrencies,
    refreshMs: config.rateRefreshSeconds * 1000,
    maxAgeMs: config.rateMaxAgeSeconds * 1000,
    timeoutMs: config.rateTimeoutMs,
    now: () => new Date(now()),
    log: rateLog,
    store: rateStore(db),
  });
  await rates.init();

  const pool = new AddressPool(config.chain as Chain);
  const keys = new ApiKeys(db, now);
  const invoices = new InvoiceService({
    db,
    rates,
    pool,
    now,
    settings: {
      defaultCurrency: config.defaultCurrency,
      quoteDeadlineMinutes: config.quoteDeadlineMinutes,
      confirmations: config.confirmations,
    },
  });
  const links = new PaymentLinkService(db, config.defaultCurrency, now);
  const webhooks = new WebhookService(db, config.webhookAllowHttp, now);

  const app = buildApp({
    db, log, now, keys, invoices, links, webhooks, rates,
    limiter: new RateLimiter(config.apiRateLimit, now),
    maxBodyBytes: config.maxBodyBytes,
  });

  let server: http.Server | null = null;
  const loops: Loop[] = [];

  return {
    config,
    db,
    log,
    services: { keys, invoices, links, webhooks, rates, pool },
    async listen() {
      server = http.createServer(app.callback());
      server.keepAliveTimeout = 65_000;
      server.requestTimeout = 30_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, resolve);
      });
      loops.push(
        startLoop({ name: 'expiry', everyMs: config.expirySweepSeconds * 1000, log, run: () => invoices.expireDue() }),
      );
      rates.start();
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await Promise.all(loops.map((l) => l.stop()));
      await rates.stop();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
      }
      await db.close();
    },
  };
}
