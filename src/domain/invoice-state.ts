import { TillError } from './errors.js';
import type { EventType } from './events.js';
import type { Invoice, InvoiceStatus } from './invoice.js';

/**
 * The moves a merchant makes on an invoice: finalize and cancel. What money, blocks and
 * deadlines do to it is `evaluate` in payment-state.ts.
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

const MARKABLE: readonly InvoiceStatus[] = ['draft', 'pending', 'partial', 'expired', 'underpaid', 'invalid'];

/** A wire invoice the merchant saw paid into the bank: settled by hand, at once. */
export function markPaid(inv: Pick<Invoice, 'status' | 'number' | 'paymentMethods' | 'paidAt'>): Transition {
  if (!inv.paymentMethods.includes('wire')) {
    throw new TillError('invalid_state', `Invoice ${inv.number} does not accept wire transfers, so it cannot be marked paid by hand`);
  }
  if (!MARKABLE.includes(inv.status)) {
    throw new TillError('invalid_state', `Invoice ${inv.number} cannot be marked paid (status: ${inv.status})`);
  }
  return { status: 'confirmed', events: inv.paidAt === null ? ['invoice.paid', 'invoice.confirmed'] : ['invoice.confirmed'] };
}
