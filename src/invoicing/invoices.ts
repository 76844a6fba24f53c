import { TillError } from '../domain/errors.js';
import { BTC } from '../domain/currency.js';
import { fiatToSats } from '../domain/money.js';
import { computeInvoiceTotals, type RawInvoiceLine } from '../domain/totals.js';
import { isBitpayId, newBitpayId, newPublicId, newRef } from '../domain/ids.js';
import { assertFinalizable, cancel as cancelTransition, markPaid as markPaidTransition } from '../domain/invoice-state-machine.js';
import type { EventType } from '../domain/events.js';
import type { Dialect, Invoice, InvoiceStatus, PaymentMethod } from '../domain/invoice.js';
import type { Database } from '../db/connection.js';
import {
  countInvoicesByStatus, dueForSettlement, setDialectData, findInvoice, findInvoiceSummary, insertInvoice, listInvoices, updateInvoice,
  type InvoiceKey, type InvoiceSummary, type NewInvoice,
} from '../db/invoices.js';
import { SummaryCache } from './summary-cache.js';
import { settleInvoice } from './settle.js';
import { paymentsForInvoice, type Payment } from '../db/payments.js';
import { loadTip } from '../db/chain.js';
import type { Policy } from '../domain/invoice-state-machine.js';
import { appendEvent } from '../db/outbox.js';
import type { Knex } from 'knex';
import { noWallet, type AddressPool } from '../wallet/pool.js';
import { parseInvoiceKey } from './lookup.js';

/** Below this an output is dust: no wallet can pay it on-chain. */
export const MIN_DUE_SATS = 546n;

export interface RateSource {
  getRate(currency: string): Promise<{ rate: string }>;
}

export interface InvoicingSettings {
  defaultCurrency: string;
  quoteDeadlineMinutes: number;
  confirmations: number;
  /** How long after the deadline a partly paid invoice waits before it is underpaid. */
  graceMinutes: number;
  /** A full payment this long after expiry still counts as paid (0 = off). */
  latePaymentMinutes: number;
}

export interface InvoicingDeps {
  db: Database;
  rates: RateSource;
  pool: AddressPool;
  settings: InvoicingSettings;
  now: () => number;
  /** False when other processes also write invoices (no in-memory status cache then). */
  cacheSummaries?: boolean;
  /** Told after commit about each newly assigned address, so the watcher can add it. */
  onAddressAssigned?: (a: { scriptHex: string; addressId: number; invoiceId: number }) => void;
  /** Told after commit of every changed invoice (its own writes and the payment path's): the live pages. */
  onChanged?: (ids: readonly number[]) => void;
}

export interface OpenOptions {
  /** How long the quote holds (checkout's ttlMinutes); default TILL_QUOTE_DEADLINE_MINUTES. */
  quoteMinutes?: number;
  /** Confirmations for `confirmed` (BitPay's transactionSpeed); default TILL_CONFIRMATIONS. */
  confirmations?: number;
}

export interface CreateInvoiceInput {
  lines: RawInvoiceLine[];
  currency?: string;
  taxRate?: unknown;
  discountAmount?: unknown;
  customerEmail?: string | null;
  customerName?: string | null;
  customerCompany?: string | null;
  notes?: string | null;
  paymentMethods?: PaymentMethod[];
  metadata?: Record<string, unknown> | null;
  dialect: Dialect;
  dialectData?: Record<string, unknown> | null;
  /** Where the payer's pages are, as the request that makes it reached Till. */
  pageBase?: string | null;
  apiKeyId?: number | null;
  paymentLinkId?: number | null;
}

/** Outbox payloads carry a snapshot of the invoice as it was when the event happened. */
function snapshot(inv: Invoice): { invoice: Invoice } {
  return { invoice: inv };
}

async function emit(trx: Knex.Transaction, type: EventType, inv: Invoice, at: number): Promise<void> {
  await appendEvent(trx, { type, invoiceId: inv.id, payload: snapshot(inv), createdAt: at });
}

