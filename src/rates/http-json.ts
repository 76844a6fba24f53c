import http from 'node:http';
import https from 'node:https';
import { parse as parseLosslessJson } from 'lossless-json';

export type HttpFailure = 'bad_url' | 'network' | 'timeout' | 'aborted' | 'status' | 'too_large' | 'invalid_json';

/** Why one source could not be read; it only ever reaches logs, never an API client. */
export class HttpFetchError extends Error {
  readonly kind: HttpFailure;
  readonly status?: number;

  constructor(kind: HttpFailure, message: string, status?: number) {
    super(message);
    this.name = 'HttpFetchError';
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }
}

export interface GetJsonOptions {
  /** Deadline for the whole exchange: connect, headers and body. */
  timeoutMs: number;
  /** Larger bodies are cut off and refused. */
  maxBytes: number;
  /** e.g. a SOCKS agent so every fetch goes through Tor. */
  agent?: http.Agent;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/**
 * GET a JSON document over node's http/https (not fetch: it must take an http.Agent).
 * The body is parsed with lossless-json, so every JSON number arrives as a LosslessNumber
 * holding its literal digits: a price is never rounded through a JS float.
 */
export async function getJson(url: string, options: GetJsonOptions): Promise<unknown> {
  const text = await getText(url, options);
  try {
    return parseLosslessJson(text);
  } catch (e) {
    throw new HttpFetchError('invalid_json', `${describe(url)}: body is not JSON (${(e as Error).message})`);
  }
}

/** GET a body as UTF-8 text with a deadline, a size cap and a 2xx status check. */
export function getText(url: string, options: GetJsonOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new HttpFetchError('bad_url', `not a URL: ${url}`));
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      reject(new HttpFetchError('bad_url', `only http and https URLs are fetched: ${describe(url)}`));
      return;
    }
    const where = describe(url);
    if (options.signal?.aborted) {
      reject(new HttpFetchError('aborted', `${where}: aborted`));
      return;
    }

    let settled = false;
    const finish = (err: HttpFetchError | undefined, text?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else {
        resolve(text ?? '');
      }
    };
    const onAbort = (): void => finish(new HttpFetchError('aborted', `${where}: aborted`));

    const client = target.protocol === 'https:' ? https : http;
    const req = client.request(
      target,
      {
        method: 'GET',
        agent: options.agent,
        headers: { accept: 'application/json', 'user-agent': 'till-rates/1', ...options.headers },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) {
          res.resume();
          finish(new HttpFetchError('status', `${where}: HTTP ${status}`, status));
          return;
        }
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxBytes) {
          finish(new HttpFetchError('too_large', `${where}: body of ${declared} bytes exceeds ${options.maxBytes}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > options.maxBytes) {
            finish(new HttpFetchError('too_large', `${where}: body exceeds ${options.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(undefined, Buffer.concat(chunks).toString('utf8')));
        res.on('close', () => {
          if (!res.complete) finish(new HttpFetchError('network', `${where}: response cut off`));
        });
        res.on('error', (e) => finish(new HttpFetchError('network', `${where}: ${e.message}`)));
      },
    );
    const timer = setTimeout(
      () => finish(new HttpFetchError('timeout', `${where}: no complete answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on('error', (e) => finish(new HttpFetchError('network', `${where}: ${e.message}`)));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

// Logs name the host and path, never a query string that might one day carry a key.
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'invalid URL';
  }
}
