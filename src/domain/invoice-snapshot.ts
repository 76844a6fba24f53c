import type { Invoice } from './invoice.js';

const BIG_FIELDS = ['subtotal', 'tax', 'discount', 'total', 'dueSats', 'paidSats'] as const;

/**
 * Outbox payloads store an invoice snapshot with its bigints as strings (JSON has no
 * bigint); this turns one back into the core type, for presenting it to a receiver.
 */
export function reviveInvoice(json: Record<string, unknown>): Invoice {
  const inv = { ...json } as Record<string, unknown>;
  for (const f of BIG_FIELDS) {
    const v = inv[f];
    inv[f] = v === null || v === undefined ? null : BigInt(v as string);
  }
  inv.lines = ((json.lines as Record<string, unknown>[] | undefined) ?? []).map((l) => ({
    ...l,
    unitPrice: BigInt(l.unitPrice as string),
    amount: BigInt(l.amount as string),
  }));
  return inv as unknown as Invoice;
}
