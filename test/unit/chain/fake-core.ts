import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP JSON-RPC server answering in Bitcoin Core's exact shapes (legacy JSON-RPC
 * 1.0, which is what the bitcoin-core client speaks):
 * - success: 200, application/json, `{"result":…,"error":null,"id":…}` and a newline;
 * - error: 500 (404 for -32601), the same envelope with `"result":null` and `"error":{code,message}`;
 * - batch: 200 and an array of those envelopes, errors in place;
 * - 401/403: an empty text/html body (libevent's default type); 401 with WWW-Authenticate.
 */

export type Reply =
  | { result: unknown }
  | { error: { code: number; message: string } }
  /** Any other HTTP answer, e.g. 401, 403, 503 "Work queue depth exceeded", or junk with 200. */
  | { http: number; body?: string; contentType?: string }
  /** Never answer (for timeouts). */
  | { hang: true };

export interface Call {
  method: string;
  params: unknown[];
}

export type Handler = (call: Call) => Reply;

const HTML = 'text/html; charset=ISO-8859-1';

export class FakeCore {
  /** Every JSON-RPC call that passed authentication, batch entries included. */
  readonly calls: Call[] = [];
  /** Size of every batch request that passed authentication. */
  readonly batches: number[] = [];
  /** Every HTTP request, including refused ones. */
  httpRequests = 0;
  /** Basic credentials expected; null accepts anything. */
  credentials: { user: string; password: string } | null = null;
  handlers: Record<string, Handler> = {};
  /** Answers every HTTP request before authentication when set. */
  override: (() => Reply | null) | null = null;
  private server: http.Server | null = null;

  port = 0;

  async start(port = 0): Promise<number> {
    this.server = http.createServer((req, res) => this.serve(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.httpRequests++;
      const early = this.override?.() ?? null;
      if (early) return this.sendRaw(res, early);
      if (!this.authorized(req.headers.authorization)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="jsonrpc"', 'Content-Type': HTML });
        res.end();
        return;
      }
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (Array.isArray(body)) {
        this.batches.push(body.length);
        const replies = body.map((r: { id: unknown; method: string; params: unknown[] }) => this.envelope(r.id, this.answer(r)));
        return this.sendJson(res, 200, replies);
      }
      const r = body as { id: unknown; method: string; params: unknown[] };
      const reply = this.answer(r);
      if ('hang' in reply) return;
      if ('http' in reply) return this.sendRaw(res, reply);
      const status = 'error' in reply ? (reply.error.code === -32601 ? 404 : 500) : 200;
      this.sendJson(res, status, this.envelope(r.id, reply));
    });
  }

  private answer(r: { method: string; params: unknown[] }): Reply {
    const call = { method: r.method, params: r.params };
    this.calls.push(call);
    const handler = this.handlers[r.method];
    return handler ? handler(call) : { error: { code: -32601, message: 'Method not found' } };
  }

  private envelope(id: unknown, reply: Reply): unknown {
    if ('error' in reply) return { result: null, error: reply.error, id };
    if ('result' in reply) return { result: reply.result, error: null, id };
    throw new Error('a batch entry must be a result or an error');
  }

  private authorized(header: string | undefined): boolean {
    if (!this.credentials) return true;
    const expected = Buffer.from(`${this.credentials.user}:${this.credentials.password}`).toString('base64');
    return header === `Basic ${expected}`;
  }

  private sendJson(res: http.ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(`${JSON.stringify(value)}\n`);
  }

  private sendRaw(res: http.ServerResponse, reply: Reply): void {
    if ('hang' in reply) return;
    if (!('http' in reply)) throw new Error('override must answer with http or hang');
    res.writeHead(reply.http, { 'Content-Type': reply.contentType ?? HTML });
    res.end(reply.body ?? '');
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
