import { CHAINS, type Chain } from '../domain/chain.js';
/**
 * Every setting Till reads, with its environment name, type, default and bounds. The
 * loader turns this table into one ajv schema, so a bad value is reported by the name
 * the operator typed.
 */
export type SettingType = 'string' | 'integer' | 'boolean' | 'list';

export interface SettingSpec {
  env: string;
  type: SettingType;
  default?: string | number | boolean | string[];
  min?: number;
  max?: number;
  enum?: string[];
  pattern?: string;
  /** Shown when the value does not fit. */
  hint?: string;
  /** A `<ENV>_FILE` variable may hold the path of a file with the value (Docker secrets). */
  fromFile?: boolean;
  secret?: boolean;
}


const DEFAULT_RPC_PORTS: Record<Chain, number> = {
  main: 8332,
  test: 18332,
  testnet4: 48332,
  signet: 38332,
  regtest: 18443,
};

export function defaultRpcPort(chain: Chain): number {
  return DEFAULT_RPC_PORTS[chain];
}

export const SETTINGS = {
  host: { env: 'TILL_HOST', type: 'string', default: '0.0.0.0', hint: 'an interface address to listen on' },
  port: { env: 'TILL_PORT', type: 'integer', default: 5000, min: 0, max: 65535, hint: 'a TCP port (0 picks a free one)' },
  dataDir: { env: 'TILL_DATA_DIR', type: 'string', default: './data' },
  databaseUrl: {
    env: 'TILL_DATABASE_URL', type: 'string', default: '', fromFile: true, secret: true,
    pattern: '^(|postgres(ql)?://[^\\s]+)$', hint: 'postgres://user:password@host:5432/database (unset: the SQLite file in TILL_DATA_DIR)',
  },
  logLevel: {
    env: 'TILL_LOG_LEVEL', type: 'string', default: 'info',
    enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  },
  publicUrl: {
    env: 'TILL_PUBLIC_URL', type: 'string', default: '',
    pattern: '^(|https?://[^\\s]+)$', hint: 'an http(s) URL such as https://pay.example.com',
  },

  chain: { env: 'TILL_CHAIN', type: 'string', default: 'regtest', enum: [...CHAINS] },
  rpcHost: { env: 'TILL_RPC_HOST', type: 'string', default: '127.0.0.1' },
  rpcPort: { env: 'TILL_RPC_PORT', type: 'integer', min: 1, max: 65535 },
  rpcUser: { env: 'TILL_RPC_USER', type: 'string', default: '' },
  rpcPassword: { env: 'TILL_RPC_PASSWORD', type: 'string', default: '', fromFile: true, secret: true },
  rpcCookieFile: { env: 'TILL_RPC_COOKIE_FILE', type: 'string', default: '' },
  zmqRawTx: { env: 'TILL_ZMQ_RAWTX', type: 'string', default: '', pattern: '^(|tcp://[^\\s]+:\\d+)$', hint: 'tcp://host:port' },
  zmqRawBlock: { env: 'TILL_ZMQ_RAWBLOCK', type: 'string', default: '', pattern: '^(|tcp://[^\\s]+:\\d+)$', hint: 'tcp://host:port' },
  zmqSequence: { env: 'TILL_ZMQ_SEQUENCE', type: 'string', default: '', pattern: '^(|tcp://[^\\s]+:\\d+)$', hint: 'tcp://host:port' },

  zmqMode: {
    env: 'TILL_ZMQ_MODE', type: 'string', default: 'auto', enum: ['auto', 'off'],
    hint: 'auto (TILL_ZMQ_* or the node\'s own ZMQ settings) or off (poll the node only)',
  },
  pollMs: { env: 'TILL_POLL_MS', type: 'integer', default: 2000, min: 50, max: 600000 },
  safetyPollMs: { env: 'TILL_SAFETY_POLL_MS', type: 'integer', default: 10000, min: 50, max: 600000 },
  mempoolResyncSeconds: { env: 'TILL_MEMPOOL_RESYNC_SECONDS', type: 'integer', default: 60, min: 1, max: 86400 },

  defaultCurrency: { env: 'TILL_DEFAULT_CURRENCY', type: 'string', default: 'USD', pattern: '^[A-Z]{3}$' },
  quoteDeadlineMinutes: { env: 'TILL_QUOTE_DEADLINE_MINUTES', type: 'integer', default: 15, min: 1, max: 10080 },
  checkoutTtlMinutes: {
    env: 'TILL_CHECKOUT_TTL_MINUTES', type: 'integer', default: 20, min: 1, max: 1440,
    hint: 'minutes a checkout-API invoice holds its quote unless the request says ttlMinutes',
  },
  confirmations: { env: 'TILL_CONFIRMATIONS', type: 'integer', default: 1, min: 0, max: 100 },
  graceMinutes: {
    env: 'TILL_GRACE_MINUTES', type: 'integer', default: 480, min: 0, max: 10080,
    hint: 'minutes after the deadline that a partly paid invoice waits before it is underpaid',
  },
  latePaymentMinutes: {
    env: 'TILL_LATE_PAYMENT_MINUTES', type: 'integer', default: 0, min: 0, max: 10080,
    hint: 'minutes after expiry in which a full payment still counts as paid (0 = off)',
  },
  addressCooldownMinutes: {
    env: 'TILL_ADDRESS_COOLDOWN_MINUTES', type: 'integer', default: 1440, min: 0, max: 525600,
    hint: 'minutes before a cancelled invoice\'s address may go to another invoice (0 = at once)',
  },
  expirySweepSeconds: { env: 'TILL_EXPIRY_SWEEP_SECONDS', type: 'integer', default: 5, min: 1, max: 3600 },

  rateSources: {
    env: 'TILL_RATE_SOURCES', type: 'list', default: ['kraken', 'coinbase', 'bitstamp', 'coingecko'],
    enum: ['kraken', 'coinbase', 'bitstamp', 'coingecko'],
  },
  rateCurrencies: {
    env: 'TILL_RATE_CURRENCIES', type: 'list',
    default: ['USD', 'EUR', 'GBP', 'CAD', 'CHF', 'AUD', 'JPY'], pattern: '^[A-Z]{3}$',
  },
  ratesFixed: {
    env: 'TILL_RATES_FIXED', type: 'string', default: '',
    pattern: '^(|[A-Z]{3}=\\d+(\\.\\d+)?(,[A-Z]{3}=\\d+(\\.\\d+)?)*)$',
    hint: 'a list such as USD=70000,EUR=61000.50',
  },
  rateRefreshSeconds: { env: 'TILL_RATE_REFRESH_SECONDS', type: 'integer', default: 60, min: 5, max: 3600 },
  rateMaxAgeSeconds: { env: 'TILL_RATE_MAX_AGE_SECONDS', type: 'integer', default: 900, min: 30, max: 86400 },
  rateTimeoutMs: { env: 'TILL_RATE_TIMEOUT_MS', type: 'integer', default: 5000, min: 100, max: 60000 },
  proxy: {
    env: 'TILL_PROXY', type: 'string', default: '',
    pattern: '^(|socks5h?://[^\\s]+:\\d+)$', hint: 'a SOCKS5 URL such as socks5h://127.0.0.1:9050',
  },

  apiRateLimit: { env: 'TILL_API_RATE_LIMIT', type: 'integer', default: 100, min: 1, max: 1000000 },
  linkRatePerIp: {
    env: 'TILL_LINK_RATE_PER_IP', type: 'integer', default: 20, min: 1, max: 1000000,
    hint: 'invoices one client address may open through payment links (/pay/<slug>) per hour',
  },
  linkRateTotal: {
    env: 'TILL_LINK_RATE_TOTAL', type: 'integer', default: 200, min: 1, max: 1000000,
    hint: 'invoices all clients together may open through payment links per hour',
  },
  linkMaxSats: {
    env: 'TILL_LINK_MAX_SATS', type: 'integer', default: 100000000, min: 546, max: 2100000000000000,
    hint: 'the largest payer-chosen amount of a payment link, in satoshis (its equivalent in the link\'s currency)',
  },
  maxBodyBytes: { env: 'TILL_MAX_BODY_BYTES', type: 'integer', default: 65536, min: 1024, max: 10485760 },
  webhookAllowHttp: { env: 'TILL_WEBHOOK_ALLOW_HTTP', type: 'list', default: [] },
  webhookAllowHosts: {
    env: 'TILL_WEBHOOK_ALLOW_HOSTS', type: 'list', default: [],
    hint: 'host names, *.suffixes, addresses or CIDR ranges that webhooks may reach although private (a LAN shop, *.onion)',
  },
  webhookRetrySchedule: {
    env: 'TILL_WEBHOOK_RETRY_SCHEDULE', type: 'list', default: ['60', '300', '900', '3600', '7200'], pattern: '^[0-9]{1,7}$',
    hint: 'seconds before each retry, e.g. 60,300,900,3600,7200',
  },
  webhookTimeoutMs: { env: 'TILL_WEBHOOK_TIMEOUT_MS', type: 'integer', default: 10000, min: 100, max: 120000 },
  notifyLeaseSeconds: { env: 'TILL_NOTIFY_LEASE_SECONDS', type: 'integer', default: 60, min: 1, max: 3600 },
  smtpUrl: {
    env: 'TILL_SMTP_URL', type: 'string', default: '', fromFile: true, secret: true,
    pattern: '^(|smtps?://[^\\s]+)$', hint: 'smtp://user:password@host:587 or smtps://host:465',
  },
  smtpFrom: { env: 'TILL_SMTP_FROM', type: 'string', default: '' },
  notifyEmail: {
    env: 'TILL_NOTIFY_EMAIL', type: 'string', default: '', pattern: '^(|[^\\s@<>]+@[^\\s@<>]+)$',
    hint: 'the merchant address for paid, confirmed and expired invoices',
  },
  shopName: { env: 'TILL_SHOP_NAME', type: 'string', default: '' },
  // Shown on the checkout page of an invoice that takes wire transfers. Several lines: put
  // them in a file named by TILL_BANK_INSTRUCTIONS_FILE, or write \n between them.
  bankInstructions: { env: 'TILL_BANK_INSTRUCTIONS', type: 'string', default: '', fromFile: true },
  trustProxy: {
    env: 'TILL_TRUST_PROXY', type: 'list', default: [],
    pattern: '^([0-9a-fA-F.:]+(/[0-9]{1,3})?|[A-Za-z0-9][A-Za-z0-9_.-]*)$',
    hint: 'addresses, CIDR ranges or host names of the reverse proxies whose X-Forwarded-For/-Proto/-Host Till believes (empty: none)',
  },
  uiAuth: {
    env: 'TILL_UI_AUTH', type: 'string', default: 'password', enum: ['password', 'proxy'],
    hint: 'password (the merchant UI asks for its own login) or proxy (a trusted proxy in front already logged the merchant in, as Umbrel\'s app proxy does)',
  },
  onionUrl: {
    env: 'TILL_ONION_URL', type: 'string', default: '',
    pattern: '^(|https?://[a-z2-7]{56}\\.onion(:\\d+)?/?)$', hint: 'http://<56 characters>.onion, sent as Onion-Location on the checkout pages',
  },
} satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS;
