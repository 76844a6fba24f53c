import type { AuditLog } from '../invoicing/audit.js';
import type { Database } from '../db/connection.js';
import type { InvoiceService } from '../invoicing/invoices.js';
import type { PaymentLinkService } from '../invoicing/payment-links.js';
import type { WebhookService } from '../notify/webhooks.js';
import type { Logger } from '../log.js';
import type { ApiKeys } from './keys.js';
import type { ApiLimiter, KeyWindow } from './rate-limit.js';
import type { AllowList } from '../net/ssrf/index.js';

export interface RatesView {
  listRates(): Promise<readonly { currency: string; rate: string; sources: readonly string[]; fetchedAt: Date }[]>;
}

/** Everything the HTTP layer calls; built in main.ts, or by a test. */
export interface ApiDeps {
  db: Database;
  log: Logger;
  now: () => number;
  keys: ApiKeys;
  limiter: ApiLimiter;
  /**
   * A dialect's own limit (BitPay's invoices per hour), counted by every process on the
   * database (RateLimiter.forWindow); without it, in this process's memory. A dialect may
   * not reach the database itself.
   */
  window?: (namespace: string, limit: number, windowMs: number) => KeyWindow;
  invoices: InvoiceService;
  links: PaymentLinkService;
  webhooks: WebhookService;
  rates: RatesView;
  maxBodyBytes: number;
  health?: () => Promise<unknown>;
  /** The settings dialects need of the configuration. */
  settings: DialectSettings;
  /** Hosts allowed plain http and private addresses: what a notification URL (BitPay's IPN) may name. */
  allow: AllowList;
  /** TILL_TRUST_PROXY: the proxies whose X-Forwarded-* headers are believed (default none). */
  trustProxy?: readonly string[];
  /** The merchant's audit log: what a key changed is recorded as the UI's changes are. */
  audit?: Pick<AuditLog, 'record'>;
}

export interface DialectSettings {
  /** TILL_PUBLIC_URL without its trailing slash, or '' (then the request's own origin). */
  publicUrl: string;
  /** TILL_CHECKOUT_TTL_MINUTES. */
  checkoutTtlMinutes: number;
  /** TILL_GRACE_MINUTES: the checkout seed's unconfirmedWaitMinutes. */
  graceMinutes: number;
}
