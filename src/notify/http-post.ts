import http from 'node:http';
import https from 'node:https';

export interface PostResult {
  statusCode: number | null;
  /** The first KiB of the answer, for the delivery log. */
  excerpt: string | null;
  error: string | null;
  durationMs: number;
}

const EXCERPT_BYTES = 1024;

/**
 * One POST with a hard timeout. Redirects are not followed (a receiver that moved must
 * be updated by the merchant, and a redirect could point anywhere). Never throws.
 */
export function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  opts: { timeoutMs: number; agent: http.Agent },
): Promise<PostResult> {
  const started = performance.now();
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: Omit<PostResult, 'durationMs'>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ ...r, durationMs: Math.round(performance.now() - started) });
    };
    const req = lib.request(
      url,
      {
        method: 'POST',
        agent: opts.agent,
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < EXCERPT_BYTES) chunks.push(c);
          size += c.length;
          if (size >= EXCERPT_BYTES) res.destroy();
        });
        const end = () =>
          finish({
            statusCode: res.statusCode ?? null,
            excerpt: Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8'),
            error: null,
          });
        res.on('end', end);
        res.on('close', end);
        res.on('error', end);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ statusCode: null, excerpt: null, error: e.message || e.code || 'request failed' }));
    req.end(body);
  });
}
