/** Seed 000's seven events, then Till's own: a payment taken back, an invoice gone invalid. */
export const EVENT_TYPES = [
  'invoice.created', 'invoice.paid', 'invoice.confirmed', 'invoice.expired', 'invoice.cancelled',
  'payment.received', 'payment.confirmed', 'payment.reverted', 'invoice.invalid',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What a webhook may subscribe to: any event, or all of them. */
export const WEBHOOK_EVENTS: readonly string[] = [...EVENT_TYPES, '*'];

/** ISO-8601 UTC to the second, as the seeds print event times: "2026-03-13T18:30:00Z". */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An outbox event as a receiver's renderer reads it back (bigints arrive as strings). */
export interface StoredEvent {
  type: string;
  invoiceId: number | null;
  payload: { invoice: Record<string, unknown> | null; payment?: Record<string, unknown> | null; reason?: string };
  createdAt: number;
}
