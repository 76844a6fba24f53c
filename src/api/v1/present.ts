import { formatBtc, formatBtcTrimmed, formatMoney, satsToFiatMinor } from '../../domain/money.js';
import { BTC } from '../../domain/currency.js';
import { paymentState } from '../../domain/invoice-state-machine.js';
import { coreStatusesFor, statusIn } from '../status-table.js';
import type { Invoice, InvoiceStatus } from '../../domain/invoice.js';
import type { PaymentLink } from '../../domain/payment-link.js';
import type { Delivery, DeliveryAttempt, Webhook } from '../../domain/notification.js';
import type { Payment } from '../../domain/payment.js';
import { checkoutUrl } from '../../domain/page-url.js';
import type { V1Status } from './schemas.js';

/** v1 speaks seven status words; the core's underpaid and invalid read as expired (API.md's table). */
export function v1Status(s: InvoiceStatus): V1Status {
  return statusIn('v1', s);
}

/** The core statuses a v1 filter word stands for. */
export function coreStatuses(s: V1Status): InvoiceStatus[] {
  return coreStatusesFor('v1', s);
}

/** The seed prints a zero amount as "0" and every other amount with all minor digits. */
export function money(minor: bigint, currency: string): string {
  return minor === 0n ? '0' : formatMoney(minor, currency);
}

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

type PaidFields = Pick<Invoice, 'currency' | 'total' | 'rate' | 'dueSats' | 'paidSats' | 'markedPaidAt'>;

/**
 * What was received, in the invoice currency at the locked rate; never above the total.
 * Money within the 1-satoshi tolerance of the amount due is the whole total (as `status`
 * says), and a wire invoice the merchant marked paid was paid in full, off-chain.
 */
export function paidMinor(inv: PaidFields): bigint {
  if (inv.markedPaidAt) return inv.total;
  if (inv.paidSats === 0n || inv.rate === null || inv.dueSats === null) return 0n;
  if (paymentState(inv.paidSats, inv.dueSats) !== 'partial') return inv.total;
  if (inv.currency === BTC) return inv.paidSats;
  const v = satsToFiatMinor(inv.paidSats, inv.currency, inv.rate);
  return v < inv.total ? v : inv.total;
}

/**
 * The v1 invoice. `pageBase` is where the payer's pages are (TILL_PUBLIC_URL, the
 * request's origin, or for a webhook the one recorded when the invoice was made): a
 * finalized invoice names its checkout page on it; a draft has no page yet.
 */
export function presentInvoice(inv: Invoice, pageBase: string | null) {
  const paid = paidMinor(inv);
  return {
    id: inv.id,
    ref: inv.ref,
    uuid: inv.publicId,
    invoice_number: inv.number,
    status: v1Status(inv.status),
    exception: inv.exception,
    customer_email: inv.customerEmail,
    customer_name: inv.customerName,
    customer_company: inv.customerCompany,
    currency: inv.currency,
    subtotal: money(inv.subtotal, inv.currency),
    tax_rate: inv.taxRate,
    tax_amount: money(inv.tax, inv.currency),
    discount_amount: money(inv.discount, inv.currency),
    total: money(inv.total, inv.currency),
    amount_paid: money(paid, inv.currency),
    amount_due: money(inv.total - paid, inv.currency),
    btc_rate: inv.rate,
    btc_amount: inv.dueSats === null ? null : formatBtc(inv.dueSats),
    btc_paid: formatBtc(inv.paidSats),
    payment_address: inv.address,
    payment_uri: inv.address && inv.dueSats !== null ? `bitcoin:${inv.address}?amount=${formatBtcTrimmed(inv.dueSats)}` : null,
    payment_methods: inv.paymentMethods,
    checkout_url: inv.status === 'draft' || pageBase === null ? null : checkoutUrl(pageBase, inv.publicId),
    required_confirmations: inv.requiredConfirmations,
    notes: inv.notes ?? '',
    metadata: inv.metadata ?? {},
    created_at: seconds(inv.createdAt),
    finalized_at: seconds(inv.finalizedAt),
    expires_at: seconds(inv.quoteExpiresAt),
    paid_at: seconds(inv.paidAt),
    confirmed_at: seconds(inv.confirmedAt),
    marked_paid_at: seconds(inv.markedPaidAt ?? null),
    lines: inv.lines.map((l) => ({
      description: l.description,
      quantity: l.quantity,
      unit_price: money(l.unitPrice, inv.currency),
      amount: money(l.amount, inv.currency),
    })),
  };
}

export function presentPayment(p: { payment: Payment; confirmations: number }) {
  return {
    txid: p.payment.txid,
    vout: p.payment.vout,
    amount: formatBtc(p.payment.sats),
    confirmations: p.confirmations,
    status: p.payment.status,
    seen_at: seconds(p.payment.seenAt),
    confirmed_at: seconds(p.payment.confirmedAt),
    block_height: p.payment.blockHeight,
  };
}

export function presentStatus(inv: PaidFields & Pick<Invoice, 'number' | 'status' | 'exception'>) {
  const paid = paidMinor(inv);
  return {
    invoice_number: inv.number,
    status: v1Status(inv.status),
    exception: inv.exception,
    total: money(inv.total, inv.currency),
    amount_paid: money(paid, inv.currency),
    amount_due: money(inv.total - paid, inv.currency),
    currency: inv.currency,
  };
}

export function presentLink(l: PaymentLink) {
  return {
    ref: l.ref,
    slug: l.slug,
    title: l.title,
    description: l.description,
    amount: l.amount === null ? null : formatMoney(l.amount, l.currency),
    min_amount: l.minAmount === null ? null : formatMoney(l.minAmount, l.currency),
    max_amount: l.maxAmount === null ? null : formatMoney(l.maxAmount, l.currency),
    currency: l.currency,
    payment_methods: l.paymentMethods,
    redirect_url: l.redirectUrl,
    metadata: l.metadata ?? {},
    is_active: l.isActive,
    created_at: seconds(l.createdAt),
  };
}

export function presentWebhook(w: Webhook) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    is_active: w.isActive,
    description: w.description,
  };
}

export function presentDelivery(d: Delivery) {
  return {
    id: d.deliveryId,
    event: d.eventType,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? seconds(d.nextAttemptAt) : null,
    last_attempt_at: seconds(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    response_excerpt: d.responseExcerpt,
    delivered_at: seconds(d.deliveredAt),
    created_at: seconds(d.createdAt),
  };
}

export function presentAttempt(a: DeliveryAttempt) {
  return {
    attempt: a.attempt,
    started_at: seconds(a.startedAt),
    duration_ms: a.durationMs,
    status_code: a.statusCode,
    error: a.error,
    response_excerpt: a.responseExcerpt,
  };
}
