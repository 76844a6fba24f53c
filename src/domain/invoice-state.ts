import { TillError } from './errors.js';
import type { EventType, Invoice, InvoiceStatus } from './invoice.js';

/**
 * The invoice state machine, pure: given an invoice and the time, what may happen and
 * what it becomes. Payment-driven moves (partial, paid, confirmed, underpaid) join
 * `evaluate` when detection arrives; the moves below need no chain.
 */
export interface Transition {
  status: InvoiceStatus;
  events: EventType[];
}

const CANCELLABLE: readonly InvoiceStatus[] = ['draft', 'pending'];

export function assertFinalizable(inv: Pick<Invoice, 'status' | 'number'>): void {
  if (inv.status !== 'draft') {
    throw new TillError('invalid_state', `Invoice ${inv.number} is not a draft (status: ${inv.status})`);
  }
}

export function cancel(inv: Pick<Invoice, 'status' | 'number' | 'paidSats'>): Transition {
  if (!CANCELLABLE.includes(inv.status) || inv.paidSats > 0n) {
    throw new TillError(
      'invalid_state',
      `Invoice ${inv.number} cannot be cancelled: only draft or pending invoices with nothing received can (status: ${inv.status})`,
    );
  }
  return { status: 'cancelled', events: ['invoice.cancelled'] };
}

/** A pending invoice whose quote deadline has passed with nothing received expires. */
export function expireIfDue(
  inv: Pick<Invoice, 'status' | 'quoteExpiresAt' | 'paidSats'>,
  now: number,
): Transition | null {
  if (inv.status !== 'pending' || inv.quoteExpiresAt === null) return null;
  if (now < inv.quoteExpiresAt || inv.paidSats > 0n) return null;
  return { status: 'expired', events: ['invoice.expired'] };
}
