import type { PaymentMethod } from './invoice.js';

/** A reusable link a payer opens to make an invoice (seed 000's payment links). */
export interface PaymentLink {
  id: number;
  ref: string;
  slug: string;
  title: string;
  description: string | null;
  /** Minor units of `currency`; null when the payer chooses. */
  amount: bigint | null;
  /** Bounds of a payer-chosen amount, minor units of `currency`; null: Till's own bounds only. */
  minAmount: bigint | null;
  maxAmount: bigint | null;
  currency: string;
  paymentMethods: PaymentMethod[];
  redirectUrl: string | null;
  metadata: Record<string, unknown> | null;
  isActive: boolean;
  createdAt: number;
}
