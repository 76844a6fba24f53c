import type http from 'node:http';
import type { Database } from '../db/connection.js';
import { findWebhook } from '../db/webhooks.js';
import { postJson } from '../net/http-client.js';
import type { EventRenderer, TargetAdapter } from './ports.js';
import { signatureHeaders } from './signing.js';
import { assertConnectable, guardedAgent, SsrfError, type AllowList, type Resolver } from '../net/ssrf/index.js';

export interface WebhookAdapterOptions {
  db: Database;
  allow: AllowList;
  timeoutMs: number;
  /** An agent for .onion receivers (SOCKS5 through Tor); none: .onion is refused. */
  onionAgent?: http.Agent;
  userAgent: string;
  resolve?: Resolver;
  /** The dialect that writes webhook bodies (v1's, seed 000). */
  render: EventRenderer;
}

/** Signed POSTs to merchant webhooks. */
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
      // A test ping carries its own body; an event is written by the dialect.
      const rendered = d.payload !== null ? { body: d.payload, headers: { 'Content-Type': 'application/json' } } : event ? o.render(event) : null;
      if (rendered === null) return { ok: false, permanent: true, statusCode: null, error: 'event not found', responseExcerpt: null, durationMs: 0 };
      let url: URL;
      let viaProxy: boolean;
      try {
        ({ url, viaProxy } = assertConnectable(hook.url, o.allow, { proxyConfigured: o.onionAgent !== undefined }));
      } catch (e) {
        const why = e instanceof SsrfError || e instanceof Error ? e.message : String(e);
        return { ok: false, statusCode: null, error: `refused: ${why}`, responseExcerpt: null, durationMs: 0 };
      }
      const { body } = rendered;
      const r = await postJson(
        url,
        body,
        {
          ...rendered.headers,
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

