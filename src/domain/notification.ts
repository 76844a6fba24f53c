/** Who is told of events, and how each telling went. */

export interface Webhook {
  id: number;
  url: string;
  /** Needed to sign deliveries, so kept readable; shown to the merchant only once. */
  secret: string;
  events: string[];
  isActive: boolean;
  description: string | null;
  createdAt: number;
}

export type TargetKind = 'webhook' | 'ipn' | 'email';
export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface Delivery {
  id: number;
  deliveryId: string;
  outboxId: number | null;
  eventType: string;
  targetKind: TargetKind;
  targetId: number;
  target: string;
  /** For events that are not in the outbox (a test ping): the body to send. */
  payload: string | null;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  leaseUntil: number | null;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastError: string | null;
  responseExcerpt: string | null;
  deliveredAt: number | null;
  createdAt: number;
}

export interface DeliveryAttempt {
  attempt: number;
  startedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
}

/**
 * A receiver URL as pages, logs and the audit log show it: a password in it (a receiver
 * behind HTTP basic auth) is replaced by asterisks. Till still posts to the whole URL.
 */
export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '****';
    return u.toString();
  } catch {
    return url;
  }
}
