import type { Knex } from 'knex';
import type { Policy } from '../domain/payment-state.js';
import type { EventType } from '../domain/invoice.js';
import type { Database } from '../db/connection.js';
import { useAddress } from '../db/wallets.js';
import {
  findPayment, insertPayment, invoicesAwaitingConfirmations, paymentsInBlocks, paymentsOfTx, updatePayment,
  type Payment,
} from '../db/payments.js';
import { deleteBlocks, insertBlock, loadTip, pruneBlocks, saveTip, type Tip } from '../db/chain.js';
import { appendEvent } from '../db/outbox.js';
import { presentPaymentForEvent, settleInvoice } from './settle.js';

/** An output paying one of Till's addresses. */
export interface SeenOutput {
  txid: string;
  vout: number;
  sats: bigint;
  addressId: number;
}

export interface ConnectedBlock {
  hash: string;
  height: number;
  prevHash: string;
  /** Watched outputs in the block. */
  outputs: SeenOutput[];
}

/**
 * One batch of what the chain watcher learned. Applied in one transaction, so a crash
 * leaves either all of it or none, and the stored tip always matches the payments.
 */
export interface ChainChanges {
  /** Blocks taken off the chain by a reorg, tip first. */
  disconnected?: string[];
  /** The fork point the disconnected blocks went back to. */
  forkPoint?: Tip;
  /** Blocks added, in height order. */
  connected?: ConnectedBlock[];
  /** After a reorg: is a tx of a disconnected block back in the mempool? */
  inMempool?: ReadonlySet<string>;
  /** Watched outputs seen in the mempool. */
  seen?: SeenOutput[];
  /** Txids that left the mempool without being mined: replaced, evicted, conflicted. */
  removed?: string[];
  /** Where a first start begins following the chain (stored so a restart resumes there). */
  startAt?: Tip;
}

/** How many processed blocks are kept to walk back through a reorg. */
const KEEP_BLOCKS = 1000;

export interface PaymentDeps {
  db: Database;
  now: () => number;
  policy: Policy;
  /** Told (after commit) which invoices changed, so caches can drop them. */
  onInvoicesChanged?: (ids: number[]) => void;
  /** Told (after commit) of payments to an address no invoice holds. */
  onUnassignedPayment?: (p: Payment) => void;
}

export interface ApplyResult {
  tip: Tip | null;
  newPayments: Payment[];
  changedInvoices: number[];
}

export class PaymentService {
  constructor(private readonly deps: PaymentDeps) {}

  /** Applies chain changes idempotently: the same output seen twice is one payment. */
  async apply(changes: ChainChanges): Promise<ApplyResult> {
    const result = await this.deps.db.tx((trx) => this.applyIn(trx, changes));
    if (result.changedInvoices.length > 0) this.deps.onInvoicesChanged?.(result.changedInvoices);
    for (const p of result.newPayments) if (p.invoiceId === null) this.deps.onUnassignedPayment?.(p);
    return result;
  }

  private async applyIn(trx: Knex.Transaction, c: ChainChanges): Promise<ApplyResult> {
    const now = this.deps.now();
    const touched = new Set<number>();
    const events = new Map<number, { type: EventType; payment: Payment }[]>();
    const newPayments: Payment[] = [];
    const addEvent = (p: Payment, type: EventType) => {
      if (p.invoiceId === null) return;
      let list = events.get(p.invoiceId);
      if (!list) events.set(p.invoiceId, (list = []));
      list.push({ type, payment: p });
    };
    const touch = (p: Payment) => {
      if (p.invoiceId !== null) touched.add(p.invoiceId);
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
        const existing = await findPayment(trx, o.txid, o.vout);
        if (existing) {
          unmined.delete(existing.id);
          if (existing.status !== 'confirmed' || existing.blockHash !== b.hash) {
            const updated = { ...existing, status: 'confirmed' as const, blockHash: b.hash, blockHeight: b.height, confirmedAt: now };
            await updatePayment(trx, existing.id, { ...updated, now });
            if (existing.status !== 'confirmed') addEvent(updated, 'payment.confirmed');
            touch(updated);
          }
        } else {
          const p = (await this.newPayment(trx, o, now, { status: 'confirmed', blockHash: b.hash, blockHeight: b.height, confirmedAt: now }))!;
          newPayments.push(p);
          addEvent(p, 'payment.received');
          addEvent(p, 'payment.confirmed');
          touch(p);
        }
      }
      tip = { hash: b.hash, height: b.height };
    }
    if (c.connected && c.connected.length > 0 && tip) await pruneBlocks(trx, tip.height - KEEP_BLOCKS);

    // 3. Disconnected and not mined again: back in the mempool, or gone.
    for (const p of unmined.values()) {
      const status = c.inMempool?.has(p.txid) ? ('mempool' as const) : ('reorged' as const);
      await updatePayment(trx, p.id, { status, blockHash: null, blockHeight: null, confirmedAt: null, now });
      touch(p);
    }

    // 4. Mempool sightings: new payments, or old ones seen again after a reorg or replacement.
    for (const o of c.seen ?? []) {
      const p = await this.newPayment(trx, o, now, { status: 'mempool', blockHash: null, blockHeight: null, confirmedAt: null });
      if (p) {
        newPayments.push(p);
        addEvent(p, 'payment.received');
        touch(p);
        continue;
      }
      const existing = await findPayment(trx, o.txid, o.vout);
      if (existing && (existing.status === 'replaced' || existing.status === 'reorged')) {
        await updatePayment(trx, existing.id, { status: 'mempool', blockHash: null, blockHeight: null, confirmedAt: null, now });
        touch(existing);
      }
    }

    // 5. Left the mempool unmined: replaced.
    for (const txid of c.removed ?? []) {
      for (const p of await paymentsOfTx(trx, txid)) {
        if (p.status !== 'mempool') continue;
        await updatePayment(trx, p.id, { status: 'replaced', blockHash: null, blockHeight: null, confirmedAt: null, now });
        touch(p);
      }
    }

    if (tip && tip.hash !== tipBefore) {
      await saveTip(trx, tip, now);
      // A new tip moves the confirmations of every paid invoice.
      for (const id of await invoicesAwaitingConfirmations(trx)) touched.add(id);
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
    return { tip, newPayments, changedInvoices };
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
      ...at,
      now,
    });
  }
}