/**
 * Creating and finalizing an invoice run beside other such units in a group commit (the
 * busiest writes of the API): each change is one atomic statement (the number is taken by
 * the INSERT, an address by one UPDATE), a unique index (seq, ref, script), or the
 * invoice's version compare-and-set, so two that collide fail and are replayed apart.
 */
const CONCURRENT = { concurrent: true } as const;

export class InvoiceService {
  /** Null when several processes write (the cache is only coherent with one writer). */
  private readonly summaries: SummaryCache | null;
  /** Whole invoices by key, for the pages' and the checkout dialect's polls; dropped on each change. */
  private readonly whole: SummaryCache<Invoice> | null;

  constructor(private readonly deps: InvoicingDeps) {
    this.summaries = deps.cacheSummaries === false ? null : new SummaryCache();
    this.whole = deps.cacheSummaries === false ? null : new SummaryCache<Invoice>(5_000);
  }

  private changed(id: number): void {
    this.summaries?.invalidate(id);
    this.whole?.invalidate(id);
    this.deps.onChanged?.([id]);
  }

  /**
   * Whether the caches can hear of every change: not while the news of other processes
   * sharing the database is cut off (PostgreSQL), when every read goes to the database.
   */
  trustCaches(trusted: boolean): void {
    for (const c of [this.summaries, this.whole]) {
      if (trusted) c?.resume();
      else c?.suspend();
    }
  }

  /** Called by whoever else changed invoices (the payment path), after commit. */
  invalidate(ids: readonly number[]): void {
    for (const id of ids) this.changed(id);
  }

  get policy(): Policy {
    return { latePaymentMs: this.deps.settings.latePaymentMinutes * 60_000 };
  }

  /** Payments of an invoice with their confirmations at the stored tip. */
  async payments(inv: Invoice): Promise<{ payment: Payment; confirmations: number }[]> {
    const [list, tip] = await Promise.all([paymentsForInvoice(this.deps.db.read, inv.id), loadTip(this.deps.db.read)]);
    return list.map((payment) => ({
      payment,
      confirmations: payment.blockHeight === null || tip === null ? 0 : Math.max(0, tip.height - payment.blockHeight + 1),
    }));
  }

  private mustFind = async (q: Knex | Knex.Transaction, key: InvoiceKey | string): Promise<Invoice> => {
    const parsed = typeof key === 'string' ? parseInvoiceKey(key) : key;
    const inv = parsed ? await findInvoice(q, parsed) : null;
    if (!inv) throw new TillError('invoice_not_found', `Invoice ${typeof key === 'string' ? key : String(key.value)} not found`);
    return inv;
  };

  async create(input: CreateInvoiceInput): Promise<Invoice> {
    const totals = this.totals(input);
    const at = this.deps.now();
    return this.deps.db.tx(async (trx) => {
      const inv = await insertInvoice(trx, this.draft(input, totals, at));
      await emit(trx, 'invoice.created', inv, at);
      return inv;
    }, CONCURRENT);
  }

  /**
   * Creates an invoice and finalizes it at once, in one transaction (the checkout and
   * BitPay dialects' create): nothing is written when there is no wallet, no rate or the
   * amount is dust. `quoteMinutes` (checkout's ttlMinutes) and `confirmations` (BitPay's
   * transactionSpeed) override the settings for this invoice.
   */
  async open(input: CreateInvoiceInput, o: OpenOptions = {}): Promise<Invoice> {
    const { db, now } = this.deps;
    const totals = this.totals(input);
    if (input.paymentMethods && !input.paymentMethods.includes('onchain_btc')) {
      // A wire-only invoice (a payment link that takes bank transfers only): no rate,
      // address or deadline, as its finalize would give it.
      const invoice = await db.tx(async (trx) => {
        const at = now();
        const draft = await insertInvoice(trx, { ...this.draft(input, totals, at), requiredConfirmations: o.confirmations ?? this.deps.settings.confirmations });
        await emit(trx, 'invoice.created', draft, at);
        return this.wireOnlyIn(trx, draft, at);
      }, CONCURRENT);
      this.changed(invoice.id);
      return invoice;
    }
    const { rate, dueSats } = await this.quote(totals.currency, totals.total, 'This invoice');
    const { invoice, scriptHex, addressId } = await db.tx(async (trx) => {
      const at = now();
      const draft = await insertInvoice(trx, { ...this.draft(input, totals, at), requiredConfirmations: o.confirmations ?? this.deps.settings.confirmations });
      await emit(trx, 'invoice.created', draft, at);
      return this.finalizeIn(trx, draft, rate, dueSats, at, o.quoteMinutes);
    }, CONCURRENT);
    this.changed(invoice.id);
    this.deps.onAddressAssigned?.({ scriptHex, addressId, invoiceId: invoice.id });
    return invoice;
  }

