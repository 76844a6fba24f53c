import { TillError } from './errors.js';
import type { EventType } from './events.js';
import type { Invoice, InvoiceException, InvoiceStatus } from './invoice.js';
import type { PaymentStatus } from './payment.js';

export type { PaymentStatus };

/**
 * How an invoice stands, worked out afresh from its payments, the chain tip and the
 * time: a pure function, so a replay after a crash, a reorg or a missed message always
 * lands on the same answer. BTCPay's split is kept: `status` says where the invoice is,
 * `exception` says what was odd about the money (partial, over, late).
 */


export interface PaymentView {
  sats: bigint;
  status: PaymentStatus;
  /** Height of the block that holds it, when confirmed. */
  blockHeight: number | null;
  /** When Till first saw it (ms). */
  seenAt: number;
  /**
   * When the money moved (ms): Core's mempool entry time, or the block's time for a payment
   * first found in a block. Decides whether money came in time, so a payment made while
   * Till was down is judged by when it was made. Absent: `seenAt`.
   */
  movedAt?: number | null;
  /** The outpoints (`txid:vout`) its transaction spends: a replacement shares one. */
  spends?: readonly string[] | null;
}

/** When a payment's money moved, as far as Till can tell. */
export function movedAt(p: PaymentView): number {
  return p.movedAt ?? p.seenAt;
}

/** `exact` allows 1 satoshi either way: wallets round. */
export type PaymentState = 'unpaid' | 'partial' | 'exact' | 'overpaid';

export const TOLERANCE_SATS = 1n;

export function paymentState(received: bigint, due: bigint): PaymentState {
  if (received <= 0n) return 'unpaid';
  if (received + TOLERANCE_SATS < due) return 'partial';
  if (received > due + TOLERANCE_SATS) return 'overpaid';
  return 'exact';
}

export type EvaluatedInvoice = Pick<
  Invoice,
  | 'status' | 'exception' | 'dueSats' | 'quoteExpiresAt' | 'graceUntil' | 'requiredConfirmations'
  | 'paidAt' | 'confirmedAt' | 'expiredAt'
> & { markedPaidAt?: number | null };

export interface Policy {
  /** A full payment first complete this long after the deadline still counts as paid (0 = off). */
  latePaymentMs: number;
}

export interface Evaluation {
  status: InvoiceStatus;
  exception: InvoiceException | null;
  /** Sum of the payments that still stand (mempool or confirmed). */
  receivedSats: bigint;
  state: PaymentState;
  /** Confirmations of the amount due: the depth at which the deepest standing payments cover it. */
  confirmations: number;
  paidAt: number | null;
  confirmedAt: number | null;
  expiredAt: number | null;
  events: EventType[];
}

const OPEN: readonly InvoiceStatus[] = ['pending', 'partial', 'paid', 'confirmed', 'expired', 'underpaid', 'invalid'];
const SETTLED: readonly InvoiceStatus[] = ['paid', 'confirmed'];
const ENDED: readonly InvoiceStatus[] = ['expired', 'underpaid', 'invalid'];

function sum(ps: readonly PaymentView[]): bigint {
  let s = 0n;
  for (const p of ps) s += p.sats;
  return s;
}

/**
 * When each standing payment's money moved, for judging lateness. A replacement (a fee
 * bump: it spends an input of a payment that no longer stands) inherits the time of the
 * money it replaced — the payer paid then. Nothing else does: new money sent after a
 * payment was double-spent away is judged by its own time.
 */
function timesOf(payments: readonly PaymentView[], live: readonly PaymentView[]): Map<PaymentView, number> {
  const gone = payments.filter((p) => !live.includes(p) && p.spends && p.spends.length > 0);
  const times = new Map<PaymentView, number>();
  for (const p of live) {
    let t = movedAt(p);
    const mine = new Set(p.spends ?? []);
    for (const q of gone) if (q.spends!.some((o) => mine.has(o))) t = Math.min(t, movedAt(q));
    times.set(p, t);
  }
  return times;
}

/** When the standing payments first added up to the amount due (ms), or null. */
function completedAt(live: readonly PaymentView[], due: bigint, times: Map<PaymentView, number>): number | null {
  let s = 0n;
  for (const p of [...live].sort((a, b) => times.get(a)! - times.get(b)!)) {
    s += p.sats;
    if (s + TOLERANCE_SATS >= due) return times.get(p)!;
  }
  return null;
}

