/**
 * A transaction together with what the simulator keeps asking about it (ids, bytes,
 * weight), computed once.
 */
import { Transaction, crypto as bcrypto } from 'bitcoinjs-lib';
import { toDisplayHex } from './bytes.js';

export interface TxRecord {
  readonly tx: Transaction;
  /** Display (RPC) order. */
  readonly txid: string;
  readonly wtxid: string;
  /** Internal byte order, as the mempool orders them. */
  readonly txidBytes: Buffer;
  /** Serialized with witness (what rawtx, getrawtransaction and blocks carry). */
  readonly raw: Buffer;
  readonly size: number;
  readonly strippedSize: number;
  readonly weight: number;
  readonly vsize: number;
}

export function txRecord(tx: Transaction): TxRecord {
  const raw = Buffer.from(tx.toBuffer());
  const txidBytes = Buffer.from(tx.getHash());
  // Not tx.getHash(true): that is zero for a coinbase (its place in the witness tree),
  // while Core prints a coinbase's real wtxid as its `hash`.
  const wtxid = tx.hasWitnesses() ? toDisplayHex(bcrypto.hash256(raw)) : toDisplayHex(txidBytes);
  return {
    tx,
    txid: toDisplayHex(txidBytes),
    wtxid,
    txidBytes,
    raw,
    size: raw.length,
    strippedSize: tx.byteLength(false),
    weight: tx.weight(),
    vsize: tx.virtualSize(),
  };
}

export function txRecordFromRaw(raw: Uint8Array): TxRecord {
  return txRecord(Transaction.fromBuffer(raw));
}

/** The display-order txid an input spends. */
export function prevTxid(input: { hash: Uint8Array }): string {
  return toDisplayHex(input.hash);
}
