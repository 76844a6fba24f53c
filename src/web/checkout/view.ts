import type { Invoice } from '../../domain/invoice.js';
import type { Payment } from '../../domain/payment.js';
import { formatBtc, formatBtcTrimmed, formatMoney } from '../../domain/money.js';

/** What the payer sees the invoice as: one word per state of the page. */
export type PageState =
  | 'waiting' | 'partial' | 'paid' | 'confirmed' | 'expired' | 'underpaid' | 'paid_late' | 'cancelled' | 'invalid';

/** How to pay by bank transfer, for an invoice that takes one and still waits for it. */
export interface WireView {
  /** The merchant's bank instructions (TILL_BANK_INSTRUCTIONS); null: none set. */
  instructions: string | null;
  /** "150.00 USD". */
  amount: string;
  /** The invoice number, for the transfer's reference. */
  reference: string;
  /** Wire is the only way to pay: no bitcoin address, no deadline. */
  only: boolean;
}

/** Seconds a paid page waits before it takes the payer back to the shop by itself. */
export const RETURN_SECONDS = 10;

export interface CheckoutView {
  publicId: string;
  /**
   * What the page shows, as a token: the invoice's version and the confirmations. The
   * script sends it back when it reconciles, and hears 204 when nothing changed.
   */
  stamp: string;
  state: PageState;
  /** Still waiting for money or confirmations: the page refreshes and listens. */
  open: boolean;
  shopName: string;
  number: string;
  lines: { description: string; quantity: string; amount: string }[];
  currency: string;
  /** "220.00 USD"; null for a BTC-priced invoice. */
  fiatTotal: string | null;
  rate: string | null;
  /** Exact 8-decimal strings. */
  dueBtc: string | null;
  paidBtc: string;
  remainingBtc: string | null;
  address: string | null;
  /** The BIP21 URI to pay now (the remainder when partly paid); null: nothing to pay. */
  payUri: string | null;
  /** Seconds left of the quote while it waits for money; null otherwise. */
  secondsLeft: number | null;
  deadline: string | null;
  confirmations: number;
  requiredConfirmations: number;
  redirectUrl: string | null;
  /** Seconds before the page returns to `redirectUrl` by itself; null: it stays. */
  returnInSeconds: number | null;
  wire: WireView | null;
}

/** BIP21: `bitcoin:<address>?amount=<btc>`, the amount without trailing zeros. */
export function bip21(address: string, sats: bigint): string {
  return `bitcoin:${address}?amount=${formatBtcTrimmed(sats)}`;
}

export function pageState(inv: Pick<Invoice, 'status' | 'exception'>): PageState {
  if (inv.exception === 'paid_late' && inv.status !== 'paid' && inv.status !== 'confirmed') return 'paid_late';
  switch (inv.status) {
    case 'draft':
    case 'pending':
      return 'waiting';
    default:
      return inv.status;
  }
}

/** An http(s) URL the merchant gave to return to (checkout's redirectUrl, BitPay's redirectURL). */
function redirectOf(inv: Pick<Invoice, 'dialectData'>): string | null {
  const d = inv.dialectData ?? {};
  const v = d.redirectUrl ?? d.redirectURL;
  if (typeof v !== 'string' || v === '') return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * The confirmations of the money that stands: the shallowest standing payment's depth
 * (a payer waits for the last of their payments).
 */
export function confirmationsOf(payments: readonly { payment: Payment; confirmations: number }[]): number {
  const standing = payments.filter((p) => p.payment.status === 'mempool' || p.payment.status === 'confirmed');
  if (standing.length === 0) return 0;
  return Math.min(...standing.map((p) => p.confirmations));
}

export function checkoutView(
  inv: Invoice,
  o: { shopName: string; now: number; confirmations: number; bankInstructions?: string },
): CheckoutView {
  const state = pageState(inv);
  const due = inv.dueSats;
  const remaining = due === null ? null : due > inv.paidSats ? due - inv.paidSats : 0n;
  const takesMoney = state === 'waiting' || state === 'partial';
  const payUri = takesMoney && inv.address && remaining !== null && remaining > 0n ? bip21(inv.address, remaining) : null;
  const fiat = inv.currency === 'BTC' ? null : `${formatMoney(inv.total, inv.currency)} ${inv.currency}`;
  const redirectUrl = redirectOf(inv);
  const wire: WireView | null = inv.paymentMethods.includes('wire') && state === 'waiting'
    ? {
      instructions: o.bankInstructions ? o.bankInstructions : null,
      amount: `${formatMoney(inv.total, inv.currency)} ${inv.currency}`,
      reference: inv.number,
      only: !inv.paymentMethods.includes('onchain_btc'),
    }
    : null;
  return {
    publicId: inv.publicId,
    stamp: `${inv.version}-${o.confirmations}`,
    state,
    open: state === 'waiting' || state === 'partial' || state === 'paid',
    shopName: o.shopName,
    number: inv.number,
    lines: inv.lines.map((l) => ({ description: l.description, quantity: l.quantity, amount: formatMoney(l.amount, inv.currency) })),
    currency: inv.currency,
    fiatTotal: fiat,
    rate: inv.currency === 'BTC' ? null : inv.rate,
    dueBtc: due === null ? null : formatBtc(due),
    paidBtc: formatBtc(inv.paidSats),
    remainingBtc: remaining === null ? null : formatBtc(remaining),
    address: takesMoney ? inv.address : null,
    payUri,
    secondsLeft: takesMoney && inv.quoteExpiresAt !== null ? Math.max(0, Math.floor((inv.quoteExpiresAt - o.now) / 1000)) : null,
    deadline: inv.quoteExpiresAt === null ? null : new Date(inv.quoteExpiresAt).toISOString(),
    confirmations: o.confirmations,
    requiredConfirmations: inv.requiredConfirmations,
    redirectUrl,
    returnInSeconds: redirectUrl && (state === 'paid' || state === 'confirmed') ? RETURN_SECONDS : null,
    wire,
  };
}
