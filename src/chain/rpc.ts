import { setTimeout as sleep } from 'node:timers/promises';
import Client from 'bitcoin-core';
import { TillError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { BlockchainInfo, BlockHeader, MempoolInfo, NodeApi, ZmqNotification } from './node-api.js';
import { readCookieFile, type RpcCredentials } from './rpc-cookie.js';
import {
  RPC_INVALID_PARAMETER,
  RPC_METHOD_NOT_FOUND,
  RPC_MISC_ERROR,
  RPC_NOT_FOUND,
  badResponse,
  classifyRpcFailure,
  describeRpcFailure,
  isTransient,
  passwordWithoutUser,
  rpcAddress,
  type RpcContext,
  type RpcFailure,
} from './rpc-errors.js';
import {
  hexToBuffer, toBlockHeader, toBlockchainInfo, toHash, toHashList, toMempoolEntryTime, toMempoolInfo, toZmqNotifications,
} from './rpc-shapes.js';

export interface CoreRpcOptions {
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** Core's `.cookie`; when set it wins over user/password, and is re-read after a 401. */
  cookieFile?: string;
  /** Per request, connect and idle read. Default 30 s: a 4 MB getblock on a Raspberry Pi takes a while. */
  timeoutMs?: number;
  log?: Pick<Logger, 'debug' | 'info' | 'warn'>;
  /** getRawTransactions' default chunk. */
  batchSize?: number;
  /** Retries inside one call while the node warms up (-28) or its work queue is full (HTTP 503). */
  warmupRetries?: number;
  /** First retry delay; doubles each time, capped at 5 s. */
  warmupBackoffMs?: number;
}

/** What `checkNode` found; IBD is reported, not refused: the caller warns. */
export interface NodeReport {
  chain: string;
  blocks: number;
  headers: number;
  bestBlockHash: string;
  initialBlockDownload: boolean;
  pruned: boolean;
  pruneHeight?: number;
  zmq: ZmqNotification[];
}

type NullWhen = (f: Extract<RpcFailure, { kind: 'rpc' }>) => boolean;
const never: NullWhen = () => false;

/** bitcoin-core logs every request and reply at debug through this; raw blocks have no place in Till's log. */
const quietLogger = { debug: () => undefined };

/**
 * NodeApi over Bitcoin Core's JSON-RPC, through the `bitcoin-core` client: its batch call
 * (an array of `{ method, parameters }`) returns one entry per request, an RpcError object
 * for a failed one, in request order (Core answers a batch in order), so no hand-written
 * HTTP is needed. Positional parameters only: Core-derived daemons may lack named ones.
 */
export class CoreRpc implements NodeApi {
  private readonly host: string;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly warmupRetries: number;
  private readonly warmupBackoffMs: number;
  private readonly log: Pick<Logger, 'debug' | 'info' | 'warn'> | undefined;
  private readonly cookieFile: string | undefined;
  private readonly staticCredentials: RpcCredentials | null;
  private client: Client | null = null;

  constructor(opts: CoreRpcOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.batchSize = opts.batchSize ?? 500;
    this.warmupRetries = opts.warmupRetries ?? 5;
    this.warmupBackoffMs = opts.warmupBackoffMs ?? 500;
    this.log = opts.log;
    this.cookieFile = opts.cookieFile || undefined;
    this.staticCredentials =
      opts.user || opts.password ? { user: opts.user ?? '', password: opts.password ?? '' } : null;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  }

  async getBlockchainInfo(): Promise<BlockchainInfo> {
    const r = await this.call('getblockchaininfo', []);
    return this.shaped('getblockchaininfo', toBlockchainInfo(r), 'an unexpected getblockchaininfo object');
  }

  async getBestBlockHash(): Promise<string> {
    const r = await this.call('getbestblockhash', []);
    return this.shaped('getbestblockhash', toHash(r), 'something other than a block hash');
  }

  async getBlockHash(height: number): Promise<string | null> {
    const r = await this.call('getblockhash', [height], (f) => f.code === RPC_INVALID_PARAMETER);
    return r === null ? null : this.shaped('getblockhash', toHash(r), 'something other than a block hash');
  }

  async getBlockHeader(hash: string): Promise<BlockHeader | null> {
    const r = await this.call('getblockheader', [hash, true], (f) => f.code === RPC_NOT_FOUND);
    return r === null ? null : this.shaped('getblockheader', toBlockHeader(r), 'an unexpected block header');
  }

  async getBlock(hash: string): Promise<Buffer | null> {
    // -1 is Core's "Block not available (pruned data)" and "Block not found on disk".
    const missing: NullWhen = (f) =>
      f.code === RPC_NOT_FOUND || (f.code === RPC_MISC_ERROR && /pruned|not available|not found on disk/i.test(f.message));
    const r = await this.call('getblock', [hash, 0], missing);
    return r === null ? null : this.shaped('getblock', hexToBuffer(r), 'something other than hex');
  }

  async getRawMempool(): Promise<string[]> {
    const r = await this.call('getrawmempool', [false]);
    return this.shaped('getrawmempool', toHashList(r), 'something other than a list of txids');
  }

  async getRawTransactions(txids: readonly string[], batchSize: number = this.batchSize): Promise<(Buffer | null)[]> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    const out = new Array<Buffer | null>(txids.length);
    for (let start = 0; start < txids.length; start += batchSize) {
      const chunk = txids.slice(start, start + batchSize);
      const txs = await this.batchRawTransactions(chunk);
      for (let i = 0; i < txs.length; i++) out[start + i] = txs[i] ?? null;
    }
    return out;
  }

  async getZmqNotifications(): Promise<ZmqNotification[]> {
    // A node built without ZMQ has no such call: it publishes nothing.
    const r = await this.call('getzmqnotifications', [], (f) => f.code === RPC_METHOD_NOT_FOUND);
    return r === null ? [] : this.shaped('getzmqnotifications', toZmqNotifications(r), 'an unexpected notification list');
  }

  async getMempoolInfo(): Promise<MempoolInfo> {
    const r = await this.call('getmempoolinfo', []);
    return this.shaped('getmempoolinfo', toMempoolInfo(r), 'an unexpected getmempoolinfo object');
  }

  async getMempoolEntryTime(txid: string): Promise<number | null> {
    const r = await this.call('getmempoolentry', [txid], (f) => f.code === RPC_NOT_FOUND);
    return r === null ? null : this.shaped('getmempoolentry', toMempoolEntryTime(r), 'an entry without a time');
  }

  async isUnspent(txid: string, vout: number): Promise<boolean> {
    // JSON null, not an error, when the output is spent or unknown.
    const r = await this.call('gettxout', [txid, vout, true]);
    return r !== null && r !== undefined;
  }

  /** The startup check: the node answers, with these credentials, on the chain Till is set for. */
  async checkNode(expectedChain: string): Promise<NodeReport> {
    const info = await this.getBlockchainInfo();
    if (info.chain !== expectedChain) {
      throw new TillError(
        'node_unavailable',
        `Bitcoin Core is on ${info.chain} but Till is configured for ${expectedChain} (TILL_CHAIN)`,
        { reason: 'wrong_chain' },
      );
    }
    const zmq = await this.getZmqNotifications();
    const report: NodeReport = {
      chain: info.chain,
      blocks: info.blocks,
      headers: info.headers,
      bestBlockHash: info.bestblockhash,
      initialBlockDownload: info.initialblockdownload,
      pruned: info.pruned,
      zmq,
    };
    if (info.pruneheight !== undefined) report.pruneHeight = info.pruneheight;
    return report;
  }

  private async batchRawTransactions(chunk: string[]): Promise<(Buffer | null)[]> {
    const method = 'getrawtransaction';
    const requests = chunk.map((txid) => ({ method, parameters: [txid] }));
    const result = await this.withRetries(method, async (client) => {
      const replies = await client.command<unknown[]>(requests);
      if (!Array.isArray(replies) || replies.length !== chunk.length) {
        throw badResponse(this.context(method), `a batch of ${Array.isArray(replies) ? replies.length : 'no'} replies to ${chunk.length} requests`);
      }
      // A warming-up entry makes the whole chunk retry; any other failed entry but "not found" fails the call.
      const failed = replies.find((r) => r instanceof Error && isTransient(classifyRpcFailure(r)));
      if (failed) throw failed;
      return replies.map((r) => {
        if (r instanceof Error) {
          const f = classifyRpcFailure(r);
          if (f.kind === 'rpc' && f.code === RPC_NOT_FOUND) return null;
          throw r;
        }
        const tx = hexToBuffer(r);
        if (!tx) throw badResponse(this.context(method), 'a transaction that is not hex');
        return tx;
      });
    }, never);
    return result ?? [];
  }

  private async call(method: string, params: unknown[], nullWhen: NullWhen = never): Promise<unknown> {
    return this.withRetries(method, (client) => client.command<unknown>(method, ...params), nullWhen);
  }

  /**
   * One logical call: re-reads the cookie once after a 401 (Core rewrites it on restart),
   * waits out warm-up and a full work queue with a doubling backoff, and turns every other
   * failure into TillError('node_unavailable').
   */
  private async withRetries<T>(method: string, attempt: (client: Client) => Promise<T>, nullWhen: NullWhen): Promise<T | null> {
    if (!this.cookieFile && this.staticCredentials && !this.staticCredentials.user) {
      throw passwordWithoutUser(this.context(method));
    }
    let reauthenticated = false;
    for (let retry = 0; ; retry++) {
      const client = await this.getClient();
      try {
        return await attempt(client);
      } catch (err) {
        if (err instanceof TillError) throw err;
        const f = classifyRpcFailure(err);
        if (f.kind === 'rpc' && nullWhen(f)) return null;
        if (f.kind === 'http' && f.status === 401 && this.cookieFile && !reauthenticated) {
          reauthenticated = true;
          this.client = null;
          this.log?.info({ node: this.address(), cookieFile: this.cookieFile }, 'Bitcoin Core refused the cookie; re-reading it');
          continue;
        }
        if (isTransient(f) && retry < this.warmupRetries) {
          const delay = Math.min(this.warmupBackoffMs * 2 ** retry, 5_000);
          const status = f.kind === 'rpc' ? f.message : 'HTTP 503';
          this.log?.warn({ node: this.address(), method, status, retryInMs: delay }, 'Bitcoin Core is not ready; retrying');
          await sleep(delay);
          continue;
        }
        throw describeRpcFailure(f, this.context(method));
      }
    }
  }

  private shaped<T>(method: string, value: T | undefined, what: string): T {
    if (value === undefined) throw badResponse(this.context(method), what);
    return value;
  }

  private async getClient(): Promise<Client> {
    if (this.client) return this.client;
    const creds = this.cookieFile ? await readCookieFile(this.cookieFile) : this.staticCredentials;
    this.client = new Client({
      host: `http://${rpcAddress(this.host, this.port)}`,
      timeout: this.timeoutMs,
      logger: quietLogger,
      ...(creds ? { username: creds.user, password: creds.password } : {}),
    });
    return this.client;
  }

  private context(method: string): RpcContext {
    const ctx: RpcContext = { host: this.host, port: this.port, method, timeoutMs: this.timeoutMs };
    if (this.cookieFile) ctx.cookieFile = this.cookieFile;
    return ctx;
  }

  private address(): string {
    return rpcAddress(this.host, this.port);
  }
}
