/**
 * Regtest consensus as the simulator needs it: the real genesis block, the subsidy
 * schedule, coinbase and witness commitment the way Bitcoin Core's miner builds them,
 * and proof of work (trivial on regtest, so it is ground for real). Serialization,
 * hashes, merkle roots and weight are bitcoinjs-lib's Block.
 */
import { Block, Transaction, script as bscript } from 'bitcoinjs-lib';
import { toDisplayHex } from './bytes.js';
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

function medianTimePast(time: number, prev: BlockRecord | null): number {
  const times = [time];
  for (let b = prev; b !== null && times.length < 11; b = b.prev) times.push(b.time);
  times.sort((a, z) => a - z);
  return times[Math.floor(times.length / 2)] as number;
}

/** Sets the first nonce whose header hash meets the regtest target. */
function grind(block: Block): void {
  for (block.nonce = 0; block.nonce <= 0xffffffff; block.nonce++) {
    if (block.checkProofOfWork()) return;
  }
  throw new Error('no nonce meets the regtest target');
}

function record(block: Block, prev: BlockRecord | null, txs: readonly TxRecord[]): BlockRecord {
  const raw = Buffer.from(block.toBuffer());
  return {
    hash: block.getId(),
    height: prev === null ? 0 : prev.height + 1,
    prev,
    version: block.version,
    merkleRoot: toDisplayHex(block.merkleRoot as Uint8Array),
    time: block.timestamp,
    bits: block.bits,
    nonce: block.nonce,
    medianTime: medianTimePast(block.timestamp, prev),
    chainWork: (prev?.chainWork ?? 0n) + REGTEST_BLOCK_WORK,
    header: raw.subarray(0, 80),
    raw,
    txs,
    size: raw.length,
    strippedSize: block.byteLength(false, false),
    weight: block.weight(),
  };
}

function newBlock(fields: { version: number; prevHash: Uint8Array; time: number; txs: readonly TxRecord[] }): Block {
  const block = new Block();
  block.version = fields.version;
  block.prevHash = fields.prevHash;
  block.timestamp = fields.time;
  block.bits = REGTEST_BITS;
  block.transactions = fields.txs.map((t) => t.tx);
  block.merkleRoot = Block.calculateMerkleRoot(block.transactions);
  return block;
}

/** The regtest genesis block (hash 0f9188f1…2206), byte for byte. */
export function genesisBlock(): BlockRecord {
  const coinbase = txRecord(Transaction.fromHex(GENESIS_COINBASE_HEX));
  const block = newBlock({ version: 1, prevHash: new Uint8Array(32), time: GENESIS_TIME, txs: [coinbase] });
  block.nonce = GENESIS_NONCE;
  return record(block, null, [coinbase]);
}

/**
 * Core's coinbase: BIP34 height, then an extra nonce (as the old IncrementExtraNonce did)
 * so two blocks at one height never share a coinbase txid; witness reserved value of 32
 * zero bytes; the payout; the BIP141 witness commitment last.
 */
export function buildCoinbase(args: { height: number; extraNonce: number; payoutScript: Uint8Array; value: bigint; txs: readonly TxRecord[] }): TxRecord {
  const tx = new Transaction();
  tx.version = 2;
  const scriptSig = bscript.compile([bscript.number.encode(args.height), bscript.number.encode(args.extraNonce)]);
  tx.addInput(Buffer.alloc(32), 0xffffffff, 0xffffffff, scriptSig);
  tx.setWitness(0, [Buffer.alloc(32)]);
  tx.addOutput(args.payoutScript, args.value);
  // The coinbase counts as zero in the witness tree, so its own outputs do not matter yet.
  const commitment = Block.calculateMerkleRoot([tx, ...args.txs.map((t) => t.tx)], true);
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

/** A block at `height` on `prevHash`: coinbase (with witness commitment) first, merkle root, a ground nonce. */
export function mineBlock(args: BlockBytesArgs): { block: Block; txs: TxRecord[] } {
  const coinbase = buildCoinbase({
    height: args.height,
    extraNonce: args.extraNonce,
    payoutScript: args.payoutScript,
    value: blockSubsidy(args.height) + args.fees,
    txs: args.txs,
  });
  const txs = [coinbase, ...args.txs];
  const block = newBlock({ version: args.version ?? BLOCK_VERSION, prevHash: Buffer.from(args.prevHash, 'hex').reverse(), time: args.time, txs });
  grind(block);
  return { block, txs };
}

export interface AssembleArgs extends Omit<BlockBytesArgs, 'prevHash' | 'height'> {
  prev: BlockRecord;
}

/** A complete, valid block on `prev` (its time at least the median time past + 1). */
export function assembleBlock(args: AssembleArgs): BlockRecord {
  const time = Math.max(args.time, args.prev.medianTime + 1);
  const { block, txs } = mineBlock({ ...args, prevHash: args.prev.hash, height: args.prev.height + 1, time });
  return record(block, args.prev, txs);
}

/** Core's `target` / `chainwork` style: 64 hex digits. */
export function hex256(n: bigint): string {
  return n.toString(16).padStart(64, '0');
}
