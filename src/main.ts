import type { AddressInfo } from 'node:net';
import type { Config } from './config/load.js';
import { openConfiguredDatabase, migrateLatest, type Database } from './db/connection.js';
import { loadRates, saveRates } from './db/rates.js';
import { createLogger, type Logger } from './log.js';
import { buildApp } from './api/app.js';
import { httpServer, type HttpServer } from './api/http-server.js';
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
import { joinCluster, type Cluster } from './cluster.js';
import { healthReport, type Health } from './health.js';
import { backgroundWork } from './background.js';
import { CoreRpc } from './chain/rpc.js';
import { ChainWatcher } from './chain/watcher.js';
import { chainStore } from './db/chain.js';
import { ChainFollower } from './chain/follower.js';
import { PaymentService } from './invoicing/payments.js';
import { AllowList, type Resolver } from './net/ssrf/index.js';
import { createSocksAgent } from './net/socks.js';
import { EmailSender, parseSmtpUrl } from './notify/email/index.js';
import { NotifyWorker } from './notify/worker.js';
import { notificationAdapter, webhookAdapter } from './notify/targets.js';
import type { TargetKind } from './domain/notification.js';
import { emailAdapter } from './notify/email/adapter.js';
import { emailSubscriber, webhookSubscriber } from './notify/subscribers.js';
import { v1Dialect } from './api/v1/index.js';
import { checkoutDialect } from './api/checkout/index.js';
import { bitpayDialect } from './api/bitpay/index.js';
import type { Dialect } from './api/dialect.js';
import { InvoiceFeed } from './web/live.js';
import { checkoutPages } from './web/checkout/routes.js';
import { linkPages } from './web/links/routes.js';
import { merchantUi } from './web/admin/index.js';
import { ADMIN_MODULES } from './web/admin/modules.js';
import { MerchantAuth } from './invoicing/merchant-auth.js';
import { AuditLog } from './invoicing/audit.js';
import { ReportService } from './invoicing/reports.js';
import { InvoiceBrowser } from './invoicing/invoice-browser.js';
import { v1FormSchemas } from './api/v1/forms.js';
import { SCOPES } from './api/keys.js';
import { randomBytes } from 'node:crypto';
import { RuntimeSettings, isEditableSetting, type EditableSetting, type EditableValues, type SettingError } from './config/runtime.js';
import type { SettingSource } from './config/load.js';
import type { SettingKey } from './config/settings.js';
import { deleteStoredSetting, listStoredSettings, putStoredSetting } from './db/merchant.js';
import { WalletUiPort } from './wallet/ui-port.js';
import { TillError } from './domain/errors.js';

export type { Health };

/** Sent as the User-Agent of notifications. */
export const VERSION = '0.1.0';

export interface TillOptions {
  config: Config;
  log?: Logger;
  now?: () => number;
  /** Tests swap the exchanges for local servers or a fixed table. */
  rateProviders?: RateProvider[];
  /** False: no chain follower (API tests with no node). */
  followChain?: boolean;
  /** False: no notification worker. */
  notify?: boolean;
  /** DNS for webhook targets (tests resolve names without a network). */
  resolve?: Resolver;
  /** Where each setting of `config` came from (resolveConfig), for the settings page. */
  sources?: Partial<Record<SettingKey, SettingSource>>;
}

