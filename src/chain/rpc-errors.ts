import { TillError } from '../domain/errors.js';

/** Why a call to Bitcoin Core failed; carried in `TillError.details.reason` for /health and the watcher. */
export type RpcFailureReason =
  | 'refused'
  | 'unreachable'
  | 'timeout'
  | 'closed'
  | 'unauthorized'
  | 'forbidden'
  | 'busy'
  | 'warming_up'
  | 'http_error'
  | 'rpc_error'
  | 'bad_response'
  | 'cookie'
  | 'wrong_chain';

export interface RpcFailureDetails {
  reason: RpcFailureReason;
  method?: string;
  rpcCode?: number;
  httpStatus?: number;
}

/** What one failed call looked like on the wire, before it is worded for the operator. */
export type RpcFailure =
  /** Core answered with a JSON-RPC error object (HTTP 500/404 with a JSON body, or a batch entry). */
  | { kind: 'rpc'; code: number; message: string }
  /** An HTTP error without a JSON-RPC body: 401 and 403 have an empty body, 503 a short text. */
  | { kind: 'http'; status: number }
  /** No HTTP answer at all. `code` is Node's (ECONNREFUSED, ETIMEDOUT, ...). */
  | { kind: 'network'; code: string; connect: boolean }
  | { kind: 'bad_response' };

/** RPC_IN_WARMUP: "Client still warming up" — the node is loading its block index. */
export const RPC_IN_WARMUP = -28;
/** RPC_INVALID_ADDRESS_OR_KEY: Core's "not found" for blocks and mempool transactions. */
export const RPC_NOT_FOUND = -5;
/** RPC_INVALID_PARAMETER: getblockhash's "Block height out of range". */
export const RPC_INVALID_PARAMETER = -8;
/** RPC_MISC_ERROR: getblock's "Block not available (pruned data)". */
export const RPC_MISC_ERROR = -1;
export const RPC_METHOD_NOT_FOUND = -32601;

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const UNRESOLVED_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN']);

/**
 * Sorts what the bitcoin-core client threw. Its RpcError carries a number: negative is
 * Core's JSON-RPC code, positive is the HTTP status of a reply without a JSON body. Node's
 * socket errors carry a string code. json-bigint throws a plain `{ name: 'SyntaxError' }`
 * object whose `text` is the whole reply: it is never kept.
 */
export function classifyRpcFailure(err: unknown): RpcFailure {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; message?: unknown; connect?: unknown; name?: unknown };
    if (typeof e.code === 'number') {
      if (e.code < 0) return { kind: 'rpc', code: e.code, message: typeof e.message === 'string' ? e.message : '' };
      if (e.code >= 100 && e.code < 600) return { kind: 'http', status: e.code };
    }
    if (typeof e.code === 'string' && /^E[A-Z_]+$/.test(e.code)) {
      return { kind: 'network', code: e.code, connect: e.connect === true };
    }
  }
  return { kind: 'bad_response' };
}

/** Failures worth retrying inside one call: the node is starting, or its RPC work queue is full. */
export function isTransient(f: RpcFailure): boolean {
  return (f.kind === 'rpc' && f.code === RPC_IN_WARMUP) || (f.kind === 'http' && f.status === 503);
}

export interface RpcContext {
  host: string;
  port: number;
  method: string;
  timeoutMs: number;
  cookieFile?: string;
}

export function rpcAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

function nodeError(message: string, details: RpcFailureDetails): TillError {
  return new TillError('node_unavailable', message, details);
}

