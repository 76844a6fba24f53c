import { TillError } from '../domain/errors.js';
import { newWebhookSecret } from '../domain/ids.js';
import { isoSeconds, WEBHOOK_EVENTS } from '../domain/events.js';
import type { Database } from '../db/connection.js';
import { deleteWebhook, findWebhook, insertWebhook, listWebhooks, setWebhookSecret, type Webhook } from '../db/webhooks.js';
import {
  attemptsOf, findDelivery, insertDelivery, listDeliveries, rescheduleNow, type Delivery, type DeliveryAttempt,
} from '../db/deliveries.js';
import { randomUUID } from 'node:crypto';
import { checkWebhookTarget, type AllowList, type Resolver } from '../net/ssrf/index.js';

export type { Webhook };


/**
 * A receiver URL must be https; plain http only for hosts the operator allowed
 * (TILL_WEBHOOK_ALLOW_HOSTS, or its older name TILL_WEBHOOK_ALLOW_HTTP): a shop on the
 * LAN, a .onion service. The same list, matched the same way, lets the SSRF guard
 * through.
 */
export function checkWebhookUrl(text: string, allow: AllowList, field = 'url'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TillError('validation_failed', `${field} must be an absolute URL such as https://shop.example.com/webhook`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TillError('validation_failed', `${field} must use https`);
  }
  if (url.hostname === '') throw new TillError('validation_failed', `${field} must name a host`);
  if (url.protocol === 'http:') {
    if (!allow.allowsHost(url.hostname)) {
      throw new TillError(
        'validation_failed',
        `${field} must use https (plain http is allowed only for hosts listed in TILL_WEBHOOK_ALLOW_HOSTS; ${url.hostname} is not)`,
      );
    }
  }
  if (url.hash !== '') throw new TillError('validation_failed', `${field} must not have a #fragment`);
  return url.toString();
}

export interface WebhookServiceOptions {
  db: Database;
  /** Hosts allowed plain http and private addresses. */
  allow: AllowList;
  proxyConfigured: boolean;
  now: () => number;
  resolve?: Resolver;
  /** Told when a delivery was queued, so it goes out at once. */
  onQueued?: () => void;
}

export class WebhookService {
  private readonly db: Database;
  private readonly now: () => number;

  constructor(private readonly o: WebhookServiceOptions) {
    this.db = o.db;
    this.now = o.now;
  }

  list(): Promise<Webhook[]> {
    return listWebhooks(this.db.read);
  }

  /**
   * The checks a webhook URL gets when saved, for any other receiver URL a merchant names
   * (BitPay's notificationURL): https unless the host is allowed, and an address the SSRF
   * guard lets through. `field` names it in the errors. Resolves to the URL as it is kept.
   */
  async checkReceiverUrl(text: string, field = 'url'): Promise<string> {
    const url = checkWebhookUrl(text, this.o.allow, field);
    // Refused when saved, and again at each connect (the name may resolve elsewhere then).
    await checkWebhookTarget(url, {
      allow: this.o.allow, resolve: this.o.resolve, proxyConfigured: this.o.proxyConfigured,
      ...(field !== 'url' && { label: field, field }),
    });
    return url;
  }

  /** Returns the webhook with its secret: the only time the secret leaves Till. */
  async create(input: { url: string; events?: string[]; description?: string | null }): Promise<Webhook> {
    const url = await this.checkReceiverUrl(input.url);
    const events = [...new Set(input.events ?? ['*'])];
    for (const e of events) {
      if (!WEBHOOK_EVENTS.includes(e)) {
        throw new TillError('validation_failed', `Unknown event "${e}"; events are ${WEBHOOK_EVENTS.join(', ')}`);
      }
    }
    return this.db.tx((trx) =>
      insertWebhook(trx, {
        url,
        secret: newWebhookSecret(),
        events: events.includes('*') ? ['*'] : events,
        description: input.description ?? null,
        createdAt: this.now(),
      }),
    );
  }

  async remove(id: number): Promise<void> {
    const done = await this.db.tx((trx) => deleteWebhook(trx, id, this.now()));
    if (!done) throw new TillError('webhook_not_found', `Webhook ${id} not found`);
  }

  async get(id: number): Promise<Webhook> {
    const w = await findWebhook(this.db.read, id);
    if (!w) throw new TillError('webhook_not_found', `Webhook ${id} not found`);
    return w;
  }

  /** A new secret, returned once; the old one stops signing at once. */
  async rotateSecret(id: number): Promise<Webhook> {
    const secret = newWebhookSecret();
    const done = await this.db.tx((trx) => setWebhookSecret(trx, id, secret));
    if (!done) throw new TillError('webhook_not_found', `Webhook ${id} not found`);
    return { ...(await this.get(id)), secret };
  }

  async deliveries(id: number, page: { limit: number; offset: number }): Promise<{ deliveries: Delivery[]; total: number }> {
    await this.get(id);
    return listDeliveries(this.db.read, 'webhook', id, page);
  }

  async delivery(id: number, deliveryId: string): Promise<{ delivery: Delivery; attempts: DeliveryAttempt[] }> {
    const d = await findDelivery(this.db.read, deliveryId);
    if (!d || d.targetKind !== 'webhook' || d.targetId !== id) {
      throw new TillError('not_found', `Delivery ${deliveryId} of webhook ${id} not found`);
    }
    return { delivery: d, attempts: await attemptsOf(this.db.read, d.id) };
  }

  /** Sends a delivery again now, with the same delivery id and body. */
  async redeliver(id: number, deliveryId: string): Promise<Delivery> {
    const { delivery } = await this.delivery(id, deliveryId);
    await this.db.tx((trx) => rescheduleNow(trx, delivery.id, this.now()));
    this.o.onQueued?.();
    return (await findDelivery(this.db.read, deliveryId))!;
  }

  /** Queues a signed ping to the webhook; resolves to its delivery. */
  async test(id: number): Promise<Delivery> {
    const hook = await this.get(id);
    const now = this.now();
    const deliveryId = randomUUID();
    const body = JSON.stringify({
      event: 'webhook.test',
      data: { webhook_id: hook.id, message: 'This is a test delivery from Till.' },
      timestamp: isoSeconds(now),
    });
    await this.db.tx((trx) =>
      insertDelivery(trx, {
        deliveryId, outboxId: null, eventType: 'webhook.test', targetKind: 'webhook', targetId: hook.id,
        target: hook.url, payload: body, now,
      }),
    );
    this.o.onQueued?.();
    return (await findDelivery(this.db.read, deliveryId))!;
  }
}
