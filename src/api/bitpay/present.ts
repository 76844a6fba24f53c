import { LosslessNumber, stringify } from 'lossless-json';
import { BTC_DECIMALS, minorUnits } from '../../domain/currency.js';
import { formatDecimal, formatScaled, readDecimalText } from '../../domain/decimal.js';
import { TillError } from '../../domain/errors.js';
import { paymentState } from '../../domain/invoice-state-machine.js';
import { formatBtcTrimmed } from '../../domain/money.js';
import type { Invoice } from '../../domain/invoice.js';
import type { Payment } from '../../domain/payment.js';
import { BITPAY_EXCEPTION, statusIn } from '../status-table.js';
import type { TransactionSpeed } from './schemas.js';

/** BitPay's `complete`: its settlement depth, whatever the invoice's transactionSpeed. */
export const COMPLETE_CONFIRMATIONS = 6;

/** What a BitPay invoice keeps of its request (the invoice's dialect data), and of its birth. */
export interface BitpayData {
  posData?: string;
  notificationURL?: string;
  transactionSpeed?: TransactionSpeed;
  fullNotifications?: boolean;
  notificationEmail?: string;
  redirectURL?: string;
  orderID?: string;
  itemDesc?: string;
  itemCode?: string;
  physical?: boolean;
  buyer?: Record<string, string>;
  /** The seed's `token`: random, made at creation. */
  token?: string;
}

/** The BitPay fields of an invoice made through BitPay; `{}` for one made elsewhere. */
export function bitpayData(inv: Pick<Invoice, 'dialect' | 'dialectData'>): BitpayData {
  return inv.dialect === 'bitpay' && inv.dialectData ? (inv.dialectData as BitpayData) : {};
}

/**
 * BTC as seed 004 prints it: "0.069032", "0.000000" — six decimals, as the seed shows,
 * and seven or eight where the satoshis need them ("0.06903215"), so a payer who pays
 * `btcDue` to the letter never pays a satoshi less than is due. Exact, from the integer.
 */
export function btcText(sats: bigint): string {
  let text = formatScaled(sats, BTC_DECIMALS);
  for (let i = 0; i < BTC_DECIMALS - 6 && text.endsWith('0'); i++) text = text.slice(0, -1);
  return text;
}

/** A stored decimal string (a locked rate, "70862.71") as its JSON number, digit for digit. */
export function decimalNumber(text: string): LosslessNumber {
  const d = readDecimalText(text);
  if (d === undefined) throw new TillError('internal', `not a decimal: ${text}`);
  return new LosslessNumber(formatDecimal(d));
}

/** Minor units as the JSON number of the major unit: 2000n USD → 20, 2050n → 20.5. */
export function moneyNumber(minor: bigint, currency: string): LosslessNumber {
  return new LosslessNumber(formatScaled(minor, minorUnits(currency), { trim: true }));
}

/** JSON text with every LosslessNumber written as its digits. */
export function toJson(value: unknown): string {
  return stringify(value) ?? 'null';
}

/**
 * The confirmations of the amount due: the depth at which the deepest standing payments
 * first cover it (money beyond the price does not count), as the core judges `confirmed`.
 */
export function depthOf(payments: readonly { payment: Pick<Payment, 'sats' | 'status'>; confirmations: number }[], dueSats: bigint | null): number {
  if (dueSats === null) return 0;
  const standing = payments.filter((p) => p.payment.status === 'mempool' || p.payment.status === 'confirmed');
  let covered = 0n;
  for (const p of [...standing].sort((a, b) => b.confirmations - a.confirmations)) {
    covered += p.payment.sats;
    if (paymentState(covered, dueSats) !== 'partial') return p.confirmations;
  }
  return 0;
}

export type BitpayStatus = 'new' | 'paid' | 'confirmed' | 'complete' | 'expired' | 'invalid';

/** API.md's table in BitPay's words, and `complete` once the amount due is six blocks deep. */
export function bitpayStatus(inv: Pick<Invoice, 'status'>, depth: number): BitpayStatus | null {
  const s = statusIn('bitpay', inv.status);
  return s === 'confirmed' && depth >= COMPLETE_CONFIRMATIONS ? 'complete' : s;
}

export interface PresentOptions {
  /** currentTime (ms). */
  now: number;
  /** The checkout page: `<public URL>/i/<uuid>`. */
  url: string;
  /** Confirmations of the amount due (for `complete`). */
  depth: number;
}

/**
 * Seed 004's invoice object, its fields in the seed's order: the answer to create and to
 * get, and the body of every IPN. Amounts are exact: BTC as decimal strings, `price`,
 * `rate` and `exRates` as JSON numbers written from the stored integers and decimals.
 * Fields the merchant did not give (posData, itemDesc) are left out, as BitPay did.
 */
export function presentInvoice(inv: Invoice, o: PresentOptions) {
  const data = bitpayData(inv);
  const due = inv.dueSats ?? 0n;
  const settled = inv.dueSats !== null && paymentState(inv.paidSats, inv.dueSats) !== 'partial' && inv.paidSats > 0n;
  // A cancelled or invalid invoice takes no more money: nothing is due and no payment URL
  // invites it (its address goes back to the pool).
  const closed = inv.status === 'cancelled' || inv.status === 'invalid';
  const remaining = settled || closed || inv.markedPaidAt ? 0n : due > inv.paidSats ? due - inv.paidSats : 0n;
  const rate = inv.rate === null ? null : decimalNumber(inv.rate);
  const bip21Amount = remaining > 0n ? remaining : due;
  return {
    url: o.url,
    ...(data.posData !== undefined && { posData: data.posData }),
    status: bitpayStatus(inv, o.depth),
    btcPrice: btcText(due),
    btcDue: btcText(remaining),
    price: moneyNumber(inv.total, inv.currency),
    currency: inv.currency,
    exRates: rate === null ? {} : { [inv.currency]: rate },
    ...(data.itemDesc !== undefined && { itemDesc: data.itemDesc }),
    invoiceTime: inv.createdAt,
    expirationTime: inv.quoteExpiresAt,
    currentTime: o.now,
    guid: inv.publicId,
    id: inv.bitpayId,
    btcPaid: btcText(inv.paidSats),
    rate,
    exceptionStatus: BITPAY_EXCEPTION[inv.exception ?? 'none'],
    paymentUrls: inv.address === null || closed ? {} : { BIP21: `bitcoin:${inv.address}?amount=${formatBtcTrimmed(bip21Amount)}` },
    ...(data.token !== undefined && { token: data.token }),
  };
}