/** One sentence an operator can act on. Never includes credentials: none are in scope here. */
export function describeRpcFailure(f: RpcFailure, ctx: RpcContext): TillError {
  const at = rpcAddress(ctx.host, ctx.port);
  const { method } = ctx;
  switch (f.kind) {
    case 'network': {
      if (f.code === 'ECONNREFUSED') {
        return nodeError(`no Bitcoin Core answers at ${at} — is it running, and is rpcbind/rpcallowip set?`, { reason: 'refused', method });
      }
      if (TIMEOUT_CODES.has(f.code)) {
        const s = ctx.timeoutMs / 1000;
        return f.connect
          ? nodeError(`Bitcoin Core at ${at} did not accept a connection within ${s} s — are TILL_RPC_HOST and TILL_RPC_PORT right and the port open?`, { reason: 'timeout', method })
          : nodeError(`Bitcoin Core at ${at} did not answer ${method} within ${s} s — the node may be overloaded`, { reason: 'timeout', method });
      }
      if (UNRESOLVED_CODES.has(f.code)) {
        return nodeError(`cannot resolve the Bitcoin Core host "${ctx.host}" (TILL_RPC_HOST)`, { reason: 'unreachable', method });
      }
      if (UNREACHABLE_CODES.has(f.code)) {
        return nodeError(`cannot reach Bitcoin Core at ${at}: no route to the host (TILL_RPC_HOST)`, { reason: 'unreachable', method });
      }
      return nodeError(`Bitcoin Core at ${at} closed the connection without answering ${method} (${f.code}) — is TILL_RPC_PORT its RPC port?`, { reason: 'closed', method });
    }
    case 'http': {
      if (f.status === 401) {
        const using = ctx.cookieFile ? ` (using the cookie file ${ctx.cookieFile})` : '';
        return nodeError(`Bitcoin Core refused the RPC credentials: check TILL_RPC_USER/TILL_RPC_PASSWORD or TILL_RPC_COOKIE_FILE${using}`, { reason: 'unauthorized', method, httpStatus: 401 });
      }
      if (f.status === 403) {
        return nodeError(`Bitcoin Core at ${at} refused this client (HTTP 403): allow Till's address with rpcallowip in bitcoin.conf`, { reason: 'forbidden', method, httpStatus: 403 });
      }
      if (f.status === 503) {
        return nodeError(`Bitcoin Core at ${at} is too busy to answer ${method} (HTTP 503, RPC work queue full): retry later or raise rpcworkqueue`, { reason: 'busy', method, httpStatus: 503 });
      }
      return nodeError(`Bitcoin Core at ${at} answered ${method} with HTTP ${f.status} — is TILL_RPC_PORT its RPC port?`, { reason: 'http_error', method, httpStatus: f.status });
    }
    case 'rpc': {
      if (f.code === RPC_IN_WARMUP) {
        return nodeError(`Bitcoin Core at ${at} is still starting (${f.message || 'warming up'}) — retry in a moment`, { reason: 'warming_up', method, rpcCode: f.code });
      }
      return nodeError(`Bitcoin Core at ${at} rejected ${method}: ${f.message} (RPC error ${f.code})`, { reason: 'rpc_error', method, rpcCode: f.code });
    }
    case 'bad_response':
      return badResponse(ctx, 'a reply that is not JSON-RPC');
  }
}

/**
 * Credentials Till cannot send: a password without a user. Core's HTTP Basic auth takes
 * both (rpcuser/rpcpassword, or an rpcauth line's user), and the client refuses to send
 * a password alone, before any connection: said as it is, not as whatever the port does.
 */
export function passwordWithoutUser(ctx: RpcContext): TillError {
  return nodeError(
    `TILL_RPC_PASSWORD is set but TILL_RPC_USER is empty: Bitcoin Core needs both (its rpcuser, or the user of its rpcauth line), or set TILL_RPC_COOKIE_FILE instead`,
    { reason: 'unauthorized', method: ctx.method },
  );
}

export function badResponse(ctx: RpcContext, what: string): TillError {
  return nodeError(
    `Bitcoin Core at ${rpcAddress(ctx.host, ctx.port)} answered ${ctx.method} with ${what} — is TILL_RPC_PORT its RPC port?`,
    { reason: 'bad_response', method: ctx.method },
  );
}
