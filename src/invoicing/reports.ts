import type { Database } from '../db/connection.js';
import { loadTip } from '../db/chain.js';
import {
  invoiceExportPage, paymentExportPage, receivedByDay, recentPayments, type Cursor, type ExportRange, type RecentPayment,
} from '../db/reports.js';
import { BTC } from '../domain/currency.js';
import { formatInvoiceNumber } from '../domain/ids.js';
import type { InvoiceStatus } from '../domain/invoice.js';
import { formatBtc, formatMoney, satsToFiatMinor } from '../domain/money.js';
import { csvLine, isoOrEmpty } from './csv.js';

export const DAY_MS = 86_400_000;
/** Days the dashboard's chart and its longest sum cover, today included. */
export const CHART_DAYS = 30;
/** Rows an export reads from the database at a time. */
export const EXPORT_BATCH = 1000;

export interface Received {
  /** Standing payments' satoshis. */
  sats: bigint;
  count: number;
  /**
   * The same payments in each invoice currency, valued at each invoice's locked rate (in
   * minor units): currencies are never added together. BTC-priced invoices are in `sats` only.
   */
  fiat: Map<string, bigint>;
}

export interface DayBar {
  /** The UTC midnight the day starts at. */
  start: number;
  sats: bigint;
  count: number;
}

export interface RecentPaymentView extends RecentPayment {
  invoiceNumber: string | null;
  confirmations: number;
}

export interface Dashboard {
  /** UTC calendar days: today since midnight, the last 7 and 30 days with today. */
  today: Received;
  week: Received;
  month: Received;
  /** The last CHART_DAYS days, oldest first. */
  days: DayBar[];
  recent: RecentPaymentView[];
}

export interface InvoiceExportFilter extends ExportRange {
  status: InvoiceStatus | null;
}

export const INVOICE_CSV_HEADER = [
  'created_at', 'finalized_at', 'paid_at', 'confirmed_at', 'number', 'ref', 'status', 'exception', 'currency',
  'total', 'rate', 'btc_due', 'btc_paid', 'customer_email', 'txids',
] as const;

export const PAYMENT_CSV_HEADER = [
  'received_at', 'seen_at', 'confirmed_at', 'invoice_number', 'txid', 'vout', 'btc', 'status', 'block_height',
  'currency', 'rate', 'fiat_value',
] as const;

function empty(): Received {
  return { sats: 0n, count: 0, fiat: new Map() };
}

/** What the dashboard sums and the merchant's CSV exports, all read from the database's readers. */
export class ReportService {
  constructor(private readonly deps: { db: Database; now: () => number }) {}

  async dashboard(o: { recent?: number } = {}): Promise<Dashboard> {
    const now = this.deps.now();
    const todayStart = Math.floor(now / DAY_MS) * DAY_MS;
    const start = todayStart - (CHART_DAYS - 1) * DAY_MS;
    const read = this.deps.db.read;
    const [groups, recent, tip] = await Promise.all([
      receivedByDay(read, { start, days: CHART_DAYS, dayMs: DAY_MS }),
      recentPayments(read, o.recent ?? 10),
      loadTip(read),
    ]);
    const days: DayBar[] = Array.from({ length: CHART_DAYS }, (_, i) => ({ start: start + i * DAY_MS, sats: 0n, count: 0 }));
    const out = { today: empty(), week: empty(), month: empty() };
    for (const g of groups) {
      const bar = days[g.day];
      if (!bar) continue;
      bar.sats += g.sats;
      bar.count += g.count;
      // A group holds one rate: its fiat value is exact from its integer sum.
      const fiat = g.currency !== null && g.currency !== BTC && g.rate !== null ? satsToFiatMinor(g.sats, g.currency, g.rate) : null;
      const into: Received[] = [out.month];
      if (g.day >= CHART_DAYS - 7) into.push(out.week);
      if (g.day === CHART_DAYS - 1) into.push(out.today);
      for (const r of into) {
        r.sats += g.sats;
        r.count += g.count;
        if (fiat !== null) r.fiat.set(g.currency!, (r.fiat.get(g.currency!) ?? 0n) + fiat);
      }
    }
    return {
      ...out,
      days,
      recent: recent.map((p) => ({
        ...p,
        invoiceNumber: p.invoiceSeq === null ? null : formatInvoiceNumber(p.invoiceSeq),
        confirmations: p.blockHeight === null || tip === null || p.status !== 'confirmed' ? 0 : Math.max(0, tip.height - p.blockHeight + 1),
      })),
    };
  }

  /**
   * The invoices export as CSV text, a page of rows at a time: the next page is read only
   * when the consumer asks for more, so memory holds one page whatever the range.
   */
  async *invoicesCsv(f: InvoiceExportFilter, batch = EXPORT_BATCH): AsyncGenerator<string> {
    yield csvLine(INVOICE_CSV_HEADER);
    let after: Cursor | null = null;
    for (;;) {
      const page = await invoiceExportPage(this.deps.db.read, { ...f, after, limit: batch });
      if (page.length === 0) return;
      let text = '';
      for (const r of page) {
        text += csvLine([
          isoOrEmpty(r.createdAt), isoOrEmpty(r.finalizedAt), isoOrEmpty(r.paidAt), isoOrEmpty(r.confirmedAt),
          formatInvoiceNumber(r.seq), r.ref, r.status, r.exception, r.currency, formatMoney(r.total, r.currency),
          r.rate, r.dueSats === null ? null : formatBtc(r.dueSats), formatBtc(r.paidSats), r.customerEmail, r.txids.join(' '),
        ]);
      }
      yield text;
      if (page.length < batch) return;
      const last = page[page.length - 1]!;
      after = { at: last.createdAt, id: last.id };
    }
  }

  /** The payments export, every payment (standing or not, its status says), each valued at its invoice's locked rate. */
  async *paymentsCsv(f: ExportRange, batch = EXPORT_BATCH): AsyncGenerator<string> {
    yield csvLine(PAYMENT_CSV_HEADER);
    let after: Cursor | null = null;
    for (;;) {
      const page = await paymentExportPage(this.deps.db.read, { ...f, after, limit: batch });
      if (page.length === 0) return;
      let text = '';
      for (const p of page) {
        const fiat = p.currency === BTC ? formatBtc(p.sats) : p.currency !== null && p.rate !== null ? formatMoney(satsToFiatMinor(p.sats, p.currency, p.rate), p.currency) : null;
        text += csvLine([
          isoOrEmpty(p.receivedAt), isoOrEmpty(p.seenAt), isoOrEmpty(p.confirmedAt),
          p.invoiceSeq === null ? null : formatInvoiceNumber(p.invoiceSeq), p.txid, p.vout, formatBtc(p.sats), p.status,
          p.blockHeight, p.currency, p.rate, fiat,
        ]);
      }
      yield text;
      if (page.length < batch) return;
      const last = page[page.length - 1]!;
      after = { at: last.receivedAt, id: last.id };
    }
  }
}