  private totals(input: CreateInvoiceInput) {
    return computeInvoiceTotals({
      lines: input.lines,
      currency: input.currency ?? this.deps.settings.defaultCurrency,
      tax_rate: input.taxRate,
      discount_amount: input.discountAmount,
    });
  }

  private draft(input: CreateInvoiceInput, totals: ReturnType<typeof computeInvoiceTotals>, at: number): NewInvoice {
    return {
      ref: newRef(),
      publicId: newPublicId(),
      bitpayId: newBitpayId(),
      status: 'draft',
      exception: null,
      currency: totals.currency,
      subtotal: totals.subtotal,
      taxRate: totals.taxRate,
      tax: totals.tax,
      discount: totals.discount,
      total: totals.total,
      rate: null,
      dueSats: null,
      paidSats: 0n,
      requiredConfirmations: this.deps.settings.confirmations,
      addressId: null,
      customerEmail: input.customerEmail ?? null,
      customerName: input.customerName ?? null,
      customerCompany: input.customerCompany ?? null,
      notes: input.notes ?? null,
      paymentMethods: input.paymentMethods ?? ['onchain_btc'],
      dialect: input.dialect,
      metadata: input.metadata ?? null,
      dialectData: input.dialectData ?? null,
      pageBase: input.pageBase ?? null,
      paymentLinkId: input.paymentLinkId ?? null,
      apiKeyId: input.apiKeyId ?? null,
      createdAt: at,
      updatedAt: at,
      finalizedAt: null,
      quoteExpiresAt: null,
      graceUntil: null,
      paidAt: null,
      confirmedAt: null,
      expiredAt: null,
      cancelledAt: null,
      markedPaidAt: null,
      lines: totals.lines.map((l, position) => ({ position, ...l })),
    };
  }

  /**
   * The rate and the amount in satoshis, fetched before any transaction (no network call
   * while the write lock is held); the wallet is checked first, so a merchant with
   * neither hears what to fix first.
   */
  private async quote(currency: string, total: bigint, what: string): Promise<{ rate: string; dueSats: bigint }> {
    const { db, pool, rates } = this.deps;
    if (!(await pool.prepare(db.read))) throw noWallet();
    const rate = currency === BTC ? '1' : (await rates.getRate(currency)).rate;
    const dueSats = currency === BTC ? total : fiatToSats(total, currency, rate);
    if (dueSats < MIN_DUE_SATS) {
      throw new TillError(
        'validation_failed',
        `${what} comes to ${dueSats} sats, below the ${MIN_DUE_SATS}-sat dust limit: no wallet can pay it on-chain`,
      );
    }
    return { rate, dueSats };
  }

