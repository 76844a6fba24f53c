import { reviveInvoice } from '../../domain/invoice-snapshot.js';
import { renderInvoiceEmail } from './render.js';
import type { EmailSender } from './sender.js';
import type { TargetAdapter } from '../ports.js';

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
