import type { EventType, StoredEvent } from '../../domain/events.js';
import { reviveInvoice } from '../../domain/invoice-snapshot.js';
import { checkoutUrl } from '../../domain/page-url.js';
import type { Rendered, Subscriber } from '../../notify/ports.js';
import { dialectDataSubscriber } from '../../notify/subscribers.js';
import { presentInvoice, toJson } from './present.js';

/**
 * When an event is told to the invoice's notificationURL (seed 004): `always` — it became
 * confirmed, per its transactionSpeed, or what it was told went away (a shop that shipped
 * on a zero-confirmation "confirmed" must hear that the payment was replaced, and that
 * the invoice ended invalid); `full` — its BitPay status changed, told only when the
 * invoice asked for fullNotifications; `never` — not a status change (money seen, a block
 * mined: the status moves with its own invoice event). test/fixtures/bitpay/ipn-events.json
 * pins it.
 */
export const IPN_EVENTS: Readonly<Record<EventType, 'always' | 'full' | 'never'>> = {
  'invoice.created': 'never',
  'invoice.paid': 'full',
  'invoice.confirmed': 'always',
  'invoice.expired': 'full',
  'invoice.invalid': 'always',
  'invoice.cancelled': 'full',
  // paid (or a zero-confirmation confirmed) → new: the money that made it so went away.
  'payment.reverted': 'always',
  'payment.received': 'never',
  'payment.confirmed': 'never',
};

/** Whether an invoice with this fullNotifications setting is told of `eventType` by IPN. */
export function ipnWanted(eventType: string, fullNotifications: boolean): boolean {
  const when = (IPN_EVENTS as Record<string, string | undefined>)[eventType];
  return when === 'always' || (when === 'full' && fullNotifications);
}

/** Whether the invoice's notificationEmail is mailed about `eventType`: every status change. */
export function emailWanted(eventType: string): boolean {
  const when = (IPN_EVENTS as Record<string, string | undefined>)[eventType];
  return when === 'always' || when === 'full';
}

/**
 * An IPN: the invoice object of seed 004 as it was when the event happened, unsigned (as
 * BitPay's were: the receiver fetches the invoice again by id before trusting it).
 * `currentTime` is the event's time, so every retry carries the same body; `complete` is
 * told when the invoice's own target was six blocks.
 */
export function renderIpn(e: StoredEvent): Rendered {
  if (!e.payload.invoice) return { body: '{}', headers: { 'Content-Type': 'application/json' } };
  const inv = reviveInvoice(e.payload.invoice);
  const depth = inv.status === 'confirmed' ? inv.requiredConfirmations : 0;
  const body = presentInvoice(inv, { now: e.createdAt, url: checkoutUrl(inv.pageBase ?? '', inv.publicId), depth });
  return { body: toJson(body), headers: { 'Content-Type': 'application/json' } };
}

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Each BitPay invoice's notificationURL, for the events its fullNotifications asks for. */
export const ipnSubscriber: Subscriber = dialectDataSubscriber('ipn', 'bitpay', (e, data) => {
  const url = text(data.notificationURL);
  return url !== null && ipnWanted(e.type, data.fullNotifications === true) ? [{ targetId: e.invoiceId, target: url }] : [];
});

/**
 * Each BitPay invoice's notificationEmail, through the merchant's SMTP path (no SMTP: the
 * delivery is recorded as not sent). Its target id is the invoice's id negated: the
 * merchant's own notification address already takes the invoice's id for the same event.
 */
export const notificationEmailSubscriber: Subscriber = dialectDataSubscriber('email', 'bitpay', (e, data) => {
  const to = text(data.notificationEmail);
  return to !== null && emailWanted(e.type) ? [{ targetId: -e.invoiceId, target: to }] : [];
});
