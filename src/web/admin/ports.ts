import type { AuditLog } from '../../invoicing/audit.js';
import type { InvoiceService } from '../../invoicing/invoices.js';
import type { InvoiceBrowser } from '../../invoicing/invoice-browser.js';
import type { MerchantAuth } from '../../invoicing/merchant-auth.js';
import type { PaymentLinkService } from '../../invoicing/payment-links.js';
import type { ReportService } from '../../invoicing/reports.js';
import type { Delivery, DeliveryAttempt, Webhook } from '../../domain/notification.js';

/**
 * What the merchant UI calls, injected by main.ts: the same services the API calls (never
 * SQL from a page), and ports for what lives in layers a page may not import (API keys in
 * api/, webhooks in notify/, the wallet in wallet/), typed here by what the pages need.
 */

/** A sliding window per number key (api/rate-limit.ts's RateLimiter). */
export interface Limiter {
  take(id: number): { allowed: boolean; retryAfterS: number };
  giveBack(id: number): void;
}

/** A field's error, shown beside it; `field` null: the form's as a whole. */
export interface FieldError {
  field: string | null;
  message: string;
}

/** The API's own request schemas (api/v1/schemas.ts), so a form accepts what the API does. */
export interface FormSchemas {
  /** The errors of a body for the API's create-invoice, create-link or create-webhook; [] when it is valid. */
  check(kind: 'createInvoice' | 'createLink' | 'createWebhook', body: unknown): FieldError[];
}

export interface ApiKeyView {
  id: number;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface KeysPort {
  /** Every scope a key may have, in order. */
  scopes: readonly string[];
  create(name: string, scopes: string[]): Promise<{ key: string; record: ApiKeyView }>;
  list(): Promise<ApiKeyView[]>;
  revoke(idOrPrefix: string): Promise<number>;
}

/** Webhooks (notify/webhooks.ts's WebhookService): a webhook's secret leaves Till only from create and rotateSecret. */
export interface WebhooksPort {
  list(): Promise<Webhook[]>;
  create(input: { url: string; events?: string[]; description?: string | null }): Promise<Webhook>;
  get(id: number): Promise<Webhook>;
  remove(id: number): Promise<void>;
  rotateSecret(id: number): Promise<Webhook>;
  deliveries(id: number, page: { limit: number; offset: number }): Promise<{ deliveries: Delivery[]; total: number }>;
  delivery(id: number, deliveryId: string): Promise<{ delivery: Delivery; attempts: DeliveryAttempt[] }>;
  redeliver(id: number, deliveryId: string): Promise<Delivery>;
  test(id: number): Promise<Delivery>;
}

export interface HealthView {
  ok: boolean;
  warnings: string[];
  [k: string]: unknown;
}

export interface UiSettings {
  /** TILL_UI_AUTH: `password`, or `proxy` (a trusted proxy already logged the merchant in). */
  uiAuth: 'password' | 'proxy';
  shopName: () => string;
  /** Where payers reach Till (TILL_PUBLIC_URL, no trailing slash): a payment link's public address. */
  publicUrl?: string;
}

export interface AdminDeps {
  auth: Pick<MerchantAuth, 'hasPassword' | 'setPassword' | 'checkPassword' | 'login' | 'startSession' | 'session' | 'logout'>;
  audit: Pick<AuditLog, 'record' | 'list'>;
  invoices: InvoiceService;
  /** The invoice list's filters and search, an invoice's events and deliveries (invoicing/invoice-browser.ts). */
  invoiceBrowser: InvoiceBrowser;
  /** The dashboard's sums and the CSV exports (invoicing/reports.ts). */
  reports: ReportService;
  links: PaymentLinkService;
  keys: KeysPort;
  webhooks: WebhooksPort;
  health: () => Promise<HealthView>;
  forms: FormSchemas;
  /** Login attempts per client address (by number key), e.g. 10 in 15 minutes. */
  loginLimiter: Limiter;
  /**
   * The one-time code printed in the log at start while no password is set: the first-run
   * page takes it from anyone, or nothing from a request of this machine itself.
   */
  setupCode: string | null;
  settings: UiSettings;
  now: () => number;
  onError?: (err: unknown) => void;
}
