/**
 * Synthetic transactions and blocks for benchmarks: N transactions in one spend chain
 * (each spends the previous one's last output), every one paying a given script or a
 * filler address. Amounts balance and every input exists, so a block of them is
 * internally consistent (merkle root, witness commitment, coinbase = subsidy + fees);
 * only the signatures are fake unless a signer is given.
 */
import { Transaction, crypto as bcrypto, payments } from 'bitcoinjs-lib';
import { mineBlock } from './consensus.js';
import { txRecord, type TxRecord } from './tx.js';
import { estimateVsize } from './wallet.js';

export interface SyntheticPayment {
  script: Uint8Array;
  sats: bigint;
}

export interface SyntheticChainArgs {
  count: number;
  /** Spread over the chain: payment j goes into transaction ⌊j·count/payTo.length⌋. */
  payTo?: readonly SyntheticPayment[];
  /** The coin the first transaction spends. */
  funding: { txid: string; vout: number; value: bigint };
  /** Script of each link's carry-over output (the last one's stays unspent). */
  carryScript: Uint8Array;
  /** Signs each transaction (given its input value); default: a fake signature-shaped witness. */
  sign?: (tx: Transaction, inputValue: bigint) => void;
  /** sat/vB, default 1 (Core's minimum relay fee). */
  feeRate?: number;
  /** What a transaction without a payment sends to its filler address. Default 1000 sats. */
  fillerSats?: bigint;
}

/** A P2WPKH script no one has the key to, different for every index. */
export function fillerScript(index: number): Buffer {
  const hash = bcrypto.sha256(Buffer.from(`till synthetic filler ${index}`)).subarray(0, 20);
  return Buffer.from(payments.p2wpkh({ hash }).output as Uint8Array);
}

/** 71-byte DER-shaped signature + a 33-byte compressed-key-shaped push. */
export function fakeWitness(): Uint8Array[] {
  const sig = Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), Buffer.alloc(32, 0x11), Buffer.from([0x02, 0x20]), Buffer.alloc(32, 0x22), Buffer.from([0x01])]);
  const key = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(32, 0x33)]);
  return [sig, key];
}

/** The value `syntheticChain` needs from its funding coin. */
export function syntheticChainCost(count: number, payTo: readonly SyntheticPayment[] = [], feeRate = 1, fillerSats = 1000n): bigint {
  const paid = payTo.reduce((s, p) => s + p.sats, 0n);
  const withFiller = Math.max(0, count - payTo.length);
  const perTxFee = BigInt(Math.ceil(estimateVsize(1, [fillerScript(0), fillerScript(0), fillerScript(0)]) * feeRate));
  return paid + BigInt(withFiller) * fillerSats + BigInt(count) * perTxFee + BigInt(payTo.length) * perTxFee;
}

export function syntheticChain(args: SyntheticChainArgs): TxRecord[] {
  const payTo = args.payTo ?? [];
  const fillerSats = args.fillerSats ?? 1000n;
  const feeRate = args.feeRate ?? 1;
  const byTx = new Map<number, SyntheticPayment[]>();
  payTo.forEach((p, j) => {
    const i = Math.floor((j * args.count) / Math.max(payTo.length, 1));
    byTx.set(i, [...(byTx.get(i) ?? []), p]);
  });
  const out: TxRecord[] = [];
  let prev = { txid: args.funding.txid, vout: args.funding.vout, value: args.funding.value };
  for (let i = 0; i < args.count; i++) {
    const payments = byTx.get(i) ?? [{ script: fillerScript(i), sats: fillerSats }];
    const scripts = [...payments.map((p) => p.script), args.carryScript];
    const fee = BigInt(Math.ceil(estimateVsize(1, scripts) * feeRate));
    const carry = prev.value - payments.reduce((s, p) => s + p.sats, 0n) - fee;
    if (carry < 0n) throw new RangeError(`synthetic chain runs out of money at transaction ${i} (funding ${args.funding.value} sats)`);
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(Buffer.from(prev.txid, 'hex').reverse(), prev.vout, 0xfffffffd);
    for (const p of payments) tx.addOutput(p.script, p.sats);
    tx.addOutput(args.carryScript, carry);
    if (args.sign !== undefined) args.sign(tx, prev.value);
    else tx.setWitness(0, fakeWitness());
    const rec = txRecord(tx);
    out.push(rec);
    prev = { txid: rec.txid, vout: payments.length, value: carry };
  }
  return out;
}

export interface SyntheticBlockArgs {
  count: number;
  payTo?: readonly SyntheticPayment[];
  /** Default: the regtest genesis hash. */
  prevHash?: string;
  /** Default 1. */
  height?: number;
  /** Unix seconds; default 1 700 000 000. */
  time?: number;
}

export interface SyntheticBlock {
  hash: string;
  raw: Buffer;
  hex: string;
  /** Coinbase first. */
  txids: string[];
}

/**
 * A standalone block (not on any simulator's chain) with a coinbase and `count`
 * synthetic transactions, funded from a made-up coin: for parser benchmarks.
 */
export function syntheticBlock(args: SyntheticBlockArgs): SyntheticBlock {
  const cost = syntheticChainCost(args.count, args.payTo);
  const funding = { txid: Buffer.from(bcrypto.sha256(Buffer.from('till synthetic funding'))).toString('hex'), vout: 0, value: cost + 100_000n };
  const carryScript = fillerScript(-1);
  const txs = syntheticChain({ count: args.count, payTo: args.payTo, funding, carryScript });
  const outSum = txs.reduce((s, t) => s + t.tx.outs.reduce((a, o) => a + o.value, 0n), 0n);
  const inSum = funding.value + txs.slice(0, -1).reduce((s, t) => s + (t.tx.outs[t.tx.outs.length - 1]?.value ?? 0n), 0n);
  const { block, txs: mined } = mineBlock({
    prevHash: args.prevHash ?? '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
    height: args.height ?? 1,
    txs,
    fees: inSum - outSum,
    payoutScript: carryScript,
    time: args.time ?? 1_700_000_000,
    extraNonce: 0,
  });
  const raw = Buffer.from(block.toBuffer());
  return { hash: block.getId(), raw, hex: raw.toString('hex'), txids: mined.map((t) => t.txid) };
}
