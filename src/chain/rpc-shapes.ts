import type { BlockchainInfo, BlockHeader, MempoolInfo, ZmqNotification } from './node-api.js';

/**
 * Checks of what Core answered, field by field, for the fields Till reads. Each returns
 * a fresh plain object (the JSON parser hands out null-prototype objects) or undefined
 * when the reply does not have the documented shape.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

export function toBlockchainInfo(v: unknown): BlockchainInfo | undefined {
  if (!isObject(v)) return undefined;
  const { chain, blocks, headers, bestblockhash, initialblockdownload, verificationprogress, pruned, pruneheight } = v;
  if (typeof chain !== 'string' || !isInt(blocks) || !isInt(headers) || !isHash(bestblockhash)) return undefined;
  if (typeof pruned !== 'boolean' || typeof verificationprogress !== 'number') return undefined;
  // Core-derived daemons older than 0.16 lack initialblockdownload; no flag means not in IBD.
  if (initialblockdownload !== undefined && typeof initialblockdownload !== 'boolean') return undefined;
  if (pruneheight !== undefined && !isInt(pruneheight)) return undefined;
  const out: BlockchainInfo = {
    chain,
    blocks,
    headers,
    bestblockhash,
    initialblockdownload: initialblockdownload ?? false,
    verificationprogress,
    pruned,
  };
  if (pruneheight !== undefined) out.pruneheight = pruneheight;
  return out;
}

export function toBlockHeader(v: unknown): BlockHeader | undefined {
  if (!isObject(v)) return undefined;
  const { hash, confirmations, height, previousblockhash, nextblockhash, time } = v;
  if (!isHash(hash) || !isInt(confirmations) || !isInt(height) || !isInt(time)) return undefined;
  if (previousblockhash !== undefined && !isHash(previousblockhash)) return undefined;
  if (nextblockhash !== undefined && !isHash(nextblockhash)) return undefined;
  const out: BlockHeader = { hash, confirmations, height, time };
  if (previousblockhash !== undefined) out.previousblockhash = previousblockhash;
  if (nextblockhash !== undefined) out.nextblockhash = nextblockhash;
  return out;
}

export function toZmqNotifications(v: unknown): ZmqNotification[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: ZmqNotification[] = [];
  for (const n of v) {
    if (!isObject(n) || typeof n.type !== 'string' || typeof n.address !== 'string' || !isInt(n.hwm)) return undefined;
    out.push({ type: n.type, address: n.address, hwm: n.hwm });
  }
  return out;
}

export function toHashList(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const h of v) if (!isHash(h)) return undefined;
  return v as string[];
}

export function toHash(v: unknown): string | undefined {
  return isHash(v) ? v : undefined;
}

/** Hex to bytes; undefined on odd length or a non-hex digit (Buffer.from would silently stop there). */
export function hexToBuffer(v: unknown): Buffer | undefined {
  if (typeof v !== 'string' || v.length % 2 !== 0) return undefined;
  const buf = Buffer.from(v, 'hex');
  return buf.length * 2 === v.length ? buf : undefined;
}

export function toMempoolInfo(v: unknown): MempoolInfo | undefined {
  if (!isObject(v) || !isInt(v.size)) return undefined;
  // Core before 0.19 has no `loaded`: it answered RPC only once the mempool was loaded.
  if (v.loaded !== undefined && typeof v.loaded !== 'boolean') return undefined;
  return { loaded: v.loaded ?? true, size: v.size };
}

/** getmempoolentry's `time`, in ms. */
export function toMempoolEntryTime(v: unknown): number | undefined {
  if (!isObject(v) || !isInt(v.time) || v.time < 0) return undefined;
  return v.time * 1000;
}
