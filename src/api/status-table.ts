import type { InvoiceException, InvoiceStatus } from '../domain/invoice.js';

/**
 * API.md's status table, in one place: each core status in each dialect's words. The
 * dialects read it; test/fixtures/api/status-table.json pins it. What a status table
 * cannot say (BitPay's `complete` at six confirmations, checkout's payment state from the
 * money itself) the dialect adds from the invoice.
 */
export const STATUS_TABLE = {
  draft: { v1: 'draft', checkout: null, bitpay: null },
  pending: { v1: 'pending', checkout: 'pending', bitpay: 'new' },
  partial: { v1: 'partial', checkout: 'pending', bitpay: 'new' },
  paid: { v1: 'paid', checkout: 'paid', bitpay: 'paid' },
  confirmed: { v1: 'confirmed', checkout: 'confirmed', bitpay: 'confirmed' },
  expired: { v1: 'expired', checkout: 'expired', bitpay: 'expired' },
  underpaid: { v1: 'expired', checkout: 'underpaid', bitpay: 'expired' },
  cancelled: { v1: 'cancelled', checkout: 'cancelled', bitpay: 'invalid' },
  invalid: { v1: 'expired', checkout: 'expired', bitpay: 'invalid' },
} as const satisfies Record<InvoiceStatus, { v1: string; checkout: string | null; bitpay: string | null }>;

export type Dialects = keyof (typeof STATUS_TABLE)['pending'];

/** The statuses of one dialect, in its own words (null: it never shows that status). */
export function statusIn<D extends Dialects>(dialect: D, status: InvoiceStatus): (typeof STATUS_TABLE)[InvoiceStatus][D] {
  return STATUS_TABLE[status][dialect];
}

/** The core statuses a dialect's status word stands for (a list filter). */
export function coreStatusesFor(dialect: Dialects, word: string): InvoiceStatus[] {
  return (Object.keys(STATUS_TABLE) as InvoiceStatus[]).filter((s) => STATUS_TABLE[s][dialect] === word);
}

/** BitPay's `exceptionStatus`: `false`, or the exception in its camelCase. */
export const BITPAY_EXCEPTION: Record<InvoiceException | 'none', false | 'paidPartial' | 'paidOver' | 'paidLate'> = {
  none: false,
  paid_partial: 'paidPartial',
  paid_over: 'paidOver',
  paid_late: 'paidLate',
};
