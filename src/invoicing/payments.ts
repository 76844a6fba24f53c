import type { Knex } from 'knex';
import type { Policy } from '../domain/invoice-state-machine.js';
import type { EventType } from '../domain/events.js';
import type { Database } from '../db/connection.js';
import { useAddress } from '../db/wallets.js';
import {
  confirmedWithinDepth, findPayment, insertPayment, invoicesAwaitingConfirmations, mempoolPaymentsSpending, paymentsInBlocks, paymentsOfTx, updatePayment,
  type Payment,
} from '../db/payments.js';
import { deleteBlocks, insertBlock, loadTip, pruneBlocks, saveTip, serializeChainWork } from '../db/chain.js';
import type { ChainChanges, ChainReport, ChainSink, RevertReason, SeenOutput } from '../chain/ports.js';
import { appendEvent } from '../db/outbox.js';
import type { Claim } from '../db/group-commit.js';
import { WriteConflict } from '../db/errors.js';
import { presentPaymentForEvent, settleInvoice } from './settle.js';

/** How many processed blocks are kept to walk back through a reorg. */
const KEEP_BLOCKS = 1000;

export interface PaymentDeps {
  db: Database;
  now: () => number;
  policy: Policy;
  /** Told (after commit) which invoices changed, so caches can drop them. */
  onInvoicesChanged?: (ids: number[]) => void;
  /**
   * Told (after commit) that blocks were connected or disconnected: the depth of every
   * standing payment moved, though no invoice need have changed.
   */
  onTipMoved?: () => void;
  /** Told (after commit) of payments to an address no invoice holds. */
  onUnassignedPayment?: (p: Payment) => void;
  /** Told (after commit) of every payment that stopped standing, so it is logged with its txid. */
  onReverted?: (p: Payment, reason: RevertReason) => void;
}

export interface ApplyResult extends ChainReport {
  tip: { hash: string; height: number } | null;
  newPayments: Payment[];
  changedInvoices: number[];
  /** Invoices worked out again: what a block costs. */
  settledInvoices: number;
  reverted: { payment: Payment; reason: RevertReason }[];
}

interface PendingEvent {
  type: EventType;
  payment: Payment;
  reason?: RevertReason;
}

/**
 * Mempool sightings alone, and nothing else: such a unit reads the tip but never moves
 * it, and every write it makes is a compare-and-set (a payment's status, an invoice's
 * version) or an insert a unique key decides, so it may run beside others of its kind
 * and share their commit without waiting for their round trips (GroupCommit). Blocks,
 * reorgs, removals and the first tip read statuses and the tip and write from them, and
 * run one after another.
 */
function onlySightings(c: ChainChanges): boolean {
  return (c.seen?.length ?? 0) > 0 && !c.connected?.length && !c.disconnected?.length && !c.removed?.length && !c.startAt;
}

/** Records what the chain watcher finds: the sink of chain's port, one transaction a batch. */
export class PaymentService implements ChainSink {
  constructor(private readonly deps: PaymentDeps) {}

  /** Applies chain changes idempotently: the same output seen twice is one payment. */
  async apply(changes: ChainChanges): Promise<ApplyResult> {
    const result = await this.deps.db.tx((trx, claim) => this.applyIn(trx, changes, claim), { concurrent: onlySightings(changes) });
    if (result.changedInvoices.length > 0) this.deps.onInvoicesChanged?.(result.changedInvoices);
    if ((changes.connected?.length ?? 0) > 0 || (changes.disconnected?.length ?? 0) > 0) this.deps.onTipMoved?.();
    for (const p of result.newPayments) if (p.invoiceId === null) this.deps.onUnassignedPayment?.(p);
    for (const r of result.reverted) this.deps.onReverted?.(r.payment, r.reason);
    return result;
  }

