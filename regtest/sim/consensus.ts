/**
 * Regtest consensus as the simulator needs it: the real genesis block, the subsidy
 * schedule, coinbase and witness commitment the way Bitcoin Core's miner builds them,
 * merkle roots, and proof of work (trivial on regtest, so it is ground for real).
 */
import { Transaction, script as bscript } from 'bitcoinjs-lib';
import { sha256d, toDisplayHex } from './bytes.js';
import { txRecord, type TxRecord } from './tx.js';

export const REGTEST_BITS = 0x207fffff;
/** Every regtest block adds this much work (2^256 / (target + 1)). */
export const REGTEST_BLOCK_WORK = 2n;
export const COINBASE_MATURITY = 100;
export const HALVING_INTERVAL = 150;
/** Core's BlockAssembler: versionbits top bits and no deployment signalling. */
export const BLOCK_VERSION = 0x20000000;
export const MAX_BLOCK_WEIGHT = 4_000_000;
/** Weight Core's miner keeps free for the coinbase. */
export const COINBASE_WEIGHT_RESERVE = 4_000;
export const WITNESS_COMMITMENT_PREFIX = Buffer.from('6a24aa21a9ed', 'hex');

const GENESIS_COINBASE_HEX =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000';
const GENESIS_TIME = 1296688602;
const GENESIS_NONCE = 2;

/** A block as the simulator stores it: header fields, bytes, transactions, place in the tree. */
export interface BlockRecord {
  readonly hash: string;
  readonly height: number;
  readonly prev: BlockRecord | null;
  readonly version: number;
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  /** Median of this block's time and its 10 ancestors' (Core's GetMedianTimePast). */
  readonly medianTime: number;
  readonly chainWork: bigint;
  readonly header: Buffer;
  readonly raw: Buffer;
  readonly txs: readonly TxRecord[];
  readonly size: number;
  readonly strippedSize: number;
  readonly weight: number;
}

export function blockSubsidy(height: number): bigint {
  const halvings = Math.floor(height / HALVING_INTERVAL);
  return halvings >= 64 ? 0n : 5_000_000_000n >> BigInt(halvings);
}

export function merkleRoot(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) throw new Error('merkle root of no transactions');
  let level = hashes.slice();
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Buffer;
      const right = level[i + 1] ?? left;
      next.push(sha256d(Buffer.concat([left, right])));
    }
    level = next;
  }
  return level[0] as Buffer;
}

export function compactSize(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  if (n <= 0xffff) {
    const b = Buffer.alloc(3);
    b[0] = 0xfd;
    b.writeUInt16LE(n, 1);
    return b;
  }
  const b = Buffer.alloc(5);
  b[0] = 0xfe;
  b.writeUInt32LE(n, 1);
  return b;
}

function medianTimePast(time: number, prev: BlockRecord | null): number {
  const times = [time];
  for (let b = prev; b !== null && times.length < 11; b = b.prev) times.push(b.time);
  times.sort((a, z) => a - z);
  return times[Math.floor(times.length / 2)] as number;
}

/** Regtest PoW: the hash, read as a number, must not exceed 0x7fffff·2^232. */
export function meetsRegtestTarget(hashInternal: Buffer): boolean {
  return (hashInternal[31] as number) < 0x7f;
}

function serializeHeader(h: { version: number; prevHash: Buffer; merkleRoot: Buffer; time: number; bits: number; nonce: number }): Buffer {
  const b = Buffer.alloc(80);
  b.writeInt32LE(h.version, 0);
  h.prevHash.copy(b, 4);
  h.merkleRoot.copy(b, 36);
  b.writeUInt32LE(h.time, 68);
  b.writeUInt32LE(h.bits, 72);
  b.writeUInt32LE(h.nonce, 76);
  return b;
}

function grind(header: Buffer): { nonce: number; hash: Buffer } {
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    header.writeUInt32LE(nonce, 76);
    const hash = sha256d(header);
    if (meetsRegtestTarget(hash)) return { nonce, hash };
  }
  throw new Error('no nonce meets the regtest target');
}

function record(args: {
  prev: BlockRecord | null;
  version: number;
  merkle: Buffer;
  time: number;
  nonce: number;
  header: Buffer;
  hash: Buffer;
  txs: TxRecord[];
}): BlockRecord {
  const raw = serializeBlock(args.header, args.txs);
  const strippedSize = raw.length - args.txs.reduce((sum, t) => sum + (t.size - t.strippedSize), 0);
  return {
    hash: toDisplayHex(args.hash),
    height: args.prev === null ? 0 : args.prev.height + 1,
    prev: args.prev,
    version: args.version,
    merkleRoot: toDisplayHex(args.merkle),
    time: args.time,
    bits: REGTEST_BITS,
    nonce: args.nonce,
    medianTime: medianTimePast(args.time, args.prev),
    chainWork: (args.prev?.chainWork ?? 0n) + REGTEST_BLOCK_WORK,
    header: args.header,
    raw,
    txs: args.txs,
    size: raw.length,
    strippedSize,
    weight: strippedSize * 3 + raw.length,
  };
}