export function evaluate(
  inv: EvaluatedInvoice,
  payments: readonly PaymentView[],
  tipHeight: number,
  now: number,
  policy: Policy,
): Evaluation {
  const live = payments.filter((p) => p.status === 'mempool' || p.status === 'confirmed');
  const received = sum(live);
  const unchanged: Evaluation = {
    status: inv.status, exception: inv.exception, receivedSats: received, state: 'unpaid', confirmations: 0,
    paidAt: inv.paidAt, confirmedAt: inv.confirmedAt, expiredAt: inv.expiredAt, events: [],
  };
  // The merchant's word (a wire transfer marked paid) is final; money on-chain is still recorded.
  if (inv.markedPaidAt) return unchanged;
  // Money to a cancelled invoice's address (the payer used the old QR) stays with it as late money.
  if (inv.status === 'cancelled') {
    return { ...unchanged, exception: received > 0n ? 'paid_late' : inv.exception, state: inv.dueSats === null ? 'unpaid' : paymentState(received, inv.dueSats) };
  }
  if (!OPEN.includes(inv.status) || inv.dueSats === null || inv.quoteExpiresAt === null) return unchanged;

  const due = inv.dueSats;
  const deadline = inv.quoteExpiresAt;
  const graceEnd = Math.max(inv.graceUntil ?? deadline, deadline);
  const state = paymentState(received, due);
  const times = timesOf(payments, live);
  const onTime = sum(live.filter((p) => times.get(p)! <= deadline));
  const depth = (p: PaymentView) => (p.blockHeight === null ? 0 : Math.max(0, tipHeight - p.blockHeight + 1));
  // The depth at which the deepest payments first cover the amount due: money beyond the
  // price (a second payment after confirmation) never pulls an invoice back.
  let confirmations = 0;
  let covered = 0n;
  for (const p of [...live].sort((a, b) => depth(b) - depth(a))) {
    covered += p.sats;
    confirmations = depth(p);
    if (covered + TOLERANCE_SATS >= due) break;
  }

  let status: InvoiceStatus;
  let exception: InvoiceException | null;
  if (state === 'exact' || state === 'overpaid') {
    const done = completedAt(live, due, times)!;
    const accepted =
      done <= deadline ||
      (onTime > 0n && done <= graceEnd) ||
      (policy.latePaymentMs > 0 && done <= deadline + policy.latePaymentMs);
    if (accepted) {
      status = confirmations >= inv.requiredConfirmations ? 'confirmed' : 'paid';
      exception = done > deadline ? 'paid_late' : state === 'overpaid' ? 'paid_over' : null;
    } else {
      status = onTime > 0n ? 'underpaid' : 'expired';
      exception = 'paid_late';
    }
  } else if (state === 'partial') {
    if (now < deadline) {
      status = 'partial';
      exception = 'paid_partial';
    } else if (onTime === 0n) {
      status = 'expired';
      exception = 'paid_late';
    } else if (now < graceEnd) {
      status = 'partial';
      exception = 'paid_partial';
    } else {
      status = 'underpaid';
      exception = onTime < received ? 'paid_late' : 'paid_partial';
    }
  } else if (now < deadline) {
    status = 'pending';
    exception = null;
  } else if (payments.length === 0) {
    status = 'expired';
    exception = null;
  } else {
    // Money was seen but none of it stands any more (replaced, evicted, reorged out):
    // wait out the grace period for a replacement that still pays, then give up.
    status = now < graceEnd ? 'pending' : 'invalid';
    exception = null;
  }

  // Every arrival at paid or confirmed is told, the second time too (after a reorg, a
  // replacement, an invalid spell): a downgrade is never silent. An invoice that skips
  // paid (found in a block) is told both.
  const events: EventType[] = [];
  let { paidAt, confirmedAt, expiredAt } = inv;
  if ((status === 'paid' && inv.status !== 'paid') || (status === 'confirmed' && !SETTLED.includes(inv.status))) {
    paidAt ??= now;
    events.push('invoice.paid');
  }
  if (status === 'confirmed' && inv.status !== 'confirmed') {
    confirmedAt = now;
    events.push('invoice.confirmed');
  }
  if (status !== 'confirmed') confirmedAt = null;
  if (ENDED.includes(status) && !ENDED.includes(inv.status)) {
    expiredAt = now;
    events.push(status === 'invalid' ? 'invoice.invalid' : 'invoice.expired');
  } else if (status === 'invalid' && inv.status !== 'invalid') {
    // Underpaid or late money that was then double-spent away: told too.
    events.push('invoice.invalid');
  }
  return { status, exception, receivedSats: received, state, confirmations, paidAt, confirmedAt, expiredAt, events };
}

// ---------------------------------------------------------------- the merchant's moves

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