  private async applyIn(trx: Knex.Transaction, c: ChainChanges, claim: Claim): Promise<ApplyResult> {
    await serializeChainWork(trx);
    const now = this.deps.now();
    const touched = new Set<number>();
    const events = new Map<number, PendingEvent[]>();
    const newPayments: Payment[] = [];
    const reverted: { payment: Payment; reason: RevertReason }[] = [];
    const returns = new Set<string>();
    const addEvent = (p: Payment, type: EventType, reason?: RevertReason) => {
      if (p.invoiceId === null) return;
      let list = events.get(p.invoiceId);
      if (!list) events.set(p.invoiceId, (list = []));
      list.push(reason ? { type, payment: p, reason } : { type, payment: p });
    };
    const revert = (p: Payment, reason: RevertReason) => {
      reverted.push({ payment: p, reason });
      addEvent(p, 'payment.reverted', reason);
    };
    // Beside other units of sightings (onlySightings), what this one reads and writes is
    // claimed: a transaction, an address, an outpoint spent, an invoice (its payments
    // decide its state). Two units that share any of them are run again one after the
    // other, so each sees what the other wrote: a double spend retires what it replaces,
    // and an invoice's events tell of its payments in the order they were recorded.
    const touch = (p: Payment) => {
      if (p.invoiceId === null) return;
      claim(`invoice:${p.invoiceId}`);
      touched.add(p.invoiceId);
    };
    // Every payment write is a compare-and-set on the status it was read with: a unit of
    // sightings runs beside others (onlySightings), and one that lost the row to another
    // must run again on what that one wrote.
    const move = async (p: Payment, patch: Pick<Payment, 'status' | 'blockHash' | 'blockHeight' | 'confirmedAt'>) => {
      if (!(await updatePayment(trx, p, { ...patch, now }))) throw new WriteConflict(`payment ${p.id} changed under the writer`);
    };
    // A transaction that spends what a standing payment spends replaces it (a fee bump) or
    // double-spends it: the old one stops standing in this same transaction, so the money
    // is never counted twice, not even for the moment before Core says it left.
    const retireConflicts = async (o: SeenOutput) => {
      for (const old of await mempoolPaymentsSpending(trx, o.spends ?? [], o.txid)) {
        claim(`tx:${old.txid}`);
        touch(old);
        const patch = { status: 'replaced' as const, blockHash: null, blockHeight: null, confirmedAt: null };
        await move(old, patch);
        revert({ ...old, ...patch }, 'replaced');
      }
    };

    let tip = (await loadTip(trx)) ?? c.startAt ?? null;
    const tipBefore = c.startAt && tip === c.startAt ? null : (tip?.hash ?? null);

    // 1. Reorg: payments of disconnected blocks lose their block.
    const unmined = new Map<number, Payment>();
    if (c.disconnected && c.disconnected.length > 0) {
      for (const p of await paymentsInBlocks(trx, c.disconnected)) unmined.set(p.id, p);
      await deleteBlocks(trx, c.disconnected);
      if (c.forkPoint) tip = c.forkPoint;
    }

    // 2. New blocks confirm what they hold.
    for (const b of c.connected ?? []) {
      await insertBlock(trx, { hash: b.hash, height: b.height, prevHash: b.prevHash }, now);
      for (const o of b.outputs) {
        await retireConflicts(o);
        const existing = await findPayment(trx, o.txid, o.vout);
        if (existing) {
          unmined.delete(existing.id);
          if (existing.status !== 'confirmed' || existing.blockHash !== b.hash) {
            const updated = { ...existing, status: 'confirmed' as const, blockHash: b.hash, blockHeight: b.height, confirmedAt: now };
            await move(existing, updated);
            if (existing.status !== 'confirmed') addEvent(updated, 'payment.confirmed');
            touch(updated);
          }
        } else {
          // First found in a block: the money moved when the block was made (never later than now).
          const movedAt = b.movedAt === undefined ? now : Math.min(b.movedAt, now);
          const p = (await this.newPayment(trx, { ...o, movedAt }, now, { status: 'confirmed', blockHash: b.hash, blockHeight: b.height, confirmedAt: now }))!;
          newPayments.push(p);
          addEvent(p, 'payment.received');
          addEvent(p, 'payment.confirmed');
          touch(p);
        }
      }
      tip = { hash: b.hash, height: b.height };
    }
    if (c.connected && c.connected.length > 0 && tip) await pruneBlocks(trx, tip.height - KEEP_BLOCKS);

    // 3. Disconnected and not mined again: back in the mempool, or gone. Either way its
    // confirmations were taken back, and the merchant is told.
    for (const p of unmined.values()) {
      const status = c.inMempool?.has(p.txid) ? ('mempool' as const) : ('reorged' as const);
      const patch = { status, blockHash: null, blockHeight: null, confirmedAt: null };
      await move(p, patch);
      revert({ ...p, ...patch }, 'reorged');
      touch(p);
    }

    // 4. Mempool sightings: new payments, or old ones seen again after a reorg or replacement.
    for (const o of c.seen ?? []) {
      claim(`tx:${o.txid}`);
      claim(`address:${o.addressId}`);
      for (const spent of o.spends ?? []) claim(`outpoint:${spent}`);
      await retireConflicts(o);
      const p = await this.newPayment(trx, o, now, { status: 'mempool', blockHash: null, blockHeight: null, confirmedAt: null });
      if (p) {
        newPayments.push(p);
        addEvent(p, 'payment.received');
        touch(p);
        continue;
      }
      const existing = await findPayment(trx, o.txid, o.vout);
      if (existing && (existing.status === 'replaced' || existing.status === 'reorged')) {
        if (!o.inMempool) {
          returns.add(o.txid);
          continue;
        }
        // Back after a replacement spell or a reorg: it stands again, and is told again.
        const back = { ...existing, status: 'mempool' as const, blockHash: null, blockHeight: null, confirmedAt: null };
        await move(existing, back);
        addEvent(back, 'payment.received');
        touch(existing);
      }
    }

    // 5. Left the mempool unmined: replaced (or evicted; both stop standing).
    for (const gone of c.removed ?? []) {
      for (const p of await paymentsOfTx(trx, gone.txid)) {
        if (p.status !== 'mempool') continue;
        const patch = { status: 'replaced' as const, blockHash: null, blockHeight: null, confirmedAt: null };
        await move(p, patch);
        revert({ ...p, ...patch }, gone.reason);
        touch(p);
      }
    }

    if (tip && tip.hash !== tipBefore) {
      await saveTip(trx, tip, now);
      // A new tip moves the confirmations of every paid invoice; a reorg may also take
      // confirmations from confirmed ones whose payments sit below the dropped blocks.
      for (const id of await invoicesAwaitingConfirmations(trx)) touched.add(id);
      if (c.disconnected && c.disconnected.length > 0) {
        for (const id of await confirmedWithinDepth(trx, tip.height)) touched.add(id);
      }
    }

    const changedInvoices: number[] = [];
    const tipHeight = tip?.height ?? 0;
    for (const id of [...touched].sort((a, b) => a - b)) {
      const r = await settleInvoice(trx, id, tipHeight, now, this.deps.policy, events.get(id));
      if (r.changed || events.has(id)) changedInvoices.push(id);
    }
    // Money to an address no invoice holds is still reported, never lost.
    for (const p of newPayments) {
      if (p.invoiceId === null) {
        await appendEvent(trx, { type: 'payment.received', invoiceId: null, createdAt: now, payload: { invoice: null, payment: presentPaymentForEvent(p) } });
      }
    }
    return { tip, newPayments, changedInvoices, settledInvoices: touched.size, reverted, returns: [...returns] };
  }

  private async newPayment(
    trx: Knex.Transaction,
    o: SeenOutput,
    now: number,
    at: Pick<Payment, 'status' | 'blockHash' | 'blockHeight' | 'confirmedAt'>,
  ): Promise<Payment | null> {
    const address = await useAddress(trx, o.addressId);
    if (!address) throw new Error(`watched address ${o.addressId} is not in the database`);
    return insertPayment(trx, {
      invoiceId: address.invoiceId,
      addressId: o.addressId,
      txid: o.txid,
      vout: o.vout,
      sats: o.sats,
      seenAt: now,
      movedAt: o.movedAt === undefined ? now : Math.min(o.movedAt, now),
      spends: o.spends ?? null,
      ...at,
      now,
    });
  }
}
