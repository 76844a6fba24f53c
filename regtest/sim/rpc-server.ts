/**
 * Bitcoin Core's JSON-RPC HTTP front door, behaviour for behaviour (httprpc.cpp): POST
 * only, HTTP Basic auth (401 with `WWW-Authenticate: Basic realm="jsonrpc"`, an empty
 * body and a 250 ms pause on a wrong password), JSON-RPC 1.0 replies `{result, error,
 * id}` whose errors travel with HTTP 500 (400 for an invalid request, 404 for an unknown
 * method), JSON-RPC 2.0 replies (HTTP 200), and batches answered as an array with HTTP 200.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { writeJson } from './json.js';

/** Core's RPCErrorCode values the simulator uses. */
export const RPC_ERR = {
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  DESERIALIZATION_ERROR: -22,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  VERIFY_ALREADY_IN_CHAIN: -27,
  IN_WARMUP: -28,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  PARSE_ERROR: -32700,
} as const;

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export type RpcParams = unknown[] | Record<string, unknown>;

export interface RpcDispatcher {
  /** Runs one call; throws RpcError for a Core-style error. */
  call(method: string, params: RpcParams): unknown;
}

export interface RpcServerOptions {
  host: string;
  /** 0: any free port (the first start); restarts reuse the port it got. */
  port: number;
  user: string;
  password: string;
  dispatcher: RpcDispatcher;
  /** Core sleeps 250 ms before answering a wrong password. */
  authFailDelayMs?: number;
}

const WWW_AUTHENTICATE = 'Basic realm="jsonrpc"';
/** libevent's default for replies that set none. */
const LIBEVENT_CONTENT_TYPE = 'text/html; charset=ISO-8859-1';
const BIND_RETRY_MS = 50;
const BIND_TIMEOUT_MS = 10_000;

type JsonVersion = 1 | 2;

interface ParsedRequest {
  id: unknown;
  hasId: boolean;
  version: JsonVersion;
  method: string;
  params: RpcParams;
}

export class RpcServer {
  port: number;
  /** Extra delay before every reply (a slow node). */
  latencyMs = 0;
  private server: Server | undefined;
  private readonly expectedAuth: Buffer;

  constructor(private readonly opts: RpcServerOptions) {
    this.port = opts.port;
    this.expectedAuth = Buffer.from(`${opts.user}:${opts.password}`);
  }

  get listening(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer((req, res) => {
      void this.handle(req, res);
    });
    server.keepAliveTimeout = 30_000;
    const deadline = Date.now() + BIND_TIMEOUT_MS;
    for (;;) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(this.port, this.opts.host, () => {
            server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, BIND_RETRY_MS));
      }
    }
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and cuts every open connection (the node is gone). */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path !== '/' && !path.startsWith('/wallet/')) return plain(res, 404, '');
    if (req.method !== 'POST') return plain(res, 405, 'JSONRPC server handles only POST requests');
    const auth = req.headers.authorization;
    if (auth === undefined) return unauthorized(res);
    if (!this.authorized(auth)) {
      await sleep(this.opts.authFailDelayMs ?? 250);
      return unauthorized(res);
    }
    const { status, body } = this.process(Buffer.concat(chunks).toString('utf8'));
    if (body === undefined) return plain(res, status, '');
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  private authorized(header: string): boolean {
    if (!header.startsWith('Basic ')) return false;
    const given = Buffer.from(header.slice(6).trim(), 'base64');
    return given.length === this.expectedAuth.length && timingSafeEqual(given, this.expectedAuth);
  }

  private process(text: string): { status: number; body?: string } {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return errorReply(RPC_ERR.PARSE_ERROR, 'Parse error', undefined);
    }
    if (Array.isArray(request)) {
      const replies: unknown[] = [];
      for (const item of request) {
        let parsed: ParsedRequest | undefined;
        try {
          parsed = parseRequest(item);
          const reply = this.execute(parsed, true);
          if (!(parsed.version === 2 && !parsed.hasId)) replies.push(reply);
        } catch (err) {
          const e = asRpcError(err);
          replies.push(replyObject(null, { code: e.code, message: e.message }, parsed ?? idOf(item)));
        }
      }
      if (replies.length === 0 && request.length > 0) return { status: 204 };
      return { status: 200, body: `${writeJson(replies)}\n` };
    }
    if (request === null || typeof request !== 'object') {
      return errorReply(RPC_ERR.PARSE_ERROR, 'Top-level object parse error', undefined);
    }
    let parsed: ParsedRequest | undefined;
    try {
      parsed = parseRequest(request);
      // 1.0: a failed call is an HTTP error; 2.0: HTTP 200 with the error inside.
      const reply = this.execute(parsed, parsed.version === 2);
      if (parsed.version === 2 && !parsed.hasId) return { status: 204 };
      return { status: 200, body: `${writeJson(reply)}\n` };
    } catch (err) {
      const e = asRpcError(err);
      return errorReply(e.code, e.message, parsed ?? idOf(request));
    }
  }

  private execute(req: ParsedRequest, catchErrors: boolean): unknown {
    try {
      const result = this.opts.dispatcher.call(req.method, req.params);
      return replyObject(result, null, req);
    } catch (err) {
      if (!catchErrors) throw err;
      const e = asRpcError(err);
      return replyObject(null, { code: e.code, message: e.message }, req);
    }
  }
}

