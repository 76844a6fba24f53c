import http from 'node:http';
import https from 'node:https';

export type HttpFailure = 'bad_url' | 'network' | 'timeout' | 'aborted' | 'status' | 'too_large' | 'invalid_json';

/** Why one request came to nothing; it reaches logs and delivery records, never an API client. */
export class HttpFetchError extends Error {
  readonly kind: HttpFailure;
  readonly status?: number;
  /** The message without the URL, for records that already name the target. */
  readonly detail: string;

  /** `where`: the URL as `describeUrl` gives it; null when there is no URL to name. */
  constructor(kind: HttpFailure, where: string | null, detail: string, status?: number) {
    super(where === null ? detail : `${where}: ${detail}`);
    this.name = 'HttpFetchError';
    this.kind = kind;
    this.detail = detail;
    if (status !== undefined) this.status = status;
  }
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Deadline for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** The most body bytes read. */
  maxBytes: number;
  /**
   * 'document' (a rate source's JSON): only a whole 2xx body will do, so another status, a
   * larger body or one cut short is an error. 'excerpt' (a webhook's answer): the status is
   * what counts and the body is a taste for the delivery log, so whatever arrived before
   * the cap, a cut-off or the deadline comes back and the connection is dropped.
   */
  read: 'document' | 'excerpt';
  /** e.g. the SOCKS agent for Tor, or the SSRF-guarded agent for webhooks. */
  agent?: http.Agent;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  body: Buffer;
  durationMs: number;
}

/**
 * The one outbound HTTP request, over node's http/https (not fetch: it must take an
 * http.Agent for SOCKS and the SSRF guard). Redirects are never followed, a 3xx is the
 * answer: a redirect could point anywhere the guard would refuse, and a receiver that
 * moved must be updated by the merchant.
 */
export function request(url: string | URL, options: HttpRequestOptions): Promise<HttpResponse> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new HttpFetchError('bad_url', null, `not a URL: ${String(url)}`));
      return;
    }
    const where = describeUrl(target);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      reject(new HttpFetchError('bad_url', where, 'only http and https URLs are fetched'));
      return;
    }
    if (options.signal?.aborted) {
      reject(new HttpFetchError('aborted', where, 'aborted'));
      return;
    }

    let settled = false;
    let status: number | null = null;
    const chunks: Buffer[] = [];
    let size = 0;
    const excerpt = options.read === 'excerpt';
    // `complete`: the whole answer was read, so a keep-alive socket may go back to its pool.
    const finish = (err: HttpFetchError | null, complete = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err !== null && excerpt && status !== null && err.kind !== 'aborted') err = null;
      if (!complete) req.destroy();
      if (err !== null) reject(err);
      else resolve({ status: status ?? 0, body: Buffer.concat(chunks).subarray(0, options.maxBytes), durationMs: Math.round(performance.now() - started) });
    };
    const fail = (kind: HttpFailure, detail: string, code?: number): void => finish(new HttpFetchError(kind, where, detail, code));
    const onAbort = (): void => fail('aborted', 'aborted');

    const client = target.protocol === 'https:' ? https : http;
    const headers = { ...options.headers };
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const req = client.request(target, { method: options.method ?? 'GET', agent: options.agent, headers }, (res) => {
      status = res.statusCode ?? 0;
      if (!excerpt && (status < 200 || status > 299)) {
        res.resume();
        fail('status', `HTTP ${status}`, status);
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (!excerpt && Number.isFinite(declared) && declared > options.maxBytes) {
        fail('too_large', `body of ${declared} bytes exceeds ${options.maxBytes}`);
        return;
      }
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        chunks.push(chunk);
        size += chunk.length;
        if (size > options.maxBytes) fail('too_large', `body exceeds ${options.maxBytes} bytes`);
        else if (excerpt && size === options.maxBytes) finish(null);
      });
      res.on('end', () => finish(null, true));
      res.on('close', () => {
        if (!res.complete) fail('network', 'response cut off');
      });
      res.on('error', (e) => fail('network', e.message));
    });
    const timer = setTimeout(
      () => fail('timeout', `no ${status === null ? '' : 'complete '}answer within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    req.on('error', (e: NodeJS.ErrnoException) => fail('network', e.message || e.code || 'request failed'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(options.body);
  });
}

/** Logs name the host and path, never credentials or a query string that might carry a key. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export interface PostResult {
  statusCode: number | null;
  /** The first KiB of the answer, for the delivery log. */
  excerpt: string | null;
  error: string | null;
  durationMs: number;
}

const EXCERPT_BYTES = 1024;

/**
 * One POST to a receiver (webhook, IPN) that reports what came of it and never throws: a
 * failed attempt is a record to keep and retry, not an exception.
 */
export async function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; agent: http.Agent },
): Promise<PostResult> {
  const started = performance.now();
  try {
    const r = await request(url, { method: 'POST', body, headers, ...opts, maxBytes: EXCERPT_BYTES, read: 'excerpt' });
    return { statusCode: r.status, excerpt: r.body.toString('utf8'), error: null, durationMs: r.durationMs };
  } catch (e) {
    const error = e instanceof HttpFetchError ? e.detail : String(e);
    return { statusCode: null, excerpt: null, error, durationMs: Math.round(performance.now() - started) };
  }
}
