import type { Database } from '../db/connection.js';
import type { InvoiceService } from '../invoicing/invoices.js';
import type { PaymentLinkService } from '../invoicing/payment-links.js';
import type { WebhookService } from '../notify/webhooks.js';
import type { Logger } from '../log.js';
import type { ApiKeys } from './keys.js';
import type { RateLimiter } from './rate-limit.js';

export interface RatesView {
  listRates(): Promise<readonly { currency: string; rate: string; sources: readonly string[]; fetchedAt: Date }[]>;
}

/** Everything the HTTP layer calls; built in main.ts, or by a test. */
export interface ApiDeps {
  db: Database;
  log: Logger;
  now: () => number;
  keys: ApiKeys;
  limiter: RateLimiter;
  invoices: InvoiceService;
  links: PaymentLinkService;
  webhooks: WebhookService;
  rates: RatesView;
  maxBodyBytes: number;
  health?: () => Promise<unknown>;
}