function parseRequest(value: unknown): ParsedRequest {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new RpcError(RPC_ERR.INVALID_REQUEST, 'Invalid Request object');
  const obj = value as Record<string, unknown>;
  const hasId = 'id' in obj;
  let version: JsonVersion = 1;
  if (obj.jsonrpc !== undefined && obj.jsonrpc !== null) {
    if (typeof obj.jsonrpc !== 'string') throw new RpcError(RPC_ERR.INVALID_REQUEST, 'jsonrpc field must be a string');
    if (obj.jsonrpc === '2.0') version = 2;
    else if (obj.jsonrpc !== '1.0') throw new RpcError(RPC_ERR.INVALID_REQUEST, 'JSON-RPC version not supported');
  }
  if (obj.method === undefined || obj.method === null) throw new RpcError(RPC_ERR.INVALID_REQUEST, 'Missing method');
  if (typeof obj.method !== 'string') throw new RpcError(RPC_ERR.INVALID_REQUEST, 'Method must be a string');
  let params: RpcParams;
  if (Array.isArray(obj.params)) params = obj.params;
  else if (obj.params !== null && typeof obj.params === 'object') params = obj.params as Record<string, unknown>;
  else if (obj.params === undefined || obj.params === null) params = [];
  else throw new RpcError(RPC_ERR.INVALID_REQUEST, 'Params must be an array or object');
  return { id: obj.id, hasId, version, method: obj.method, params };
}

function idOf(value: unknown): Pick<ParsedRequest, 'id' | 'hasId' | 'version'> {
  const obj = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  return { id: obj.id, hasId: 'id' in obj, version: obj.jsonrpc === '2.0' ? 2 : 1 };
}

/** Core's JSONRPCReplyObj: 1.0 always has result and error; 2.0 has one of them. */
function replyObject(result: unknown, error: { code: number; message: string } | null, req: Pick<ParsedRequest, 'id' | 'hasId' | 'version'>): Record<string, unknown> {
  const reply: Record<string, unknown> = {};
  if (req.version === 2) reply.jsonrpc = '2.0';
  if (error === null) {
    reply.result = result ?? null;
    if (req.version === 1) reply.error = null;
  } else {
    if (req.version === 1) reply.result = null;
    reply.error = error;
  }
  if (req.hasId) reply.id = req.id ?? null;
  return reply;
}

function errorReply(code: number, message: string, req: Pick<ParsedRequest, 'id' | 'hasId' | 'version'> | undefined): { status: number; body: string } {
  const status = code === RPC_ERR.INVALID_REQUEST ? 400 : code === RPC_ERR.METHOD_NOT_FOUND ? 404 : 500;
  const body = replyObject(null, { code, message }, req ?? { id: null, hasId: false, version: 1 });
  return { status, body: `${writeJson(body)}\n` };
}

function asRpcError(err: unknown): RpcError {
  if (err instanceof RpcError) return err;
  return new RpcError(RPC_ERR.MISC_ERROR, err instanceof Error ? err.message : String(err));
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': LIBEVENT_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function unauthorized(res: ServerResponse): void {
  res.writeHead(401, { 'WWW-Authenticate': WWW_AUTHENTICATE, 'Content-Type': LIBEVENT_CONTENT_TYPE, 'Content-Length': 0 });
  res.end();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
