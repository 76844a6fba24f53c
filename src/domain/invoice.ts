/** The invoice as the core knows it: one status, one exception, money as bigint. */
export const INVOICE_STATUSES = [
  'draft', 'pending', 'partial', 'paid', 'confirmed', 'expired', 'underpaid', 'cancelled', 'invalid',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export type InvoiceException = 'paid_partial' | 'paid_over' | 'paid_late';

export type Dialect = 'v1' | 'checkout' | 'bitpay' | 'link';

export const PAYMENT_METHODS = ['onchain_btc', 'wire'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface InvoiceLine {
  position: number;
  description: string;
  /** Canonical decimal string, e.g. "2" or "1.5". */
  quantity: string;
  unitPrice: bigint;
  amount: bigint;
}

export interface Invoice {
  id: number;
  /** Bumped by every change: writes are a compare-and-set on it. */
  version: number;
  seq: number;
  number: string;
  ref: string;
  publicId: string;
  bitpayId: string;
  status: InvoiceStatus;
  exception: InvoiceException | null;
  currency: string;
  subtotal: bigint;
  taxRate: string;
  tax: bigint;
  discount: bigint;
  total: bigint;
  /** BTC price in `currency`, a decimal string, locked at finalize. */
  rate: string | null;
  dueSats: bigint | null;
  paidSats: bigint;
  requiredConfirmations: number;
  addressId: number | null;
  address: string | null;
  customerEmail: string | null;
  customerName: string | null;
  customerCompany: string | null;
  notes: string | null;
  paymentMethods: PaymentMethod[];
  dialect: Dialect;
  metadata: Record<string, unknown> | null;
  dialectData: Record<string, unknown> | null;
  /**
   * Where the payer's pages were when it was made: TILL_PUBLIC_URL, or the origin of the
   * request that made it (`https://shop.example`, no trailing slash); null when no request
   * made it. Notifications, which have no request, name the checkout page on it.
   */
  pageBase: string | null;
  paymentLinkId: number | null;
  apiKeyId: number | null;
  /** Milliseconds since the epoch, UTC. */
  createdAt: number;
  updatedAt: number;
  finalizedAt: number | null;
  quoteExpiresAt: number | null;
  graceUntil: number | null;
  paidAt: number | null;
  confirmedAt: number | null;
  expiredAt: number | null;
  cancelledAt: number | null;
  /** Set when the merchant marked it paid by hand (wire transfer): the chain no longer moves it. */
  markedPaidAt: number | null;
  lines: InvoiceLine[];
}

/** Statuses in which the invoice still waits for money and the watcher must look. */
export const OPEN_STATUSES: readonly InvoiceStatus[] = ['pending', 'partial', 'paid'];
