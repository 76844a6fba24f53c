/**
 * Bitcoin Core as a regtest node, with every ZMQ topic Till listens to. Used when
 * `$BITCOIND` names a bitcoind executable or `bitcoind` is on PATH.
 */
import { JsonRpcClient, RpcError, findExecutable, freePorts, startCoreNode } from './daemon.js';
import type { Capabilities, RegtestNode, ZmqEndpoints } from './node.js';

export const BITCOIND_CAPS: Readonly<Capabilities> = Object.freeze({
  zmq: true,
  rbf: true,
  evict: false,
  dropZmq: false,
  restart: true,
});

class NoZmqError extends Error {}

const ZMQ_TOPICS = ['rawtx', 'rawblock', 'hashblock', 'sequence'] as const;

export interface StartBitcoindOptions {
  /** Default: `$BITCOIND`, else `bitcoind` on PATH. */
  binary?: string;
  startTimeoutMs?: number;
}

/** `$BITCOIND` (a path, or a name looked up in PATH), else `bitcoind` on PATH. */
export function findBitcoind(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const named = env.BITCOIND?.trim();
  return findExecutable(named !== undefined && named !== '' ? named : 'bitcoind', env.PATH);
}

export async function startBitcoind(opts: StartBitcoindOptions = {}): Promise<RegtestNode> {
  const binary = opts.binary ?? findBitcoind(process.env);
  if (binary === undefined) throw new Error('bitcoind not found: set $BITCOIND or put bitcoind on PATH');
  let lastError: unknown;
  // Core starts without ZMQ when a ZMQ port is taken (it only logs it), hence the check and retry.
  for (let attempt = 0; attempt < 3; attempt++) {
    const ports = await freePorts(ZMQ_TOPICS.length);
    const zmq: ZmqEndpoints = {};
    const extraArgs: string[] = [];
    ZMQ_TOPICS.forEach((topic, i) => {
      const endpoint = `tcp://127.0.0.1:${ports[i] ?? 0}`;
      zmq[topic] = endpoint;
      extraArgs.push(`-zmqpub${topic}=${endpoint}`);
    });
    const node = await startCoreNode({
      kind: 'bitcoind',
      binary,
      caps: { ...BITCOIND_CAPS },
      extraArgs,
      zmq,
      toNodeAddress: (address) => address,
      startTimeoutMs: opts.startTimeoutMs,
    });
    try {
      await expectZmq(node, zmq);
      return node;
    } catch (err) {
      lastError = err;
      await node.close();
      if (err instanceof NoZmqError) break;
    }
  }
  throw lastError;
}

/** `getzmqnotifications` lists only the notifiers whose socket is bound. */
async function expectZmq(node: RegtestNode, zmq: ZmqEndpoints): Promise<void> {
  const client = new JsonRpcClient(node.rpc);
  let active: { type: string; address: string }[];
  try {
    active = await client.call<{ type: string; address: string }[]>('getzmqnotifications');
  } catch (err) {
    if (err instanceof RpcError) throw new NoZmqError(`bitcoind was built without ZMQ (${err.message})`);
    throw err;
  }
  for (const topic of ZMQ_TOPICS) {
    const wanted = zmq[topic];
    if (!active.some((n) => n.type === `pub${topic}` && n.address === wanted)) {
      throw new Error(`bitcoind is not publishing ${topic} on ${String(wanted)}`);
    }
  }
}
