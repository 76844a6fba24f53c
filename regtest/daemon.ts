/**
 * Plumbing shared by the real-daemon regtest nodes (bitcoind, litecoind): a fresh datadir
 * and free ports per node, a small JSON-RPC client, start/stop/restart of the process,
 * cleanup that survives a failed test, and one wallet-driven RegtestNode over Core's RPC.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse as parseLosslessJson } from 'lossless-json';
import { TillError } from '../src/domain/errors.js';
import { formatBtc, parseSats } from '../src/domain/money.js';
import type { Capabilities, NodeKind, PayOptions, RegtestNode, ReplaceOptions, RpcEndpoint, ZmqEndpoints } from './node.js';

// ---------------------------------------------------------------------------
// JSON-RPC

/** A JSON-RPC error object from the daemon (`code` is Core's RPC error code). */
export class RpcError extends Error {
  readonly code: number;
  readonly method: string;

  constructor(method: string, code: number, message: string) {
    super(`${method}: ${message} (code ${code})`);
    this.name = 'RpcError';
    this.method = method;
    this.code = code;
  }
}

/** Core's RPC_IN_WARMUP: the node is still loading. */
export const RPC_IN_WARMUP = -28;
/** Core's RPC_INVALID_ADDRESS_OR_KEY: also "not in the mempool" / "block not found". */
export const RPC_NOT_FOUND = -5;

export type RpcParams = unknown[] | Record<string, unknown>;

/**
 * Integers that fit a JS number come back as numbers; every other number (amounts such as
 * 0.00001410, difficulties) comes back as its exact JSON text, so nothing is ever rounded.
 */
function parseRpcNumber(text: string): number | string {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}

/**
 * Just enough JSON-RPC for the harness: one HTTP connection per call (no keep-alive, so a
 * daemon that stops or restarts never meets a stale socket), named or positional params,
 * wallet calls under /wallet/<name>.
 */
export class JsonRpcClient {
  private nextId = 0;

  constructor(
    readonly endpoint: RpcEndpoint,
    private readonly timeoutMs = 60_000,
  ) {}

