import { isoSeconds, type StoredEvent } from '../../domain/events.js';
import { reviveInvoice } from '../../domain/invoice-snapshot.js';
import type { Invoice } from '../../domain/invoice.js';
import { formatBtc } from '../../domain/money.js';
import type { Rendered } from '../../notify/ports.js';
import { presentInvoice } from './present.js';

/**
 * Seed 000's webhook body: {"event", "data", "timestamp"}, `data` being the v1 invoice
 * as it was when the event happened, with the payment for payment events.
 */
/** A webhook has no request: the page is named where it was when the invoice was made. */
const presentInvoiceAsMade = (inv: Invoice) => presentInvoice(inv, inv.pageBase);

export function renderWebhook(e: StoredEvent): Rendered {
  const data: Record<string, unknown> = e.payload.invoice ? presentInvoiceAsMade(reviveInvoice(e.payload.invoice)) : {};
  const p = e.payload.payment;
  if (p) {
    data.payment = {
      txid: p.txid, vout: p.vout, amount: formatBtc(BigInt(p.sats as string)), status: p.status,
      block_height: p.blockHeight ?? null,
      // payment.reverted: why it stopped standing (replaced, evicted or reorged).
      ...(e.payload.reason !== undefined && { reason: e.payload.reason }),
    };
  }
  return {
    body: JSON.stringify({ event: e.type, data, timestamp: isoSeconds(e.createdAt) }),
    headers: { 'Content-Type': 'application/json' },
  };
}
