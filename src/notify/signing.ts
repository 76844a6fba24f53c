import { createHmac } from 'node:crypto';

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