  call<T = unknown>(method: string, params: RpcParams = [], opts: { wallet?: string } = {}): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '1.0', id: ++this.nextId, method, params });
    const urlPath = opts.wallet === undefined ? '/' : `/wallet/${encodeURIComponent(opts.wallet)}`;
    const auth = Buffer.from(`${this.endpoint.user}:${this.endpoint.password}`).toString('base64');
    return new Promise<T>((resolve, reject) => {
      const req = http.request(
        {
          host: this.endpoint.host,
          port: this.endpoint.port,
          path: urlPath,
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Basic ${auth}`,
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = parseLosslessJson(text, null, parseRpcNumber);
            } catch {
              reject(new Error(`${method}: HTTP ${res.statusCode ?? '?'} with a non-JSON body: ${text.slice(0, 200)}`));
              return;
            }
            const reply = parsed as { result?: unknown; error?: { code?: unknown; message?: unknown } | null };
            if (reply.error !== null && reply.error !== undefined) {
              reject(new RpcError(method, Number(reply.error.code), String(reply.error.message)));
              return;
            }
            resolve(reply.result as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The exact satoshis of an amount the daemon printed (a JSON number kept as text). */
export function satsFromRpc(value: unknown, field = 'amount'): bigint {
  return parseSats(typeof value === 'number' ? String(value) : value, field, { allowNegative: true });
}

/** "0.00123456" from 123456n: the amount argument for sendtoaddress and friends, never a float. */
export function rpcAmount(sats: bigint): string {
  return formatBtc(sats);
}

// ---------------------------------------------------------------------------
// Processes, ports, datadirs

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port the OS picked'));
      });
    });
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Resolves `name` the way a shell would: a path is taken as is, a bare name is looked up in PATH. */
export function findExecutable(name: string, envPath: string | undefined): string | undefined {
  const candidates = name.includes('/') ? [name] : (envPath ?? '').split(path.delimiter).filter((d) => d !== '').map((d) => path.join(d, name));
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const STDERR_TAIL_BYTES = 4096;
const CLEANUP_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

export interface DaemonOptions {
  /** Executable path (`/usr/bin/litecoind`). */
  binary: string;
  /** Short name for temp dirs and messages. */
  label: string;
  /** Arguments beyond the common ones (ZMQ endpoints, policy switches). */
  extraArgs?: readonly string[];
  /** How long start/restart may take until RPC answers. Default 60 s. */
  startTimeoutMs?: number;
  /** How long `stop` may take before the process is killed. Default 30 s. */
  stopTimeoutMs?: number;
}

/**
 * One Core-derived daemon on regtest in its own temp datadir. The process is killed and
 * the datadir removed when this Node process exits or is terminated, whatever the tests did.
 */
export class Daemon {
  readonly rpc: JsonRpcClient;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderrTail = '';
  private spawnFailed = false;
  private closed = false;
  private readonly onExit = (): void => this.cleanupSync();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    process.removeListener(signal, this.onSignal);
    this.cleanupSync();
    // A listener suppresses the default "terminate"; the last daemon to clean up restores it.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  private constructor(
    readonly options: DaemonOptions,
    readonly datadir: string,
    readonly endpoint: RpcEndpoint,
    readonly p2pPort: number,
  ) {
    this.rpc = new JsonRpcClient(endpoint);
  }

  /** Starts on a fresh datadir; retries with new ports if one was taken in the meantime. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const datadir = fs.mkdtempSync(path.join(os.tmpdir(), `till-${options.label}-`));
      const [rpcPort, p2pPort] = (await freePorts(2)) as [number, number];
      const endpoint: RpcEndpoint = { host: '127.0.0.1', port: rpcPort, user: 'till', password: randomBytes(18).toString('hex') };
      const daemon = new Daemon(options, datadir, endpoint, p2pPort);
      daemon.registerCleanup();
      try {
        await daemon.launch();
        return daemon;
      } catch (err) {
        lastError = err;
        await daemon.close();
        if (!/bind|address already in use/i.test(String(err))) break;
      }
    }
    throw lastError;
  }

  /** The daemon's process id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.child;
    return child !== undefined && !this.spawnFailed && child.exitCode === null && child.signalCode === null;
  }

  /** Stops the process (RPC `stop`, then waits; kills it if it hangs) and starts it again on the same datadir and ports. */
  async restart(): Promise<void> {
    if (this.closed) throw new Error(`${this.options.label} is closed`);
    await this.stop();
    await this.launch();
  }

  /** Stops the process; the datadir stays. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    try {
      await this.rpc.call('stop');
    } catch {
      child.kill('SIGTERM');
    }
    const timeout = this.options.stopTimeoutMs ?? 30_000;
    if (!(await this.waitForExit(timeout))) {
      child.kill('SIGKILL');
      await this.waitForExit(5_000);
    }
  }

  /** Stops the process and removes the datadir. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.stop();
    } finally {
      this.closed = true;
      this.cleanupSync();
      process.removeListener('exit', this.onExit);
      for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, this.onSignal);
    }
  }

  /** The last lines of debug.log, for error messages. */
  logTail(lines = 20): string {
    try {
      const text = fs.readFileSync(path.join(this.datadir, 'regtest', 'debug.log'), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  private args(): string[] {
    const { endpoint } = this;
    return [
      '-regtest',
      `-datadir=${this.datadir}`,
      '-server',
      '-rpcbind=127.0.0.1',
      '-rpcallowip=127.0.0.1',
      `-rpcport=${endpoint.port}`,
      `-port=${this.p2pPort}`,
      '-listen=0',
      '-connect=0',
      `-rpcuser=${endpoint.user}`,
      `-rpcpassword=${endpoint.password}`,
      '-fallbackfee=0.0001',
      '-txindex=0',
      '-printtoconsole=0',
      ...(this.options.extraArgs ?? []),
    ];
  }

  private async launch(): Promise<void> {
    this.stderrTail = '';
    this.spawnFailed = false;
    const child = spawn(this.options.binary, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      // A binary that cannot be executed emits 'error' and never 'exit'.
      child.once('error', (err) => {
        this.spawnFailed = true;
        this.stderrTail += `\n${err.message}`;
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
    });
    try {
      await this.waitForRpc();
    } catch (err) {
      if (this.running) {
        child.kill('SIGKILL');
        await this.waitForExit(5_000);
      }
      throw err;
    }
  }

  private async waitForRpc(): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    const label = this.options.label;
    for (;;) {
      if (!this.running) {
        await this.waitForExit(1_000);
        const code = this.child?.exitCode ?? this.child?.signalCode ?? 'spawn failure';
        throw new Error(`${label} exited during startup (${String(code)}): ${this.stderrTail.trim()}\n${this.logTail()}`);
      }
      if (Date.now() > deadline) throw new Error(`${label}'s RPC did not answer in time\n${this.logTail()}`);
      try {
        // The mempool is loaded from mempool.dat after RPC warmup ends; wait for that too.
        const info = await this.rpc.call<{ loaded?: boolean }>('getmempoolinfo');
        if (info.loaded !== false) return;
      } catch (err) {
        const retry = (err instanceof RpcError && err.code === RPC_IN_WARMUP) || (!(err instanceof RpcError) && isConnectionError(err));
        if (!retry) throw err;
      }
      await sleep(100);
    }
  }

  private async waitForExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const done = await Promise.race([this.exited.then(() => true as const), timedOut]);
    clearTimeout(timer);
    return done;
  }

  private registerCleanup(): void {
    process.on('exit', this.onExit);
    for (const signal of CLEANUP_SIGNALS) process.on(signal, this.onSignal);
  }

  private cleanupSync(): void {
    if (this.running) this.child?.kill('SIGKILL');
    fs.rmSync(this.datadir, { recursive: true, force: true });
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'ETIMEDOUT';
}

// ---------------------------------------------------------------------------
// The wallet-driven RegtestNode over Core's RPC

export interface CoreNodeOptions {
  kind: Exclude<NodeKind, 'sim'>;
  binary: string;
  caps: Capabilities;
  /** Per start attempt: extra daemon arguments and the ZMQ endpoints they publish on. */
  extraArgs: readonly string[];
  zmq: ZmqEndpoints;
  /** Till's bcrt1 address in the daemon's own encoding (litecoind: rltc1, same witness program). */
  toNodeAddress(address: string): string;
  startTimeoutMs?: number;
}

const WALLET = 'till-harness';
/** Coinbase outputs mature after 100 blocks: 101 gives the wallet one spendable coinbase. */
const MATURITY_BLOCKS = 101;
/** The first coinbase split into this many confirmed coins, so long unconfirmed chains are never needed. */
const FUNDING_COINS = 20;
const FUNDING_COIN_SATS = 100_000_000n;
/** A fee delta no transaction can overcome: its package never makes it into a block template. */
const EXCLUDE_DELTA_SATS = 1_000_000_000_000;
/** BIP125: nSequence below 0xfffffffe signals replaceability. */
const RBF_SEQUENCE = 0xfffffffd;
const DUST_SATS = 1_000n;

interface MempoolEntry {
  vsize: number;
  fees: { base: string | number };
}

interface VerboseTx {
  txid: string;
  vin: { txid?: string; vout?: number; coinbase?: string }[];
  vout: { value: string | number; n: number }[];
}

/**
 * Starts the daemon, creates a wallet (loaded again on every restart) and gives it coins:
 * 101 blocks, then the first mature coinbase split into 20 confirmed coins (one more block).
 * The chain stays short on purpose (litecoind's MWEB deployment; see DESIGN.md).
 */
export async function startCoreNode(options: CoreNodeOptions): Promise<RegtestNode> {
  const daemon = await Daemon.start({
    binary: options.binary,
    label: options.kind,
    // Core pre-generates 1000 keys per keychain by default: seconds per wallet, for nothing here.
    extraArgs: ['-keypool=10', ...options.extraArgs],
    startTimeoutMs: options.startTimeoutMs,
  });
  try {
    const node = new CoreNode(options, daemon);
    await node.init();
    return node;
  } catch (err) {
    await daemon.close();
    throw err;
  }
}

class CoreNode implements RegtestNode {
  readonly kind: Exclude<NodeKind, 'sim'>;
  readonly caps: Capabilities;
  readonly rpc: RpcEndpoint;
  readonly zmq: ZmqEndpoints;
  private miningAddress = '';

  constructor(
    private readonly options: CoreNodeOptions,
    private readonly daemon: Daemon,
  ) {
    this.kind = options.kind;
    this.caps = options.caps;
    this.rpc = daemon.endpoint;
    this.zmq = options.zmq;
  }

  async init(): Promise<void> {
    await this.call('createwallet', { wallet_name: WALLET, load_on_startup: true });
    this.miningAddress = await this.wallet<string>('getnewaddress');
    await this.call('generatetoaddress', [MATURITY_BLOCKS, this.miningAddress]);
    const amounts: Record<string, string> = {};
    for (let i = 0; i < FUNDING_COINS; i++) amounts[await this.wallet<string>('getnewaddress')] = rpcAmount(FUNDING_COIN_SATS);
    await this.wallet('sendmany', { dummy: '', amounts });
    await this.call('generatetoaddress', [1, this.miningAddress]);
  }

  async pay(address: string, sats: bigint, opts: PayOptions = {}): Promise<string> {
    const txid = await this.wallet<string>('sendtoaddress', {
      address: this.options.toNodeAddress(address),
      amount: rpcAmount(sats),
      replaceable: opts.replaceable ?? true,
    });
    await this.expectInMempool(txid, 'sendtoaddress');
    return txid;
  }

  async payMany(outputs: { address: string; sats: bigint }[], opts: PayOptions = {}): Promise<string> {
    const amounts: Record<string, string> = {};
    for (const { address, sats } of outputs) {
      const nodeAddress = this.options.toNodeAddress(address);
      if (nodeAddress in amounts) throw new TillError('validation_failed', `payMany: ${address} appears twice (sendmany pays each address once)`);
      amounts[nodeAddress] = rpcAmount(sats);
    }
    const txid = await this.wallet<string>('sendmany', { dummy: '', amounts, replaceable: opts.replaceable ?? true });
    await this.expectInMempool(txid, 'sendmany');
    return txid;
  }

  mine(n = 1): Promise<string[]> {
    return this.call<string[]>('generatetoaddress', [n, this.miningAddress]);
  }

  tipHeight(): Promise<number> {
    return this.call<number>('getblockcount');
  }

  bestBlockHash(): Promise<string> {
    return this.call<string>('getbestblockhash');
  }

  /**
   * `invalidateblock` on the first block to disconnect, then `depth + extra` new blocks
   * (default extra 1, so the new branch is also the longer one). `dropTxs` get a huge
   * negative fee delta (`prioritisetransaction`) while the new branch is mined, which keeps
   * them and their descendants out of block templates; the delta is taken back afterwards,
   * so they stay in the mempool and the next `mine` confirms them.
   */
  async reorg(depth: number, opts: { extra?: number; dropTxs?: string[]; evict?: boolean } = {}): Promise<string[]> {
    const extra = opts.extra ?? 1;
    const dropTxs = opts.dropTxs ?? [];
    if (opts.evict) throw this.cannot('evict');
    const tip = await this.tipHeight();
    if (!Number.isInteger(depth) || depth < 1 || depth > tip) throw new TillError('validation_failed', `reorg depth must be 1..${tip}, got ${depth}`);
    if (!Number.isInteger(extra) || extra < 0) throw new TillError('validation_failed', `reorg extra must be a whole number ≥ 0, got ${extra}`);
    const forkHash = await this.call<string>('getblockhash', [tip - depth + 1]);
    for (const txid of dropTxs) await this.call('prioritisetransaction', [txid, 0, -EXCLUDE_DELTA_SATS]);
    try {
      await this.call('invalidateblock', [forkHash]);
      // A fresh address: a new block can never be byte-identical to the one it replaces.
      const address = await this.wallet<string>('getnewaddress');
      const hashes = await this.call<string[]>('generatetoaddress', [depth + extra, address]);
      if (dropTxs.length > 0) await this.expectNotMined(hashes, dropTxs);
      return hashes;
    } finally {
      for (const txid of dropTxs) await this.call('prioritisetransaction', [txid, 0, EXCLUDE_DELTA_SATS]);
    }
  }

  async invalidateBlock(hash: string): Promise<void> {
    await this.call('invalidateblock', [hash]);
  }

  async reconsiderBlock(hash: string): Promise<void> {
    await this.call('reconsiderblock', [hash]);
  }

  /**
   * Without `outputs`: the wallet's own `bumpfee`. With `outputs`: a new transaction over the
   * same inputs paying those outputs, the rest back to the wallet, at a clearly higher fee.
   */
  async replace(txid: string, opts: ReplaceOptions = {}): Promise<string> {
    if (!this.caps.rbf) throw this.cannot('rbf');
    let replacement: string;
    if (opts.outputs === undefined) {
      replacement = (await this.wallet<{ txid: string }>('bumpfee', [txid])).txid;
    } else {
      replacement = await this.replaceWithOutputs(txid, opts.outputs);
    }
    await this.expectInMempool(replacement, 'replace');
    if (await this.inMempool(txid)) throw new Error(`replace: ${txid} is still in the mempool next to ${replacement}`);
    return replacement;
  }

  evict(_txid: string): Promise<void> {
    return Promise.reject(this.cannot('evict'));
  }

  dropZmq(_topic: 'rawtx' | 'rawblock' | 'hashblock' | 'sequence', _n: number): void {
    throw this.cannot('dropZmq');
  }

  async restart(): Promise<void> {
    await this.daemon.restart();
    const loaded = await this.call<string[]>('listwallets');
    if (!loaded.includes(WALLET)) await this.call('loadwallet', [WALLET]);
  }

  close(): Promise<void> {
    return this.daemon.close();
  }

  private async replaceWithOutputs(txid: string, outputs: { address: string; sats: bigint }[]): Promise<string> {
    const entry = await this.call<MempoolEntry>('getmempoolentry', [txid]);
    const tx = await this.call<VerboseTx>('getrawtransaction', [txid, true]);
    const oldFee = satsFromRpc(entry.fees.base, 'fees.base');
    // Inputs = outputs + fee, so the parents (maybe confirmed, and there is no txindex) are never needed.
    const inputSats = tx.vout.reduce((sum, out) => sum + satsFromRpc(out.value, 'vout.value'), oldFee);
    // Twice the old fee plus a margin: a higher fee rate and enough extra absolute fee for
    // the new size (BIP125 rules 3 and 4) for any replacement of a sensible size.
    const newFee = 2n * oldFee + 2_000n;
    const paid = outputs.reduce((sum, out) => sum + out.sats, 0n);
    const change = inputSats - paid - newFee;
    if (change < 0n) throw new TillError('validation_failed', `replace: the inputs of ${txid} hold ${inputSats} sats, not enough for ${paid} sats plus a ${newFee} sats fee`);
    const rawOutputs: Record<string, string>[] = outputs.map((out) => ({ [this.options.toNodeAddress(out.address)]: rpcAmount(out.sats) }));
    if (change >= DUST_SATS) rawOutputs.push({ [await this.wallet<string>('getrawchangeaddress')]: rpcAmount(change) });
    if (rawOutputs.length === 0) throw new TillError('validation_failed', `replace: nothing left to send once the fee is paid`);
    const inputs = tx.vin.map((vin) => ({ txid: vin.txid, vout: vin.vout, sequence: RBF_SEQUENCE }));
    const unsigned = await this.call<string>('createrawtransaction', [inputs, rawOutputs]);
    const signed = await this.wallet<{ hex: string; complete: boolean; errors?: unknown }>('signrawtransactionwithwallet', [unsigned]);
    if (!signed.complete) throw new Error(`replace: the wallet could not sign the replacement of ${txid}: ${JSON.stringify(signed.errors)}`);
    return this.call<string>('sendrawtransaction', [signed.hex]);
  }

  private async expectNotMined(hashes: string[], txids: string[]): Promise<void> {
    for (const hash of hashes) {
      const block = await this.call<{ tx: string[] }>('getblock', [hash, 1]);
      const mined = txids.filter((txid) => block.tx.includes(txid));
      if (mined.length > 0) throw new Error(`reorg: ${mined.join(', ')} made it into new block ${hash} despite dropTxs`);
    }
  }

  private async inMempool(txid: string): Promise<boolean> {
    try {
      await this.call('getmempoolentry', [txid]);
      return true;
    } catch (err) {
      if (err instanceof RpcError && err.code === RPC_NOT_FOUND) return false;
      throw err;
    }
  }

  /** The wallet keeps a transaction it could not broadcast and still returns its txid; say so loudly. */
  private async expectInMempool(txid: string, what: string): Promise<void> {
    if (!(await this.inMempool(txid))) {
      throw new Error(`${what}: ${this.kind}'s wallet made ${txid} but the mempool refused it\n${this.daemon.logTail(5)}`);
    }
  }

  private cannot(what: keyof Capabilities): TillError {
    return new TillError('invalid_state', `${this.kind} cannot do '${what}' (caps.${what} is false)`);
  }

  private call<T = unknown>(method: string, params: RpcParams = []): Promise<T> {
    return this.daemon.rpc.call<T>(method, params);
  }

  private wallet<T = unknown>(method: string, params: RpcParams = []): Promise<T> {
    return this.daemon.rpc.call<T>(method, params, { wallet: WALLET });
  }
}
