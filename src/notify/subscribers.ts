import { activeWebhooks } from '../db/webhooks.js';
import type { Subscriber } from './ports.js';

/** Every active webhook subscribed to the event's type (or to "*"). */
export const webhookSubscriber: Subscriber = {
  kind: 'webhook',
  async forBatch(trx) {
    const hooks = await activeWebhooks(trx);
    return (e) => hooks.filter((h) => h.events.includes('*') || h.events.includes(e.type)).map((h) => ({ targetId: h.id, target: h.url }));
  },
};

/** What the merchant is mailed about: money settled, a deadline passed, money taken back. */
export const EMAIL_EVENTS: readonly string[] = ['invoice.paid', 'invoice.confirmed', 'invoice.expired', 'payment.reverted', 'invoice.invalid'];

/** The merchant's notification address, for invoice events worth an email. */
export function emailSubscriber(address: string): Subscriber {
  return {
    kind: 'email',
    forBatch: async () => (e) => (e.invoiceId !== null && EMAIL_EVENTS.includes(e.type) ? [{ targetId: e.invoiceId, target: address }] : []),
  };
}
