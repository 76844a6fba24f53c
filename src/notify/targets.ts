import type http from 'node:http';
import type { Database } from '../db/connection.js';
import { findWebhook } from '../db/webhooks.js';
import { postJson } from '../net/http-client.js';
import type { AttemptResult, EventRenderer, Rendered, TargetAdapter } from './ports.js';
import { signatureHeaders } from './signing.js';
import { assertConnectable, guardedAgent, SsrfError, type AllowList, type Resolver } from '../net/ssrf/index.js';

/** How receivers on the merchant's side are reached: the SSRF guard, Tor for .onion. */
export interface HttpTargetOptions {
  allow: AllowList;
  timeoutMs: number;
  /** An agent for .onion receivers (SOCKS5 through Tor); none: .onion is refused. */
  onionAgent?: http.Agent;
  userAgent: string;
  resolve?: Resolver;
}

export interface WebhookAdapterOptions extends HttpTargetOptions {
  db: Database;
  /** The dialect that writes webhook bodies (v1's, seed 000). */
  render: EventRenderer;
}

const notFound: AttemptResult = { ok: false, permanent: true, statusCode: null, error: 'event not found', responseExcerpt: null, durationMs: 0 };

/**
 * One POST to a merchant's receiver, guarded: the URL is checked again at each attempt
 * (the allow-list may have changed), and the guarded agents check every address they
 * connect to. A 410 asks the caller to stop for good.
 */
function guardedPoster(o: HttpTargetOptions) {
  const agents = {
    http: guardedAgent({ allow: o.allow, https: false, resolve: o.resolve }),
    https: guardedAgent({ allow: o.allow, https: true, resolve: o.resolve }),
  };
  return async (target: string, rendered: Rendered, headers: Record<string, string>): Promise<AttemptResult> => {
    let url: URL;
    let viaProxy: boolean;
    try {
      ({ url, viaProxy } = assertConnectable(target, o.allow, { proxyConfigured: o.onionAgent !== undefined }));
    } catch (e) {
      const why = e instanceof SsrfError || e instanceof Error ? e.message : String(e);
      return { ok: false, statusCode: null, error: `refused: ${why}`, responseExcerpt: null, durationMs: 0 };
    }
    const r = await postJson(
      url,
      rendered.body,
      { ...rendered.headers, 'User-Agent': o.userAgent, ...headers },
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
  };
}

/** Signed POSTs to merchant webhooks. */
export function webhookAdapter(o: WebhookAdapterOptions): TargetAdapter {
  const post = guardedPoster(o);
  return {
    async send(d, event, at) {
      const hook = await findWebhook(o.db.read, d.targetId);
      if (!hook || !hook.isActive) {
        return { ok: false, skipped: true, statusCode: null, error: 'webhook deleted or disabled', responseExcerpt: null, durationMs: 0 };
      }
      // A test ping carries its own body; an event is written by the dialect.
      const rendered = d.payload !== null ? { body: d.payload, headers: { 'Content-Type': 'application/json' } } : event ? o.render(event) : null;
      if (rendered === null) return notFound;
      return post(hook.url, rendered, { 'X-BTPay-Event': d.eventType, ...signatureHeaders(d.deliveryId, rendered.body, hook.secret, at) });
    },
  };
}

/**
 * Unsigned POSTs of a dialect's own notifications (BitPay's IPN) to the URL the invoice
 * names: the receiver is expected to fetch the invoice again by its id before acting.
 */
export function notificationAdapter(o: HttpTargetOptions & { render: EventRenderer }): TargetAdapter {
  const post = guardedPoster(o);
  return {
    async send(d, event) {
      if (!event) return notFound;
      return post(d.target, o.render(event), {});
    },
  };
}
