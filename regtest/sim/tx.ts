/**
 * A transaction together with what the simulator keeps asking about it (ids, bytes,
 * weight), computed once.
 */
import { Transaction } from 'bitcoinjs-lib';
import { sha256d, toDisplayHex } from './bytes.js';

export interface TxRecord {
  readonly tx: Transaction;
  /** Display (RPC) order. */
  readonly txid: string;
  readonly wtxid: string;
  /** Internal byte order, as a merkle tree wants them. */
  readonly txidBytes: Buffer;
  readonly wtxidBytes: Buffer;
  /** Serialized with witness (what rawtx, getrawtransaction and blocks carry). */
  readonly raw: Buffer;
  readonly size: number;
  readonly strippedSize: number;
  readonly weight: number;
  readonly vsize: number;
}

export function txRecord(tx: Transaction): TxRecord {
  const raw = Buffer.from(tx.toBuffer());
  const strippedSize = tx.byteLength(false);
  // The txid hashes the serialization without marker, flag and witnesses: cut them out of
  // the bytes we already have instead of serializing twice.
  const stripped = raw.length === strippedSize
    ? raw
    : Buffer.concat([raw.subarray(0, 4), raw.subarray(6, 6 + strippedSize - 8), raw.subarray(raw.length - 4)]);
  const txidBytes = sha256d(stripped);
  const wtxidBytes = stripped === raw ? txidBytes : sha256d(raw);
  const weight = strippedSize * 3 + raw.length;
  return {
    tx,
    txid: toDisplayHex(txidBytes),
    wtxid: toDisplayHex(wtxidBytes),
    txidBytes,
    wtxidBytes,
    raw,
    size: raw.length,
    strippedSize,
    weight,
    vsize: Math.ceil(weight / 4),
  };
}

export function txRecordFromRaw(raw: Uint8Array): TxRecord {
  return txRecord(Transaction.fromBuffer(raw));
}

/** The display-order txid an input spends. */
export function prevTxid(input: { hash: Uint8Array }): string {
  return toDisplayHex(input.hash);
}
