import type { Knex } from 'knex';
import { evaluate, type Policy } from '../domain/invoice-state-machine.js';
import type { EventType } from '../domain/events.js';
import type { Invoice } from '../domain/invoice.js';
import { WriteConflict } from '../db/errors.js';
import { findInvoice, updateInvoice } from '../db/invoices.js';
import { paymentsForInvoice, type Payment } from '../db/payments.js';
import { appendEvents } from '../db/outbox.js';
import { both } from '../db/fast.js';
import { releaseAddress } from '../db/wallets.js';

export function presentPaymentForEvent(p: Payment) {
  return {
    txid: p.txid, vout: p.vout, sats: p.sats, status: p.status, seenAt: p.seenAt, movedAt: p.movedAt,
    blockHash: p.blockHash, blockHeight: p.blockHeight, confirmedAt: p.confirmedAt,
  };
}

/** A payment event waiting for its invoice's new state (it is written after it). */
export interface PaymentEvent {
  type: EventType;
  payment: Payment;
  /** payment.reverted: replaced, evicted or reorged. */
  reason?: string;
}

export interface SettleResult {
  invoice: Invoice;
  payments: Payment[];
  changed: boolean;
}

/**
 * Works an invoice's status out again from its payments, the tip and the time (the pure
 * `evaluate`), and writes the change with its events in the caller's transaction. The
 * one path by which detection, confirmations, reorgs and deadlines move an invoice.
 */
export async function settleInvoice(
  trx: Knex.Transaction,
  invoiceId: number,
  tipHeight: number,
  now: number,
  policy: Policy,
  extraEvents: PaymentEvent[] = [],
): Promise<SettleResult> {
  const [inv, payments] = await both(findInvoice(trx, { by: 'id', value: invoiceId }), paymentsForInvoice(trx, invoiceId));
  if (!inv) throw new Error(`invoice ${invoiceId} vanished inside a transaction`);
  const r = evaluate(inv, payments, tipHeight, now, policy);
  const changed =
    r.status !== inv.status || r.exception !== inv.exception || r.receivedSats !== inv.paidSats ||
    r.paidAt !== inv.paidAt || r.confirmedAt !== inv.confirmedAt || r.expiredAt !== inv.expiredAt;
  let current = inv;
  let moved: Promise<boolean> = Promise.resolve(true);
  // A payment event moves the invoice's version even when its state stays (a payment
  // mined below the required depth): events about one invoice then pass one
  // compare-and-set each, so units side by side never tell of it from a stale copy.
  if (changed || extraEvents.length > 0) {
    const patch = {
      status: r.status, exception: r.exception, paidSats: r.receivedSats,
      paidAt: r.paidAt, confirmedAt: r.confirmedAt, expiredAt: r.expiredAt, updatedAt: now,
    };
    // Sent with the events below; if the compare-and-set lost, the unit throws and none
    // of what it wrote stays.
    moved = updateInvoice(trx, inv, patch);
    current = { ...inv, ...patch, version: inv.version + 1 };
  }
  // Payment events first: a shop sees the money, then what it did to the invoice.
  const [won] = await both(moved, appendEvents(trx, [
    ...extraEvents.map((e) => ({
      type: e.type, invoiceId: inv.id, createdAt: now,
      payload: { invoice: current, payment: presentPaymentForEvent(e.payment), ...(e.reason && { reason: e.reason }) },
    })),
    ...r.events.map((type) => ({ type, invoiceId: inv.id, createdAt: now, payload: { invoice: current } })),
  ]));
  if (!won) {
    // Another unit changed it after our read (of this commit on SQLite, whose batch then
    // reruns one by one; of another transaction on PostgreSQL, which runs this unit again).
    throw new WriteConflict(`invoice ${inv.id} changed under the writer`);
  }
  // An invoice that ran out of time with nothing ever sent gives its address back, as
  // a cancel does: it cools down (a payer may still pay from the old QR, and that money
  // is this invoice's) before another invoice may take it. Public payment links would
  // otherwise burn an address per visit and widen the wallet's gap for good. An address
  // that ever saw money is `used` and stays out of the pool (releaseAddress skips it).
  if (changed && r.status === 'expired' && inv.status !== 'expired' && payments.length === 0 && inv.addressId !== null) {
    await releaseAddress(trx, inv.addressId, now);
  }
  return { invoice: current, payments, changed };
}
