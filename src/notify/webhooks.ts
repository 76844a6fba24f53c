import { TillError } from '../domain/errors.js';
import { newWebhookSecret } from '../domain/ids.js';
import { EVENT_TYPES } from '../domain/invoice.js';
import type { Database } from '../db/connection.js';
import { deleteWebhook, insertWebhook, listWebhooks, type Webhook } from '../db/webhooks.js';

export type { Webhook };

export const WEBHOOK_EVENTS: readonly string[] = [...EVENT_TYPES, '*'];

/**
 * A receiver URL must be https; plain http only for hosts the operator lists in
 * TILL_WEBHOOK_ALLOW_HTTP (a shop on the LAN, a .onion service). `*.onion` in the list
 * allows every onion host.
 */
export function checkWebhookUrl(text: string, allowHttp: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TillError('validation_failed', 'url must be an absolute URL such as https://shop.example.com/webhook');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TillError('validation_failed', 'url must use https');
  }
  if (url.hostname === '') throw new TillError('validation_failed', 'url must name a host');
  if (url.protocol === 'http:') {
    const host = url.hostname.toLowerCase();
    const allowed = allowHttp.some((h) => {
      const rule = h.toLowerCase();
      return rule === host || (rule.startsWith('*.') && host.endsWith(rule.slice(1)));
    });
    if (!allowed) {
      throw new TillError(
        'validation_failed',
        `url must use https (plain http is allowed only for hosts listed in TILL_WEBHOOK_ALLOW_HTTP; ${host} is not)`,
      );
    }
  }
  if (url.hash !== '') throw new TillError('validation_failed', 'url must not have a #fragment');
  return url.toString();
}

export class WebhookService {
  constructor(
    private readonly db: Database,
    private readonly allowHttp: readonly string[],
    private readonly now: () => number,
  ) {}

  list(): Promise<Webhook[]> {
    return listWebhooks(this.db.read);
  }

  /** Returns the webhook with its secret: the only time the secret leaves Till. */
  async create(input: { url: string; events?: string[]; description?: string | null }): Promise<Webhook> {
    const url = checkWebhookUrl(input.url, this.allowHttp);
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
}
