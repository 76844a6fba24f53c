/**
 * Where a payer's checkout page lives. Pure: the caller hands in TILL_PUBLIC_URL and the
 * request's own scheme and Host.
 */

/**
 * `<scheme>://<host>` of a request, when its Host header is a plain host[:port]; anything
 * else (a header crafted to inject a path or a second URL) reads as `localhost`.
 */
export function requestOrigin(protocol: string, host: string): string {
  const sane = /^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/.test(host) || /^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$/.test(host);
  return `${protocol === 'https' ? 'https' : 'http'}://${sane ? host : 'localhost'}`;
}

/** TILL_PUBLIC_URL (no trailing slash) when set, else the request's origin. */
export function pageBaseFor(publicUrl: string, protocol: string, host: string): string {
  return publicUrl || requestOrigin(protocol, host);
}

/** The checkout page of an invoice, `<base>/i/<uuid>`. */
export function checkoutUrl(base: string, publicId: string): string {
  return `${base}/i/${publicId}`;
}
