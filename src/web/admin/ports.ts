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

/**
 * A sliding window per number key (api/rate-limit.ts's RateLimiter, or its
 * SharedRateLimiter when several processes share a PostgreSQL: then a promise).
 */
export interface Limiter {
  take(id: number): { allowed: boolean; retryAfterS: number } | Promise<{ allowed: boolean; retryAfterS: number }>;
  giveBack(id: number): void | Promise<void>;
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

/** An address the wallet derives, by its index: what the merchant checks against their wallet app. */
export interface WalletAddressView {
  index: number;
  address: string;
}

/** The active wallet (wallet/ui-port.ts). */
export interface WalletView {
  /** The output descriptor as stored (public: an extended public key and its path). */
  descriptor: string;
  chain: string;
  network: string;
  scriptType: string;
  fingerprint: string | null;
  origin: { fingerprint: string; path: string } | null;
  firstIndex: number;
  nextIndex: number;
  setAt: number;
  /** The first five addresses from the first index, derived whether handed out or not. */
  addresses: WalletAddressView[];
  handedOut: { assigned: number; used: number; released: number };
  /** Released addresses still cooling down, and those free to hand out again. */
  cooling: number;
  free: number;
  cooldownMinutes: number;
}

export interface WalletPreviewView {
  descriptor: string;
  network: string;
  scriptType: string;
  firstIndex: number;
  addresses: WalletAddressView[];
}

/** The wallet, for its page: TillError wallet_invalid / wallet_network_mismatch / validation_failed for a bad key or index. */
export interface WalletPort {
  current(): Promise<WalletView | null>;
  preview(input: string, firstIndex: number): Promise<WalletPreviewView>;
  set(input: string, firstIndex: number): Promise<WalletPreviewView>;
}

/** One setting the merchant may change (config/runtime.ts). */
export interface SettingView {
  key: string;
  env: string;
  /** As a form shows it: a list joined by ", ", a URL's password masked. */
  value: string;
  origin: 'database' | 'environment' | 'file' | 'default';
  /** What clearing the stored value goes back to. */
  fallback: string;
  fallbackOrigin: 'environment' | 'file' | 'default';
  updatedAt: number | null;
  secret: boolean;
  /** Applies to the running Till at once (false: after a restart). */
  live: boolean;
  restartPending: boolean;
  options: readonly string[] | null;
  min: number | null;
  max: number | null;
}

export interface SettingsPort {
  rows(): SettingView[];
  /** Stores the changed values, all or none; `errors` beside their fields. A secret's value is null in `changed`. */
  save(form: Record<string, string>): Promise<{ changed: { key: string; env: string; value: string | null }[]; errors: FieldError[] }>;
  /** Back to the environment's value; false if none was stored. */
  clear(key: string): Promise<boolean>;
  /** Sends a test email through the SMTP settings in use. */
  testEmail(to: string): Promise<{ ok: true; detail: string } | { ok: false; error: string }>;
}

export interface AdminDeps {
  auth: Pick<MerchantAuth, 'hasPassword' | 'setPassword' | 'setFirstPassword' | 'checkPassword' | 'login' | 'startSession' | 'session' | 'logout'>;
  audit: Pick<AuditLog, 'record' | 'list'>;
  invoices: InvoiceService;
  /** The dashboard's sums and the CSV exports (invoicing/reports.ts). */
  reports: ReportService;
  /** The invoice list's filters and search, an invoice's events and deliveries (invoicing/invoice-browser.ts). */
  invoiceBrowser: InvoiceBrowser;
  links: PaymentLinkService;
  keys: KeysPort;
  wallet: WalletPort;
  /** The settings a merchant may change, stored over the environment's. */
  siteSettings: SettingsPort;
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
