/**
 * Debian's litecoind (0.21) as a regtest node: Core's RPC and block format, so it proves
 * Till's RPC and polling paths against a real daemon. Debian builds it without ZMQ.
 *
 * Found out on litecoind 0.21.2.1 (and why the flags below exist):
 * - Its mempool refuses every replacement unless `-mempoolreplacement=1` (Litecoin's default
 *   is 0, unlike Core's); with it, `bumpfee` and raw BIP125 replacements work.
 * - There is no RPC that drops a transaction from the mempool (`abandontransaction` only
 *   works on transactions that are not in it), so `evict` is not offered.
 * - mempool.dat is written on stop and read on start (`-persistmempool` defaults to 1).
 * - Its dust limit is ten times Core's (`-dustrelayfee` 0.0003): set to Core's 0.00003 so
 *   small payments (≥ 294 sats to p2wpkh) behave as they would on Bitcoin.
 */
import { reencodeWitnessAddress, scriptHexForAddress } from '../src/wallet/index.js';
import { findExecutable, startCoreNode } from './daemon.js';
import type { Capabilities, RegtestNode } from './node.js';

export const LITECOIND_CAPS: Readonly<Capabilities> = Object.freeze({
  zmq: false,
  rbf: true,
  evict: false,
  dropZmq: false,
  restart: true,
});

/** Litecoin's regtest bech32 human-readable part. */
export const LITECOIN_REGTEST_HRP = 'rltc';

export interface StartLitecoindOptions {
  /** Default: `litecoind` on PATH. */
  binary?: string;
  startTimeoutMs?: number;
}

export function findLitecoind(envPath: string | undefined): string | undefined {
  return findExecutable('litecoind', envPath);
}

/**
 * A Till regtest address as litecoind spells it: bcrt1… → rltc1… with the same witness
 * program. Base58 regtest addresses stay as they are: litecoind's test chains accept
 * Bitcoin's version bytes (111 and 196). Anything else is refused.
 */
export function toLitecoinRegtestAddress(address: string): string {
  const text = address.trim();
  scriptHexForAddress(text, 'regtest');
  return /^bcrt1/i.test(text) ? reencodeWitnessAddress(text, LITECOIN_REGTEST_HRP) : text;
}

export async function startLitecoind(opts: StartLitecoindOptions = {}): Promise<RegtestNode> {
  const binary = opts.binary ?? findLitecoind(process.env.PATH);
  if (binary === undefined) throw new Error('litecoind is not on PATH (Debian: apt-get install litecoind)');
  return startCoreNode({
    kind: 'litecoind',
    binary,
    caps: { ...LITECOIND_CAPS },
    extraArgs: ['-mempoolreplacement=1', '-dustrelayfee=0.00003'],
    zmq: {},
    toNodeAddress: toLitecoinRegtestAddress,
    startTimeoutMs: opts.startTimeoutMs,
  });
}