  /** Draft → pending inside the caller's transaction: locks the rate, takes an address, starts the quote. */
  private async finalizeIn(trx: Knex.Transaction, current: Invoice, rate: string, dueSats: bigint, at: number, quoteMinutes?: number) {
    const { pool, settings } = this.deps;
    assertFinalizable(current);
    const address = await pool.take(trx, current.id, at);
    const quoteExpiresAt = at + (quoteMinutes ?? settings.quoteDeadlineMinutes) * 60_000;
    const patch = {
      status: 'pending' as const,
      rate,
      dueSats,
      addressId: address.id,
      finalizedAt: at,
      quoteExpiresAt,
      graceUntil: quoteExpiresAt + settings.graceMinutes * 60_000,
      updatedAt: at,
    };
    if (!(await updateInvoice(trx, current, patch))) {
      throw new TillError('invalid_state', `Invoice ${current.number} is not a draft`);
    }
    const invoice: Invoice = { ...current, ...patch, version: current.version + 1, address: address.address };
    return { invoice, scriptHex: address.scriptHex, addressId: address.id };
  }

  /** An invoice by number, ref, id or public id; from memory when this process has it. */
  async get(key: string): Promise<Invoice> {
    const parsed = parseInvoiceKey(key);
    if (!parsed) throw new TillError('invoice_not_found', `Invoice ${key} not found`);
    const hit = this.whole?.get(parsed);
    if (hit) return hit;
    const stamp = this.whole?.stamp() ?? 0;
    const inv = await this.mustFind(this.deps.db.read, parsed);
    // Shared by every caller from now on: nobody may change it in place.
    if (this.whole) this.whole.put(parsed, Object.freeze({ ...inv, lines: Object.freeze([...inv.lines]) as Invoice['lines'] }), stamp);
    return inv;
  }


  /** By the BitPay dialect's id (22 base58 characters, case-sensitive); anything else is not found. */
  async getByBitpayId(id: string): Promise<Invoice> {
    const notFound = new TillError('invoice_not_found', `Invoice ${id.slice(0, 80)} not found`);
    if (!isBitpayId(id)) throw notFound;
    const inv = await findInvoice(this.deps.db.read, { by: 'bitpay_id', value: id });
    if (!inv) throw notFound;
    return inv;
  }

  /** The few fields a status poll needs, from memory when this process has them. */
  async summary(key: string): Promise<InvoiceSummary> {
    const parsed = parseInvoiceKey(key);
    if (!parsed) throw new TillError('invoice_not_found', `Invoice ${key} not found`);
    const hit = this.summaries?.get(parsed);
    if (hit) return hit;
    const stamp = this.summaries?.stamp() ?? 0;
    const s = await findInvoiceSummary(this.deps.db.read, parsed);
    if (!s) throw new TillError('invoice_not_found', `Invoice ${key} not found`);
    this.summaries?.put(parsed, s, stamp);
    return s;
  }

  /** `quotedOnly`: only invoices ever quoted in BTC (the checkout and BitPay dialects know no others). */
  list(opts: { statuses?: InvoiceStatus[]; limit: number; offset: number; quotedOnly?: boolean }) {
    return listInvoices(this.deps.db.read, opts);
  }

  /** How many invoices stand in each core status (absent: none). */
  countByStatus(opts: { quotedOnly?: boolean } = {}): Promise<Partial<Record<InvoiceStatus, number>>> {
    return countInvoicesByStatus(this.deps.db.read, opts);
  }

  /**
   * Draft → pending: locks the rate (fetched before the transaction: no network call
   * while the write lock is held), assigns an address and starts the quote deadline.
   */
  async finalize(key: string): Promise<Invoice> {
    const { db, now } = this.deps;
    const draft = await this.mustFind(db.read, key);
    assertFinalizable(draft);
    if (!draft.paymentMethods.includes('onchain_btc')) return this.finalizeWireOnly(draft);
    const { rate, dueSats } = await this.quote(draft.currency, draft.total, `Invoice ${draft.number}`);
    const { invoice, scriptHex, addressId } = await db.tx(async (trx) =>
      this.finalizeIn(trx, await this.mustFind(trx, { by: 'id', value: draft.id }), rate, dueSats, now()), CONCURRENT,
    );
    this.changed(invoice.id);
    this.deps.onAddressAssigned?.({ scriptHex, addressId, invoiceId: invoice.id });
    return invoice;
  }

