/**
 * The RPC calls the simulator serves, shaped like Bitcoin Core 28's (field names and
 * order, error codes and messages). It has no wallet RPCs and no txindex: confirmed
 * transactions are only found with a block hash, as on Till's real nodes.
 */
import { isHash, outpointKey } from './bytes.js';
import type { Coin } from './chain.js';
import { hex256, type BlockRecord } from './consensus.js';
import { btc, float16 } from './json.js';
import type { MempoolEntry } from './mempool.js';
import { RPC_ERR, RpcError, type RpcDispatcher, type RpcParams } from './rpc-server.js';
import { RejectError, type Simulator } from './simulator.js';
import { txRecordFromRaw } from './tx.js';
import { txToJson } from './tx-json.js';
import { parseSats } from '../../src/domain/money.js';
import { isTillError } from '../../src/domain/errors.js';

function walletMethods(w: NonNullable<RpcContext['wallet']>): Record<string, MethodSpec> {
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      // Core's RPC_WALLET_ERROR / RPC_INVALID_ADDRESS_OR_KEY, with the simulator's reason.
      if (isTillError(err)) throw new RpcError(err.code === 'validation_failed' ? -5 : -4, err.message);
      throw err;
    }
  };
  return {
    getnewaddress: { params: ['label', 'address_type'], required: 0, run: () => w.newAddress() },
    sendtoaddress: {
      params: ['address', 'amount'],
      required: 2,
      run: ([address, amount]) =>
        guard(() => w.sendToAddress(String(address), parseSats(amount, 'amount', { allowZero: false }))),
    },
    generatetoaddress: {
      params: ['nblocks', 'address'],
      required: 2,
      run: ([n, address]) => guard(() => w.generateToAddress(Number(n), String(address))),
    },
  };
}

export const CORE_VERSION = 280100;
export const CORE_SUBVERSION = '/Satoshi:28.1.0(till-sim)/';
const REGTEST_DIFFICULTY = float16(4.656542373906925e-10);
const GENESIS_COINBASE_TXID = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

export interface RpcContext {
  sim: Simulator;
  zmqNotifications(): { type: string; address: string; hwm: number }[];
  /** Seconds since the (simulated) process started. */
  uptime(): number;
  /** Blocks below this height have been pruned (0: not pruned). */
  pruneHeight(): number;
  /**
   * Still loading mempool.dat after a restart: getmempoolinfo says `loaded: false` and the
   * mempool reads as empty until the load is done (Core answers RPC meanwhile).
   */
  mempoolLoading?(): boolean;
  /** Still in initial block download (getblockchaininfo's estimate). */
  initialBlockDownload?(): boolean;
  /**
   * The few wallet calls `till regtest pay|mine` and `npm run demo` make (as on a
   * bitcoind with a wallet loaded). Absent: the node has no wallet RPCs.
   */
  wallet?: {
    newAddress(): string;
    sendToAddress(address: string, sats: bigint): string;
    generateToAddress(n: number, address: string): string[];
  };
}

interface MethodSpec {
  params: readonly string[];
  required: number;
  run(args: unknown[]): unknown;
}

/** Injected failures: the next `times` calls of `method` fail with this error. */
export interface RpcFault {
  code: number;
  message: string;
  times: number;
}

export class CoreRpc implements RpcDispatcher {
  private readonly methods: Record<string, MethodSpec>;
  readonly faults = new Map<string, RpcFault>();

  constructor(private readonly ctx: RpcContext) {
    this.methods = buildMethods(ctx);
  }

  call(method: string, params: RpcParams): unknown {
    const spec = this.methods[method];
    if (spec === undefined) throw new RpcError(RPC_ERR.METHOD_NOT_FOUND, 'Method not found');
    const fault = this.faults.get(method) ?? this.faults.get('*');
    if (fault !== undefined && fault.times > 0) {
      fault.times--;
      throw new RpcError(fault.code, fault.message);
    }
    let args: unknown[];
    if (Array.isArray(params)) {
      args = params;
    } else {
      args = [];
      for (const [name, value] of Object.entries(params)) {
        const pos = spec.params.findIndex((p) => p.split('|').includes(name));
        if (pos < 0) throw new RpcError(RPC_ERR.INVALID_PARAMETER, `Unknown named parameter ${name}`);
        args[pos] = value;
      }
      args = Array.from(args, (v) => (v === undefined ? null : v));
    }
    while (args.length > 0 && args[args.length - 1] === null && args.length > spec.required) args = args.slice(0, -1);
    if (args.length < spec.required || args.length > spec.params.length) {
      const usage = spec.params.map((p, i) => (i < spec.required ? ` "${p.split('|')[0]}"` : ` ( "${p.split('|')[0]}" )`)).join('');
      throw new RpcError(RPC_ERR.MISC_ERROR, `${method}${usage}\n`);
    }
    return spec.run(args);
  }
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v;
}

