import { paymentState, TOLERANCE_SATS, type PaymentState } from '../../domain/invoice-state-machine.js';
import type { Invoice, InvoiceStatus } from '../../domain/invoice.js';
import type { Payment } from '../../domain/payment.js';
import { statusIn } from '../status-table.js';
import { btcNumber, decimalNumber, moneyNumber, type JsonNumber } from './json.js';
import type { CheckoutStatus } from './schemas.js';

/** The checkout dialect prices in USD (amountUsd); an invoice made elsewhere may not be. */
export const USD = 'USD';

/** The checkout word for a core status (API.md's table); null: checkout never shows it (draft). */
export function checkoutStatus(s: InvoiceStatus): CheckoutStatus | null {
  return statusIn('checkout', s);
}

/** The seed's timestamps: ISO-8601 UTC with milliseconds. */
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The seed's payment summary: what came in against what was due, within the 1-satoshi tolerance. */
export function paymentSummary(inv: Pick<Invoice, 'dueSats' | 'paidSats' | 'markedPaidAt'>): {
  paymentState: PaymentState;
  receivedBtc: JsonNumber;
  remainingBtc: JsonNumber;
  overpaidBtc: JsonNumber;
} {
  const received = inv.paidSats;
  const due = inv.dueSats;
  // A wire invoice the merchant marked paid was paid in full, off-chain.
  if (due === null || inv.markedPaidAt) {
    return {
      paymentState: inv.markedPaidAt ? 'exact' : 'unpaid',
      receivedBtc: btcNumber(received),
      remainingBtc: btcNumber(0n),
      overpaidBtc: btcNumber(0n),
    };
  }
  const state = paymentState(received, due);
  return {
    paymentState: state,
    receivedBtc: btcNumber(received),
    remainingBtc: btcNumber(state === 'unpaid' || state === 'partial' ? due - received : 0n),
    overpaidBtc: btcNumber(state === 'overpaid' ? received - due : 0n),
  };
}

/** Whole seconds until the quote ends while the invoice still waits for money; 0 otherwise. */
export function timeRemainingSeconds(inv: Pick<Invoice, 'status' | 'quoteExpiresAt'>, now: number): number {
  if (checkoutStatus(inv.status) !== 'pending' || inv.quoteExpiresAt === null) return 0;
  return Math.max(0, Math.floor((inv.quoteExpiresAt - now) / 1000));
}

/** What the chain says of an invoice: its standing payments' txids and their depth. */
export interface ChainView {
  confirmations: number;
  txHashes: string[];
}

export const NOTHING_ON_CHAIN: ChainView = { confirmations: 0, txHashes: [] };

/**
 * From the invoice's payments (replaced and reorged ones kept in the list but not
 * standing): the txids of the standing ones in the order they were seen, and the
 * confirmations of the amount due — the depth at which the deepest standing payments
 * cover it, as the state machine counts them (a partial amount: its shallowest payment).
 */
export function chainView(payments: readonly { payment: Payment; confirmations: number }[], dueSats: bigint | null): ChainView {
  const standing = payments.filter((p) => p.payment.status === 'mempool' || p.payment.status === 'confirmed');
  if (standing.length === 0) return NOTHING_ON_CHAIN;
  let confirmations = 0;
  let covered = 0n;
  for (const p of [...standing].sort((a, b) => b.confirmations - a.confirmations)) {
    covered += p.payment.sats;
    confirmations = p.confirmations;
    if (dueSats !== null && covered + TOLERANCE_SATS >= dueSats) break;
  }
  return { confirmations, txHashes: [...new Set(standing.map((p) => p.payment.txid))] };
}

function dialectText(inv: Pick<Invoice, 'dialectData'>, key: string): string | null {
  const v = inv.dialectData?.[key];
  return typeof v === 'string' ? v : null;
}

/**
 * The TTL the invoice was made with: the checkout request's ttlMinutes, or for an invoice
 * made through another dialect the length of its quote.
 */
function ttlMinutes(inv: Pick<Invoice, 'dialectData' | 'finalizedAt' | 'quoteExpiresAt'>): number | null {
  const v = inv.dialectData?.ttlMinutes;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (inv.finalizedAt === null || inv.quoteExpiresAt === null) return null;
  return Math.round((inv.quoteExpiresAt - inv.finalizedAt) / 60_000);
}

/**
 * The create answer's fields in the seed's order. `amountUsd` and `btcRate` are the USD
 * price and the USD rate: an invoice priced in another currency (made through v1 or
 * BitPay) shows null there.
 */
function head(inv: Invoice, qrCode: string | null | undefined) {
  const usd = inv.currency === USD;
  return {
    id: inv.publicId,
    amountUsd: usd ? moneyNumber(inv.total, USD) : null,
    amountBtc: inv.dueSats === null ? null : btcNumber(inv.dueSats),
    btcRate: usd && inv.rate !== null ? decimalNumber(inv.rate) : null,
    btcAddress: inv.address,
    ...(qrCode !== undefined && { qrCode }),
    status: checkoutStatus(inv.status),
    productName: inv.dialect === 'checkout' ? dialectText(inv, 'productName') : (inv.lines[0]?.description ?? null),
    redirectUrl: dialectText(inv, 'redirectUrl'),
    expiresAt: iso(inv.quoteExpiresAt),
    ttlMinutes: ttlMinutes(inv),
    createdAt: iso(inv.createdAt),
  };
}

/** One invoice of a list: everything but the QR code (a PNG per row) and the chain detail. */
export function presentListItem(inv: Invoice, now: number) {
  return {
    ...head(inv, undefined),
    ...paymentSummary(inv),
    timeRemainingSeconds: timeRemainingSeconds(inv, now),
    paidAt: iso(inv.paidAt),
    confirmedAt: iso(inv.confirmedAt),
    metadata: inv.metadata ?? {},
  };
}

/**
 * The whole invoice (create, detail, delete): the seed's create fields, then the payment
 * summary, the time remaining and every field of the status poll, then the metadata.
 */
export function presentInvoice(inv: Invoice, now: number, qrCode: string | null, chain: ChainView) {
  return {
    ...head(inv, qrCode),
    ...paymentSummary(inv),
    timeRemainingSeconds: timeRemainingSeconds(inv, now),
    paidAt: iso(inv.paidAt),
    confirmedAt: iso(inv.confirmedAt),
    confirmations: chain.confirmations,
    txHash: chain.txHashes[0] ?? null,
    txHashes: chain.txHashes,
    metadata: inv.metadata ?? {},
  };
}

/** GET …/status: exactly the seed's fields. */
export function presentStatus(inv: Invoice, now: number, chain: ChainView) {
  return {
    status: checkoutStatus(inv.status),
    confirmations: chain.confirmations,
    txHash: chain.txHashes[0] ?? null,
    txHashes: chain.txHashes,
    paidAt: iso(inv.paidAt),
    confirmedAt: iso(inv.confirmedAt),
    ...paymentSummary(inv),
    timeRemainingSeconds: timeRemainingSeconds(inv, now),
  };
}

/** GET …/stats: the seed's counts by checkout word, plus `cancelled`; drafts are not checkout invoices. */
export function presentStats(counts: Partial<Record<InvoiceStatus, number>>) {
  const out = { total: 0, pending: 0, paid: 0, confirmed: 0, expired: 0, underpaid: 0, cancelled: 0 };
  for (const [status, n] of Object.entries(counts) as [InvoiceStatus, number][]) {
    const word = checkoutStatus(status);
    if (word === null) continue;
    out[word] += n;
    out.total += n;
  }
  return out;
}