  /**
   * A wire-only invoice: pending with its page, and no rate, address or deadline (a bank
   * transfer takes days and is priced in the invoice's own currency). Only the merchant's
   * mark-paid or cancel moves it on; no wallet is needed.
   */
  private async finalizeWireOnly(draft: Invoice): Promise<Invoice> {
    const { db, now } = this.deps;
    const invoice = await db.tx(async (trx) => this.wireOnlyIn(trx, await this.mustFind(trx, { by: 'id', value: draft.id }), now()), CONCURRENT);
    this.changed(invoice.id);
    return invoice;
  }

  /** Draft → pending for a wire-only invoice, inside the caller's transaction. */
  private async wireOnlyIn(trx: Knex.Transaction, current: Invoice, at: number): Promise<Invoice> {
    assertFinalizable(current);
    const patch = { status: 'pending' as const, finalizedAt: at, updatedAt: at };
    if (!(await updateInvoice(trx, current, patch))) {
      throw new TillError('invalid_state', `Invoice ${current.number} is not a draft`);
    }
    return { ...current, ...patch, version: current.version + 1 };
  }

  /**
   * Cancels a draft or pending invoice and gives a never-paid address back to the pool,
   * where it cools down (TILL_ADDRESS_COOLDOWN_MINUTES) before another invoice may take it.
   */
  async cancel(key: string): Promise<Invoice> {
    const { db, pool, now } = this.deps;
    const target = await this.mustFind(db.read, key);
    const cancelled = await db.tx(async (trx) => {
      const current = await this.mustFind(trx, { by: 'id', value: target.id });
      const t = cancelTransition(current);
      const at = now();
      const patch = { status: t.status, cancelledAt: at, updatedAt: at };
      if (!(await updateInvoice(trx, current, patch))) {
        throw new TillError('invalid_state', `Invoice ${current.number} changed while cancelling; try again`);
      }
      if (current.addressId !== null) await pool.release(trx, current.addressId, at);
      const updated = { ...current, ...patch, version: current.version + 1 };
      for (const type of t.events) await emit(trx, type, updated, at);
      return updated;
    });
    this.changed(cancelled.id);
    return cancelled;
  }

  /**
   * Marks a wire-transfer invoice paid by hand: confirmed at once, with its events, and
   * left alone by the chain from then on. The note and the key that did it are kept.
   */
  async markPaid(key: string, by: { apiKeyId: number | null; note: string | null }): Promise<Invoice> {
    const { db, now } = this.deps;
    const target = await this.mustFind(db.read, key);
    const updated = await db.tx(async (trx) => {
      const current = await this.mustFind(trx, { by: 'id', value: target.id });
      const t = markPaidTransition(current);
      const at = now();
      const patch = {
        status: t.status, exception: null, markedPaidAt: at, paidAt: current.paidAt ?? at, confirmedAt: at, updatedAt: at,
      };
      if (!(await updateInvoice(trx, current, patch))) {
        throw new TillError('invalid_state', `Invoice ${current.number} changed while marking it paid; try again`);
      }
      await setDialectData(trx, current.id, {
        ...(current.dialectData ?? {}),
        marked_paid: { at, api_key_id: by.apiKeyId, note: by.note },
      });
      const inv = { ...current, ...patch, version: current.version + 1 };
      for (const type of t.events) await emit(trx, type, inv, at);
      return inv;
    });
    this.changed(updated.id);
    return updated;
  }

  /**
   * Deadlines: every waiting invoice past its quote deadline is worked out again, so it
   * expires, waits out its grace or turns underpaid. Returns how many changed.
   */
  async expireDue(batch = 500): Promise<number> {
    const { db, now } = this.deps;
    const at = now();
    const due = await dueForSettlement(db.read, at, batch);
    let moved = 0;
    for (const id of due) {
      const changed = await db.tx(async (trx) => {
        const tip = await loadTip(trx);
        return (await settleInvoice(trx, id, tip?.height ?? 0, at, this.policy)).changed;
      });
      if (changed) {
        this.changed(id);
        moved++;
      }
    }
    return moved;
  }
}