export interface Till {
  config: Config;
  db: Database;
  log: Logger;
  services: Pick<ApiDeps, 'keys' | 'invoices' | 'links' | 'webhooks'> & {
    rates: RateService;
    pool: AddressPool;
    payments: PaymentService;
    watcher: ChainWatcher;
    follower: ChainFollower;
    notifier: NotifyWorker;
    auth: MerchantAuth;
    audit: AuditLog;
  };
  health(): Promise<Health>;
  /** The HTTP app (the packaging tests walk its routes). */
  app: ReturnType<typeof buildApp>;
  /** Listens on config.host:config.port (0 = any free port); resolves to the bound port. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/** The HTTP dialects Till speaks, each a plug-in of its own folder under api/. */
const DIALECTS: readonly Dialect[] = [v1Dialect, checkoutDialect, bitpayDialect];

/**
 * The settings of the settings page that the running Till takes at once: the services
 * read them per use. Rate sources wait for a restart (the providers are built at start).
 */
const LIVE_SETTINGS: readonly EditableSetting[] = [
  'shopName', 'defaultCurrency', 'quoteDeadlineMinutes', 'confirmations', 'bankInstructions', 'smtpUrl', 'smtpFrom', 'notifyEmail',
];

/** The mailer of an SMTP URL and sender (null: none set); TillError config_invalid if it cannot be used. */
function mailerOf(v: Pick<EditableValues, 'smtpUrl' | 'smtpFrom'>, log?: Logger): EmailSender {
  return new EmailSender(v.smtpUrl ? parseSmtpUrl(v.smtpUrl, { from: v.smtpFrom || undefined }) : null, log);
}

/** An SMTP URL and sender the mailer would refuse at start, beside the field it concerns. */
function smtpProblems(v: EditableValues): SettingError[] {
  try {
    mailerOf(v).close();
    return [];
  } catch (e) {
    if (!(e instanceof TillError)) throw e;
    return [{ field: e.message.startsWith('SMTP from') ? 'smtpFrom' : 'smtpUrl', message: e.message }];
  }
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
  const now = opts.now ?? Date.now;
  const log = opts.log ?? createLogger(opts.config.logLevel);
  const dbLog = log.child({ mod: 'db' });
  const db = await openConfiguredDatabase(opts.config, (m) => dbLog.warn(m));
  await migrateLatest(db);
  // What the merchant set on the settings page (table `settings`) goes over the environment's.
  const { settings: site, ignored } = await RuntimeSettings.load(opts.config, {
    list: () => listStoredSettings(db.read),
    put: (values, at) => db.tx(async (trx) => {
      for (const v of values) await putStoredSetting(trx, v.key, v.value, at);
    }),
    remove: (key) => db.tx((trx) => deleteStoredSetting(trx, key)),
  }, { sources: opts.sources, live: LIVE_SETTINGS, check: smtpProblems, now });
  for (const i of ignored) log.warn({ setting: i.env }, `the value of ${i.env} set in the merchant UI is not used: ${i.message}`);
  const config = site.startConfig;

  // One SOCKS agent (TILL_PROXY) for every request that must go through Tor: rate fetches
  // and onion webhooks.
  const torAgent = config.proxy ? createSocksAgent(config.proxy) : undefined;
  const rateLog = log.child({ mod: 'rates' });
  const rates = new RateService({
    providers: opts.rateProviders ?? createRateProviders({
      sources: config.rateSources,
      fixedRates: config.ratesFixed,
      agent: torAgent,
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

  const pool = new AddressPool(config.chain as Chain, config.addressCooldownMinutes * 60_000);
  const keys = new ApiKeys(db, now);
  let watcher: ChainWatcher | null = null;
  // Open checkout pages hear of every committed change of their invoice (SSE).
  const feed = new InvoiceFeed();
  const invoices = new InvoiceService({
    db,
    rates,
    pool,
    now,
    onAddressAssigned: (a) => watcher?.addAddress(a.scriptHex, a.addressId),
    onChanged: (ids) => feed.publish(ids),
    // Read per invoice: a change on the settings page applies to the next one.
    settings: {
      get defaultCurrency() { return site.value('defaultCurrency'); },
      get quoteDeadlineMinutes() { return site.value('quoteDeadlineMinutes'); },
      get confirmations() { return site.value('confirmations'); },
      graceMinutes: config.graceMinutes,
      latePaymentMinutes: config.latePaymentMinutes,
    },
  });
  const chainLog = log.child({ mod: 'chain' });
  const payments = new PaymentService({
    db,
    now,
    policy: invoices.policy,
    onInvoicesChanged: (ids) => {
      invoices.invalidate(ids);
      notify.wake();
    },
    onTipMoved: () => feed.publishAll(),
    onUnassignedPayment: (p) =>
      chainLog.warn({ txid: p.txid, vout: p.vout, sats: p.sats.toString() }, 'payment to an address no invoice holds: recorded, address retired'),
    onReverted: (p, reason) =>
      chainLog.warn(
        { txid: p.txid, vout: p.vout, sats: p.sats.toString(), invoice_id: p.invoiceId, reason, status: p.status },
        reason === 'reorged' ? 'payment lost its block in a reorg' : `payment left the mempool unmined (${reason}): marked replaced`,
      ),
  });
  const rpc = new CoreRpc({
    host: config.rpcHost,
    port: config.rpcPort,
    user: config.rpcUser || undefined,
    password: config.rpcPassword || undefined,
    cookieFile: config.rpcCookieFile || undefined,
    log: chainLog,
  });
  watcher = new ChainWatcher({ node: rpc, sink: payments, store: chainStore(db.read), log: chainLog, now });
  // On PostgreSQL the process elected to follow the chain loads it (cluster.ts).
  if (db.engine === 'sqlite') await watcher.load();
  const follower = new ChainFollower({
    node: rpc,
    watcher,
    chain: config.chain,
    zmq: {
      ...(config.zmqRawTx && { rawtx: config.zmqRawTx }),
      ...(config.zmqRawBlock && { rawblock: config.zmqRawBlock }),
      ...(config.zmqSequence && { sequence: config.zmqSequence }),
    },
    rpcHost: config.rpcHost,
    useZmq: config.zmqMode !== 'off',
    pollingMs: config.pollMs,
    zmqPollMs: config.safetyPollMs,
    mempoolEveryMs: config.mempoolResyncSeconds * 1000,
    log: chainLog,
    now,
  });
  const w = watcher;
  let cluster: Cluster | null = null;

  const health = healthReport({
    db,
    follower,
    followChain: opts.followChain !== false,
    // The cluster is made after health (it needs the services health reports on).
    cluster: () => cluster,
  });
  const links = new PaymentLinkService(db, () => site.value('defaultCurrency'), now);
  const merchantAuth = new MerchantAuth(db, now);
  const audit = new AuditLog(db, now);
  // No password yet: the first-run page asks for this code, printed here once.
  let setupCode: string | null = null;
  if (config.uiAuth === 'password' && !(await merchantAuth.hasPassword())) {
    setupCode = randomBytes(6).toString('hex');
    log.warn({ setup_code: setupCode }, `No merchant password is set: open /admin/setup and give the setup code ${setupCode}, or run \`till admin set-password\``);
  }
  const notifyLog = log.child({ mod: 'notify' });
  const rendererOf = (kind: TargetKind) => DIALECTS.map((d) => d.renderers[kind]).find((r) => r !== undefined);
  const webhookRenderer = rendererOf('webhook');
  if (!webhookRenderer) throw new Error('no dialect renders webhooks');
  const ipnRenderer = rendererOf('ipn');
  const allow = AllowList.parse([...new Set([...config.webhookAllowHosts, ...config.webhookAllowHttp])]);
  let email = mailerOf(config, notifyLog);
  site.onChange((changed, v) => {
    if (!changed.includes('smtpUrl') && !changed.includes('smtpFrom')) return;
    const old = email;
    email = mailerOf(v, notifyLog);
    old.close();
  });
  let notifier: NotifyWorker | null = null;
  const webhooks = new WebhookService({
    db, allow, proxyConfigured: torAgent !== undefined, now, resolve: opts.resolve,
    onQueued: () => notifier?.wake(),
  });
  const outbound = { allow, timeoutMs: config.webhookTimeoutMs, onionAgent: torAgent, userAgent: `Till/${VERSION}`, resolve: opts.resolve };
  notifier = new NotifyWorker({
    db,
    log: notifyLog,
    now,
    scheduleMs: config.webhookRetrySchedule.map((sec) => Number(sec) * 1000),
    leaseMs: config.notifyLeaseSeconds * 1000,
    // Who hears of what, and how each dialect writes it: notify knows no dialect itself.
    subscribers: [
      webhookSubscriber,
      // The merchant's address as the settings page has it now.
      {
        kind: 'email',
        forBatch: (trx, events) => {
          const to = site.value('notifyEmail');
          return to ? emailSubscriber(to).forBatch(trx, events) : Promise.resolve(() => []);
        },
      },
      ...DIALECTS.flatMap((d) => d.subscribers ?? []),
    ],
    adapters: {
      webhook: webhookAdapter({ ...outbound, db, render: webhookRenderer }),
      ...(ipnRenderer && { ipn: notificationAdapter({ ...outbound, render: ipnRenderer }) }),
      email: { send: (d, e, at) => emailAdapter(email, site.value('shopName') || undefined).send(d, e, at) },
    },
  });
  const notify = notifier;

  const app = buildApp({
    db, log, now, keys, invoices, links, webhooks, rates, audit,
    limiter: RateLimiter.forApi(db, config.apiRateLimit, now, log),
    window: (namespace, limit, windowMs) => RateLimiter.forWindow(db, namespace, limit, now, windowMs, log),
    maxBodyBytes: config.maxBodyBytes,
    health,
    allow,
    trustProxy: config.trustProxy,
    settings: {
      publicUrl: config.publicUrl.replace(/\/+$/, ''),
      checkoutTtlMinutes: config.checkoutTtlMinutes,
      graceMinutes: config.graceMinutes,
    },
  }, DIALECTS, [
    checkoutPages({
      invoices,
      feed,
      now,
      settings: {
        get shopName() { return site.value('shopName'); },
        onionUrl: config.onionUrl.replace(/\/+$/, ''),
        // One line in an environment variable: `\n` stands for a line break.
        get bankInstructions() { return site.value('bankInstructions').replace(/\\n/g, '\n').trim(); },
      },
      onError: (err) => log.error({ err }, 'checkout page failed'),
    }),
    linkPages({
      links,
      invoices,
      rates,
      now,
      settings: {
        get shopName() { return site.value('shopName'); },
        onionUrl: config.onionUrl.replace(/\/+$/, ''),
        publicUrl: config.publicUrl.replace(/\/+$/, ''),
        maxSats: BigInt(config.linkMaxSats),
      },
      limits: {
        perIp: RateLimiter.forWindow(db, 'link-ip', config.linkRatePerIp, now, 3_600_000, log),
        total: RateLimiter.forWindow(db, 'link-total', config.linkRateTotal, now, 3_600_000, log),
      },
      onError: (err) => log.error({ err }, 'payment link page failed'),
    }),
    merchantUi({
      auth: merchantAuth,
      audit,
      invoices,
      reports: new ReportService({ db, now }),
      invoiceBrowser: new InvoiceBrowser(db, config.publicUrl.replace(/\/+$/, ''), () => site.value('defaultCurrency')),
      links,
      webhooks,
      keys: { scopes: SCOPES, create: (name, scopes) => keys.create(name, scopes as (typeof SCOPES)[number][]), list: () => keys.list(), revoke: (k) => keys.revoke(k) },
      wallet: new WalletUiPort(db, pool, config.chain as Chain, config.addressCooldownMinutes, now),
      siteSettings: {
        rows: () => site.rows(),
        save: (form) => site.save(form),
        clear: (key) => (isEditableSetting(key) ? site.clear(key) : Promise.resolve(false)),
        testEmail: async (to) => {
          const shop = site.value('shopName') || 'Till';
          const notifyTo = site.value('notifyEmail');
          const r = await email.send({
            to,
            subject: `Test email from ${shop}`,
            text: `This is a test email from Till's settings page: ${shop} can send email.\n\n` +
              (notifyTo ? `Notices of paid, confirmed and expired invoices go to ${notifyTo}.\n` : 'No address for notices of paid invoices is set (TILL_NOTIFY_EMAIL).\n'),
          });
          if (r.status === 'sent') return { ok: true, detail: r.response };
          if (r.status === 'not_sent') return { ok: false, error: 'No SMTP server is set: give an SMTP URL first.' };
          return { ok: false, error: r.error };
        },
      },
      health,
      forms: v1FormSchemas(),
      loginLimiter: RateLimiter.forWindow(db, 'login', 10, now, 15 * 60_000, log),
      setupCode,
      settings: { uiAuth: config.uiAuth as 'password' | 'proxy', shopName: () => site.value('shopName'), publicUrl: config.publicUrl.replace(/\/+$/, '') },
      now,
      onError: (err) => log.error({ err }, 'merchant UI page failed'),
    }, ADMIN_MODULES),
  ]);

  let serving: HttpServer | null = null;
  const loops: Loop[] = [];
  cluster = joinCluster(db, backgroundWork({
    db, log, invoices, watcher: w, follower, notify, now,
    followChain: opts.followChain !== false,
    notifyOn: opts.notify !== false,
    expiryEveryMs: config.expirySweepSeconds * 1000,
  }), {
    invoicesChanged: (ids) => invoices.invalidate(ids),
    addressAssigned: (scriptHex, id) => w.addAddress(scriptHex, id),
    tipMoved: () => feed.publishAll(),
    outboxEvent: () => notify.wake(),
    settingsChanged: () => void site.reload().catch((err: unknown) => log.warn({ err }, 'could not read the settings another process saved')),
    apiKeysChanged: () => keys.forgetCached(),
    newsHeard: (heard) => invoices.trustCaches(heard),
    resync: async () => {
      keys.forgetCached();
      await site.reload();
      if (cluster?.role === 'leader') await w.load();
      feed.publishAll();
    },
  }, log);

  return {
    config,
    db,
    log,
    services: { keys, invoices, links, webhooks, rates, pool, payments, watcher: w, follower, notifier: notify, auth: merchantAuth, audit },
    health,
    app,
    async listen() {
      serving = httpServer(app.callback());
      const server = serving.server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, resolve);
      });
      // The checkpoint is SQLite's own (a no-op elsewhere); the rest runs where elected.
      loops.push(startLoop({ name: 'checkpoint', everyMs: 2000, log, run: () => db.checkpoint() }));
      rates.start();
      await cluster.start();
      return (server.address() as AddressInfo).port;
    },
    async close() {
      // The server stops taking requests first, and its requests run out while the
      // background work stops (a webhook in flight can take its whole timeout); the
      // services those requests use (rates, email, the database) stop after both.
      const served = (serving ? serving.close() : Promise.resolve({ cut: 0 })).then(({ cut }) => {
        if (cut > 0) log.warn({ requests: cut }, 'requests still running when the stop\'s grace ran out were cut');
      });
      feed.closeAll();
      const background = (async () => {
        await Promise.all(loops.map((l) => l.stop()));
        await cluster.close();
      })();
      // Both run out before the rest stops, even when one of them fails.
      const [httpDone, backgroundDone] = await Promise.allSettled([served, background]);
      email.close();
      await rates.stop();
      await db.close();
      for (const r of [httpDone, backgroundDone]) if (r.status === 'rejected') throw r.reason;
    },
  };
}