/** The regtest genesis block (hash 0f9188f1…2206), byte for byte. */
export function genesisBlock(): BlockRecord {
  const coinbase = txRecord(Transaction.fromHex(GENESIS_COINBASE_HEX));
  const header = serializeHeader({
    version: 1,
    prevHash: Buffer.alloc(32),
    merkleRoot: coinbase.txidBytes,
    time: GENESIS_TIME,
    bits: REGTEST_BITS,
    nonce: GENESIS_NONCE,
  });
  return record({ prev: null, version: 1, merkle: coinbase.txidBytes, time: GENESIS_TIME, nonce: GENESIS_NONCE, header, hash: sha256d(header), txs: [coinbase] });
}

/**
 * Core's coinbase: BIP34 height, then an extra nonce (as the old IncrementExtraNonce did)
 * so two blocks at one height never share a coinbase txid; witness reserved value of 32
 * zero bytes; the payout; the BIP141 witness commitment last.
 */
export function buildCoinbase(args: { height: number; extraNonce: number; payoutScript: Uint8Array; value: bigint; wtxids: readonly Buffer[] }): TxRecord {
  const tx = new Transaction();
  tx.version = 2;
  const scriptSig = bscript.compile([bscript.number.encode(args.height), bscript.number.encode(args.extraNonce)]);
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, scriptSig);
  tx.setWitness(0, [Buffer.alloc(32)]);
  tx.addOutput(args.payoutScript, args.value);
  const witnessRoot = merkleRoot([Buffer.alloc(32), ...args.wtxids]);
  const commitment = sha256d(Buffer.concat([witnessRoot, Buffer.alloc(32)]));
  tx.addOutput(Buffer.concat([WITNESS_COMMITMENT_PREFIX, commitment]), 0n);
  return txRecord(tx);
}

export interface BlockBytesArgs {
  prevHash: string;
  height: number;
  /** In block order, parents before children. */
  txs: readonly TxRecord[];
  /** Sum of the fees of `txs` (the coinbase claims subsidy + fees). */
  fees: bigint;
  payoutScript: Uint8Array;
  time: number;
  extraNonce: number;
  version?: number;
}

export interface BlockBytes {
  hash: Buffer;
  header: Buffer;
  merkle: Buffer;
  nonce: number;
  version: number;
  time: number;
  /** Coinbase first. */
  txs: TxRecord[];
}

/** Coinbase, witness commitment, merkle root and a ground nonce for a block at `height` on `prevHash`. */
export function mineBlockBytes(args: BlockBytesArgs): BlockBytes {
  const coinbase = buildCoinbase({
    height: args.height,
    extraNonce: args.extraNonce,
    payoutScript: args.payoutScript,
    value: blockSubsidy(args.height) + args.fees,
    wtxids: args.txs.map((t) => t.wtxidBytes),
  });
  const txs = [coinbase, ...args.txs];
  const merkle = merkleRoot(txs.map((t) => t.txidBytes));
  const version = args.version ?? BLOCK_VERSION;
  const header = serializeHeader({ version, prevHash: Buffer.from(args.prevHash, 'hex').reverse(), merkleRoot: merkle, time: args.time, bits: REGTEST_BITS, nonce: 0 });
  const { nonce, hash } = grind(header);
  return { hash, header, merkle, nonce, version, time: args.time, txs };
}

export function serializeBlock(header: Buffer, txs: readonly TxRecord[]): Buffer {
  return Buffer.concat([header, compactSize(txs.length), ...txs.map((t) => t.raw)]);
}

export interface AssembleArgs extends Omit<BlockBytesArgs, 'prevHash' | 'height'> {
  prev: BlockRecord;
}

/** A complete, valid block on `prev` (its time at least the median time past + 1). */
export function assembleBlock(args: AssembleArgs): BlockRecord {
  const time = Math.max(args.time, args.prev.medianTime + 1);
  const bytes = mineBlockBytes({ ...args, prevHash: args.prev.hash, height: args.prev.height + 1, time });
  return record({ prev: args.prev, version: bytes.version, merkle: bytes.merkle, time, nonce: bytes.nonce, header: bytes.header, hash: bytes.hash, txs: bytes.txs });
}

/** Core's `target` / `chainwork` style: 64 hex digits. */
export function hex256(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}
