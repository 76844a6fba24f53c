import { activeWebhooks } from '../db/webhooks.js';
import { dialectDataOf } from '../db/invoices.js';
import type { Dialect } from '../domain/invoice.js';
import type { TargetKind } from '../domain/notification.js';
import type { FanOutEvent, Receiver, Subscriber } from './ports.js';

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

/**
 * Receivers an invoice names itself, in its dialect data (BitPay's notificationURL and
 * notificationEmail): once per fan-out batch it reads the dialect data of the batch's
 * invoices made through `dialect`, and `pick` says who of them hears each event.
 */
export function dialectDataSubscriber(
  kind: TargetKind,
  dialect: Dialect,
  pick: (event: FanOutEvent & { invoiceId: number }, data: Record<string, unknown>) => Receiver[],
): Subscriber {
  return {
    kind,
    async forBatch(trx, events) {
      const ids = [...new Set(events.flatMap((e) => (e.invoiceId === null ? [] : [e.invoiceId])))];
      const data = await dialectDataOf(trx, ids, dialect);
      return (e) => {
        const d = e.invoiceId === null ? undefined : data.get(e.invoiceId);
        return d === undefined ? [] : pick({ ...e, invoiceId: e.invoiceId! }, d);
      };
    },
  };
}
