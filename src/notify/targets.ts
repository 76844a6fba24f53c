import { createHmac } from 'node:crypto';
import type http from 'node:http';
import type { Database } from '../db/connection.js';
import type { Delivery, TargetKind } from '../db/deliveries.js';
import { findWebhook } from '../db/webhooks.js';
import { presentInvoice } from '../api/v1/present.js';
import { formatBtc } from '../domain/money.js';
import { postJson } from '../net/http-client.js';
import { reviveInvoice } from './revive.js';
import { assertConnectable, guardedAgent, SsrfError, type AllowList, type Resolver } from '../net/ssrf/index.js';
import { renderInvoiceEmail, type EmailSender } from './email/index.js';

/** What one attempt came to. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  durationMs: number;
  /** Do not try again (a 5xx SMTP reply, a receiver gone for good). */
  permanent?: boolean;
  /** The receiver answered 410 Gone: disable it. */
  gone?: boolean;
  /** Nothing to do (no SMTP configured, receiver deleted): recorded as not sent. */
  skipped?: boolean;
}

/** How a kind of receiver is rendered and reached; the worker does the rest. */
export interface TargetAdapter {
  /** `at`: when this attempt started (ms, the worker's clock). */
  send(d: Delivery, event: StoredEvent | null, at: number): Promise<AttemptResult>;
}

export interface StoredEvent {
  type: string;
  payload: { invoice: Record<string, unknown> | null; payment?: Record<string, unknown> | null; reason?: string };
  createdAt: number;
}

/** ISO-8601 UTC to the second, as the seed prints it: "2026-03-13T18:30:00Z". */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The seed's webhook body: {"event", "data", "timestamp"}, data being the v1 invoice. */
export function webhookBody(e: StoredEvent): string {
  const data: Record<string, unknown> = e.payload.invoice ? presentInvoice(reviveInvoice(e.payload.invoice)) : {};
  const p = e.payload.payment;
  if (p) {
    data.payment = {
      txid: p.txid, vout: p.vout, amount: formatBtc(BigInt(p.sats as string)), status: p.status,
      block_height: p.blockHeight ?? null,
      // payment.reverted: why it stopped standing (replaced, evicted or reorged).
      ...(e.payload.reason !== undefined && { reason: e.payload.reason }),
    };
  }
  return JSON.stringify({ event: e.type, data, timestamp: isoSeconds(e.createdAt) });
}

/** The seed's X-BTPay-Signature: hex HMAC-SHA256 of the raw body, the whole secret string as key. */
export function sign(body: string, secret: string): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}

/**
 * Standard Webhooks' `webhook-signature` (https://www.standardwebhooks.com):
 * "v1," + base64 HMAC-SHA256 of "<id>.<timestamp>.<body>", keyed by the base64-decoding
 * of the secret after its "whsec_" prefix (Till's 64 hex characters decode to 48 bytes),
 * as the standardwebhooks libraries do, so a receiver can use them unchanged.
 */
export function standardSignature(id: string, timestampSec: number, body: string, secret: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`, 'utf8').digest('base64')}`;
}

/**
 * The signature headers of one attempt. The id is the delivery's (the same on every
 * retry: a receiver drops duplicates by it); the timestamp is this attempt's, inside
 * the Standard Webhooks signature, so a receiver can refuse a request replayed later.
 */
export function signatureHeaders(deliveryId: string, body: string, secret: string, atMs: number): Record<string, string> {
  const ts = Math.floor(atMs / 1000);
  return {
    'X-BTPay-Signature': sign(body, secret),
    'X-BTPay-Delivery': deliveryId,
    'X-BTPay-Timestamp': String(ts),
    'webhook-id': deliveryId,
    'webhook-timestamp': String(ts),
    'webhook-signature': standardSignature(deliveryId, ts, body, secret),
  };
}

export interface WebhookAdapterOptions {
  db: Database;
  allow: AllowList;
  timeoutMs: number;
  /** An agent for .onion receivers (SOCKS5 through Tor); none: .onion is refused. */
  onionAgent?: http.Agent;
  userAgent: string;
  resolve?: Resolver;
}

/** Signed POSTs to merchant webhooks (seed 000). */
export function webhookAdapter(o: WebhookAdapterOptions): TargetAdapter {
  const agents = {
    http: guardedAgent({ allow: o.allow, https: false, resolve: o.resolve }),
    https: guardedAgent({ allow: o.allow, https: true, resolve: o.resolve }),
  };
  return {
    async send(d, event, at) {
      const hook = await findWebhook(o.db.read, d.targetId);
      if (!hook || !hook.isActive) {
        return { ok: false, skipped: true, statusCode: null, error: 'webhook deleted or disabled', responseExcerpt: null, durationMs: 0 };
      }
      const body = d.payload ?? (event ? webhookBody(event) : null);
      if (body === null) return { ok: false, permanent: true, statusCode: null, error: 'event not found', responseExcerpt: null, durationMs: 0 };
      let url: URL;
      let viaProxy: boolean;
      try {
        ({ url, viaProxy } = assertConnectable(hook.url, o.allow, { proxyConfigured: o.onionAgent !== undefined }));
      } catch (e) {
        const why = e instanceof SsrfError || e instanceof Error ? e.message : String(e);
        return { ok: false, statusCode: null, error: `refused: ${why}`, responseExcerpt: null, durationMs: 0 };
      }
      const r = await postJson(
        url,
        body,
        {
          'Content-Type': 'application/json',
          'User-Agent': o.userAgent,
          'X-BTPay-Event': d.eventType,
          ...signatureHeaders(d.deliveryId, body, hook.secret, at),
        },
        { timeoutMs: o.timeoutMs, agent: viaProxy && o.onionAgent ? o.onionAgent : url.protocol === 'https:' ? agents.https : agents.http },
      );
      const ok = r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300;
      return {
        ok,
        gone: r.statusCode === 410,
        statusCode: r.statusCode,
        error: ok ? null : (r.error ?? `HTTP ${r.statusCode}`),
        responseExcerpt: r.excerpt,
        durationMs: r.durationMs,
      };
    },
  };
}

/** Merchant notification emails. No SMTP configured: recorded as not sent, never an error. */
export function emailAdapter(sender: EmailSender, shopName?: string): TargetAdapter {
  return {
    async send(d, event) {
      const started = performance.now();
      if (!event?.payload.invoice) return { ok: false, permanent: true, statusCode: null, error: 'event not found', responseExcerpt: null, durationMs: 0 };
      const mail = renderInvoiceEmail(event.type, reviveInvoice(event.payload.invoice), { shopName });
      const r = await sender.send({ to: d.target, ...mail });
      const durationMs = Math.round(performance.now() - started);
      if (r.status === 'sent') return { ok: true, statusCode: null, error: null, responseExcerpt: r.response.slice(0, 1024), durationMs };
      if (r.status === 'not_sent') return { ok: false, skipped: true, statusCode: null, error: r.reason, responseExcerpt: null, durationMs };
      return { ok: false, permanent: r.permanent, statusCode: null, error: r.error, responseExcerpt: null, durationMs };
    },
  };
}

export type Adapters = Partial<Record<TargetKind, TargetAdapter>>;
