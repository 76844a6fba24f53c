import type { Database } from '../db/connection.js';
import {
  browseInvoices, deliveriesOfEvents, eventsOfInvoice,
  type InvoiceDeliveryRow, type InvoiceEventRow, type InvoiceFilter, type InvoiceListRow,
} from '../db/invoice-browser.js';
import { normalizeRef, parseInvoiceNumber } from '../domain/ids.js';
import type { Dialect, Invoice, InvoiceStatus } from '../domain/invoice.js';
import { checkoutUrl, pageBaseFor } from '../domain/page-url.js';

export type { InvoiceDeliveryRow, InvoiceEventRow, InvoiceListRow };

export interface BrowseQuery {
  statuses?: readonly InvoiceStatus[];
  dialects?: readonly Dialect[];
  createdFrom?: number;
  createdBefore?: number;
  /** One search box: invoice number, ref, id, customer email/name/company, payment address or txid. */
  search?: string;
  limit: number;
  offset: number;
}

/**
 * The merchant's view over invoices (read only): the filtered list, and for one invoice
 * its outbox events with their webhook/IPN/email deliveries and its checkout page.
 */
export class InvoiceBrowser {
  constructor(
    private readonly db: Database,
    /** TILL_PUBLIC_URL without a trailing slash, or ''. */
    private readonly publicUrl: string,
    /** TILL_DEFAULT_CURRENCY as it is now: what the create form starts with. */
    private readonly currency: () => string,
  ) {}

  get defaultCurrency(): string {
    return this.currency();
  }

  list(o: BrowseQuery): Promise<{ rows: InvoiceListRow[]; total: number }> {
    const f: InvoiceFilter = {
      statuses: o.statuses,
      dialects: o.dialects,
      createdFrom: o.createdFrom,
      createdBefore: o.createdBefore,
    };
    const text = o.search?.trim();
    if (text) {
      f.search = {
        text,
        seq: parseInvoiceNumber(text.toUpperCase()),
        id: /^[0-9]{1,15}$/.test(text) ? Number(text) : null,
        ref: normalizeRef(text),
      };
    }
    return browseInvoices(this.db.read, f, { limit: o.limit, offset: o.offset });
  }

  /** The invoice's events, oldest first, each with the deliveries made of it. */
  async events(invoiceId: number): Promise<{ event: InvoiceEventRow; deliveries: InvoiceDeliveryRow[] }[]> {
    const events = await eventsOfInvoice(this.db.read, invoiceId);
    const deliveries = await deliveriesOfEvents(this.db.read, events.map((e) => e.id));
    return events.map((event) => ({ event, deliveries: deliveries.filter((d) => d.outboxId === event.id) }));
  }

  /** Where the payer's pages are for an invoice made from this request: TILL_PUBLIC_URL, else the request's origin (as the API does). */
  pageBase(request: { protocol: string; host: string }): string {
    return pageBaseFor(this.publicUrl, request.protocol, request.host);
  }

  /**
   * The payer's page of a finalized invoice: on the base it was made with, else
   * TILL_PUBLIC_URL, else the origin the merchant reached Till at. Null for one never finalized
   * (a draft, or a draft cancelled): it has no page.
   */
  checkoutUrl(inv: Pick<Invoice, 'status' | 'publicId' | 'pageBase' | 'finalizedAt'>, request: { protocol: string; host: string }): string | null {
    if (inv.status === 'draft' || inv.finalizedAt === null) return null;
    const base = inv.pageBase ?? pageBaseFor(this.publicUrl, request.protocol, request.host);
    return checkoutUrl(base, inv.publicId);
  }
}
