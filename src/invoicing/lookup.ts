import { isPublicId, normalizeRef, parseInvoiceNumber } from '../domain/ids.js';
import type { InvoiceKey } from '../db/invoices.js';

/**
 * What a caller may put in `/invoices/<ref>`: an invoice number (INV-0001), a ref
 * (A1B2C3D4-E5F6A7B8), a numeric id, or the public UUID. Null when it is none of them,
 * which the caller reports as not found.
 */
export function parseInvoiceKey(text: string): InvoiceKey | null {
  if (/^[0-9]{1,15}$/.test(text)) {
    const id = Number(text);
    return id > 0 ? { by: 'id', value: id } : null;
  }
  const seq = parseInvoiceNumber(text);
  if (seq !== null) return { by: 'seq', value: seq };
  const ref = normalizeRef(text);
  if (ref !== null) return { by: 'ref', value: ref };
  const lower = text.toLowerCase();
  if (isPublicId(lower)) return { by: 'public_id', value: lower };
  return null;
}