function typeError(v: unknown, expected: string): RpcError {
  return new RpcError(RPC_ERR.TYPE_ERROR, `JSON value of type ${typeName(v)} is not of expected type ${expected}`);
}

function int(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw typeError(v, 'number');
  return v;
}

function bool(v: unknown, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw typeError(v, 'bool');
  return v;
}

/** Core's ParseVerbosity: a number, or with allow_bool a boolean (true = 1). */
function verbosity(v: unknown, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return int(v);
}

/** Core's ParseHashV. */
function hashArg(v: unknown, name: string): string {
  if (typeof v !== 'string') throw typeError(v, 'string');
  if (v.length !== 64) throw new RpcError(RPC_ERR.INVALID_PARAMETER, `${name} must be of length 64 (not ${v.length}, for '${v}')`);
  if (!isHash(v)) throw new RpcError(RPC_ERR.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${v}')`);
  return v.toLowerCase();
}

function buildMethods(ctx: RpcContext): Record<string, MethodSpec> {
  const { sim } = ctx;
  const chain = sim.chain;

  const blockOrThrow = (hash: string, message = 'Block not found'): BlockRecord => {
    const block = chain.get(hash);
    if (block === undefined) throw new RpcError(RPC_ERR.INVALID_ADDRESS_OR_KEY, message);
    return block;
  };
  const notPruned = (block: BlockRecord) => {
    if (block.height > 0 && block.height < ctx.pruneHeight()) throw new RpcError(RPC_ERR.MISC_ERROR, 'Block not available (pruned data)');
  };

  const headerJson = (block: BlockRecord): Record<string, unknown> => ({
    hash: block.hash,
    confirmations: chain.confirmations(block),
    height: block.height,
    version: block.version,
    versionHex: (block.version >>> 0).toString(16).padStart(8, '0'),
    merkleroot: block.merkleRoot,
    time: block.time,
    mediantime: block.medianTime,
    nonce: block.nonce,
    bits: block.bits.toString(16).padStart(8, '0'),
    difficulty: REGTEST_DIFFICULTY,
    chainwork: hex256(block.chainWork),
    nTx: block.txs.length,
    previousblockhash: block.prev?.hash,
    nextblockhash: chain.next(block)?.hash,
  });

  const entryJson = (entry: MempoolEntry): Record<string, unknown> => {
    const txid = entry.rec.txid;
    const ancestors = [...sim.mempool.ancestors(txid)].map((t) => sim.mempool.get(t) as MempoolEntry);
    const descendants = [...sim.mempool.descendants(txid)].map((t) => sim.mempool.get(t) as MempoolEntry);
    const sumVsize = (es: MempoolEntry[]) => es.reduce((s, e) => s + e.rec.vsize, entry.rec.vsize);
    const sumFee = (es: MempoolEntry[]) => es.reduce((s, e) => s + e.fee, entry.fee);
    return {
      vsize: entry.rec.vsize,
      weight: entry.rec.weight,
      time: entry.time,
      height: entry.height,
      descendantcount: descendants.length + 1,
      descendantsize: sumVsize(descendants),
      ancestorcount: ancestors.length + 1,
      ancestorsize: sumVsize(ancestors),
      wtxid: entry.rec.wtxid,
      fees: { base: btc(entry.fee), modified: btc(entry.fee), ancestor: btc(sumFee(ancestors)), descendant: btc(sumFee(descendants)) },
      depends: [...entry.parents].sort(),
      spentby: [...entry.children].sort(),
      'bip125-replaceable': sim.signalsRbf(txid),
      unbroadcast: false,
    };
  };

  const m: Record<string, MethodSpec> = {
    getblockchaininfo: {
      params: [],
      required: 0,
      run: () => {
        const tip = chain.tip();
        const pruneHeight = ctx.pruneHeight();
        return {
          chain: 'regtest',
          blocks: tip.height,
          headers: tip.height,
          bestblockhash: tip.hash,
          difficulty: REGTEST_DIFFICULTY,
          time: tip.time,
          mediantime: tip.medianTime,
          verificationprogress: 1,
          initialblockdownload: ctx.initialBlockDownload?.() ?? false,
          chainwork: hex256(tip.chainWork),
          size_on_disk: chain.active.reduce((s, b) => s + b.size + 8, 0),
          pruned: pruneHeight > 0,
          pruneheight: pruneHeight > 0 ? pruneHeight : undefined,
          automatic_pruning: pruneHeight > 0 ? false : undefined,
          warnings: [],
        };
      },
    },
    getnetworkinfo: {
      params: [],
      required: 0,
      run: () => ({
        version: CORE_VERSION,
        subversion: CORE_SUBVERSION,
        protocolversion: 70016,
        localservices: '0000000000000c09',
        localservicesnames: ['NETWORK', 'WITNESS', 'NETWORK_LIMITED', 'P2P_V2'],
        localrelay: true,
        timeoffset: 0,
        networkactive: true,
        connections: 0,
        connections_in: 0,
        connections_out: 0,
        networks: ['ipv4', 'ipv6', 'onion', 'i2p', 'cjdns'].map((name) => ({ name, limited: name !== 'ipv4' && name !== 'ipv6', reachable: name === 'ipv4' || name === 'ipv6', proxy: '', proxy_randomize_credentials: false })),
        relayfee: btc(1000n),
        incrementalfee: btc(1000n),
        localaddresses: [],
        warnings: [],
      }),
    },
    getbestblockhash: { params: [], required: 0, run: () => chain.tip().hash },
    getblockcount: { params: [], required: 0, run: () => chain.height() },
    getdifficulty: { params: [], required: 0, run: () => REGTEST_DIFFICULTY },
    ping: { params: [], required: 0, run: () => null },
    uptime: { params: [], required: 0, run: () => ctx.uptime() },
    getindexinfo: { params: ['index_name'], required: 0, run: () => ({}) },
    getzmqnotifications: { params: [], required: 0, run: () => ctx.zmqNotifications() },
    getblockhash: {
      params: ['height'],
      required: 1,
      run: ([h]) => {
        const height = int(h);
        const block = height < 0 ? undefined : chain.atHeight(height);
        if (block === undefined) throw new RpcError(RPC_ERR.INVALID_PARAMETER, 'Block height out of range');
        return block.hash;
      },
    },
    getblockheader: {
      params: ['blockhash', 'verbose'],
      required: 1,
      run: ([h, v]) => {
        const block = blockOrThrow(hashArg(h, 'hash'));
        return bool(v, true) ? headerJson(block) : block.header.toString('hex');
      },
    },
    getblock: {
      params: ['blockhash', 'verbosity|verbose'],
      required: 1,
      run: ([h, v]) => {
        const block = blockOrThrow(hashArg(h, 'blockhash'));
        notPruned(block);
        const level = verbosity(v, 1);
        if (level <= 0) return block.raw.toString('hex');
        const undo = chain.undoFor(block);
        const tx =
          level === 1
            ? block.txs.map((t) => t.txid)
            : block.txs.map((t, i) => txToJson(t, { prevouts: i > 0 ? undo?.[i - 1] : undefined, prevout: level >= 3 }));
        return { ...headerJson(block), strippedsize: block.strippedSize, size: block.size, weight: block.weight, tx };
      },
    },
    getchaintips: {
      params: [],
      required: 0,
      run: () =>
        chain
          .tips()
          .sort((a, b) => b.height - a.height)
          .map((tip) => {
            let fork: BlockRecord = tip;
            let invalid = false;
            while (!chain.onActiveChain(fork)) {
              invalid ||= chain.isInvalid(fork);
              fork = fork.prev as BlockRecord;
            }
            const active = tip === chain.tip();
            return { height: tip.height, hash: tip.hash, branchlen: tip.height - fork.height, status: active ? 'active' : invalid ? 'invalid' : 'valid-fork' };
          }),
    },
    getrawmempool: {
      params: ['verbose', 'mempool_sequence'],
      required: 0,
      run: ([v, s]) => {
        const verbose = bool(v, false);
        const withSequence = bool(s, false);
        if (verbose && withSequence) throw new RpcError(RPC_ERR.INVALID_PARAMETER, 'Verbose results cannot contain mempool sequence values.');
        const txids = ctx.mempoolLoading?.() === true ? [] : sim.mempool.topological();
        if (verbose) return Object.fromEntries(txids.map((t) => [t, entryJson(sim.mempool.get(t) as MempoolEntry)]));
        return withSequence ? { txids, mempool_sequence: sim.mempool.currentSequence() } : txids;
      },
    },
    getmempoolentry: {
      params: ['txid'],
      required: 1,
      run: ([t]) => {
        const entry = sim.mempool.get(hashArg(t, 'parameter 1'));
        if (entry === undefined) throw new RpcError(RPC_ERR.INVALID_ADDRESS_OR_KEY, 'Transaction not in mempool');
        return entryJson(entry);
      },
    },
    getmempoolinfo: {
      params: [],
      required: 0,
      run: () => {
        const loading = ctx.mempoolLoading?.() === true;
        const entries = loading ? [] : sim.mempool.all();
        return {
          loaded: !loading,
          size: entries.length,
          bytes: entries.reduce((s, e) => s + e.rec.vsize, 0),
          usage: entries.reduce((s, e) => s + e.rec.size * 4 + 512, 0),
          total_fee: btc(entries.reduce((s, e) => s + e.fee, 0n)),
          maxmempool: 300_000_000,
          mempoolminfee: btc(1000n),
          minrelaytxfee: btc(1000n),
          incrementalrelayfee: btc(1000n),
          unbroadcastcount: 0,
          fullrbf: true,
        };
      },
    },
    gettxout: {
      params: ['txid', 'n', 'include_mempool'],
      required: 2,
      run: ([t, n, m]) => {
        const key = outpointKey(hashArg(t, 'parameter 1'), int(n));
        const withMempool = bool(m, true);
        if (withMempool && sim.mempool.spender(key) !== undefined) return null;
        const confirmed = sim.chain.utxo.get(key);
        const coin = confirmed ?? (withMempool ? sim.mempool.output(key) : undefined);
        if (coin === undefined) return null;
        const tip = chain.tip();
        return {
          bestblock: tip.hash,
          confirmations: confirmed === undefined ? 0 : tip.height - coin.height + 1,
          value: btc(coin.value),
          scriptPubKey: { hex: Buffer.from(coin.script).toString('hex') },
          coinbase: coin.coinbase,
        };
      },
    },
    getrawtransaction: {
      params: ['txid', 'verbosity|verbose', 'blockhash'],
      required: 1,
      run: ([t, v, bh]) => {
        const txid = hashArg(t, 'parameter 1');
        const level = verbosity(v, 0);
        if (bh !== undefined && bh !== null) {
          const block = blockOrThrow(hashArg(bh, 'parameter 3'), 'Block hash not found');
          notPruned(block);
          const i = chain.txIndex(block, txid);
          if (i < 0) throw new RpcError(RPC_ERR.INVALID_ADDRESS_OR_KEY, 'No such transaction found in the provided block. Use gettransaction for wallet transactions.');
          const rec = block.txs[i] as (typeof block.txs)[number];
          if (level <= 0) return rec.raw.toString('hex');
          const onChain = chain.onActiveChain(block);
          const prevouts: readonly Coin[] | undefined = i > 0 && level >= 2 ? chain.undoFor(block)?.[i - 1] : undefined;
          return {
            in_active_chain: onChain,
            ...txToJson(rec, { prevouts, prevout: level >= 2 }),
            blockhash: block.hash,
            confirmations: onChain ? chain.confirmations(block) : 0,
            time: onChain ? block.time : undefined,
            blocktime: onChain ? block.time : undefined,
          };
        }
        if (txid === GENESIS_COINBASE_TXID) {
          throw new RpcError(RPC_ERR.INVALID_ADDRESS_OR_KEY, 'The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved');
        }
        const entry = sim.mempool.get(txid);
        if (entry === undefined) {
          throw new RpcError(
            RPC_ERR.INVALID_ADDRESS_OR_KEY,
            'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.',
          );
        }
        if (level <= 0) return entry.rec.raw.toString('hex');
        return txToJson(entry.rec, { prevouts: level >= 2 ? entry.prevouts : undefined, prevout: level >= 2 });
      },
    },
    decoderawtransaction: {
      params: ['hexstring', 'iswitness'],
      required: 1,
      run: ([h]) => txToJson(decodeTx(h), { includeHex: false }),
    },
    ...(ctx.wallet && walletMethods(ctx.wallet)),
    sendrawtransaction: {
      params: ['hexstring', 'maxfeerate', 'maxburnamount'],
      required: 1,
      run: ([h]) => {
        const rec = decodeTx(h);
        if (sim.mempool.has(rec.txid)) return rec.txid;
        try {
          sim.accept(rec);
        } catch (err) {
          if (err instanceof RejectError) throw new RpcError(err.code, err.reason);
          throw err;
        }
        return rec.txid;
      },
    },
  };
  return m;
}

function decodeTx(h: unknown): ReturnType<typeof txRecordFromRaw> {
  if (typeof h !== 'string') throw typeError(h, 'string');
  try {
    if (!/^([0-9a-fA-F]{2})+$/.test(h)) throw new Error('not hex');
    return txRecordFromRaw(Buffer.from(h, 'hex'));
  } catch {
    throw new RpcError(RPC_ERR.DESERIALIZATION_ERROR, 'TX decode failed. Make sure the tx has at least one input.');
  }
}
