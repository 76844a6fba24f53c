/**
 * The simulator's own wallet: one P2WPKH key derived with BIP32 from a fixed seed. It
 * receives the coinbases, tracks its spendable coins (confirmed and unconfirmed, as the
 * chain and mempool change) and builds properly signed transactions the way Core's
 * wallet does: version 2, anti-fee-sniping locktime, BIP125 signalling by default.
 */
import { BIP32Factory } from 'bip32';
import { Transaction, crypto as bcrypto, networks, payments, script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { outpointKey } from './bytes.js';
import type { Coin } from './chain.js';
import { COINBASE_MATURITY } from './consensus.js';
import { prevTxid, type TxRecord } from './tx.js';

export const RBF_SEQUENCE = 0xfffffffd;
/** Core's wallet without RBF: final for RBF purposes but nLockTime still enforced. */
export const NON_RBF_SEQUENCE = 0xfffffffe;
const SIGHASH_ALL = Transaction.SIGHASH_ALL;
/** An upper bound of one P2WPKH input's witness: count, 72-byte DER+sighash, 33-byte key. */
const P2WPKH_WITNESS_BYTES = 1 + 1 + 72 + 1 + 33;

export interface WalletCoin {
  /** txid:vout */
  readonly key?: string;
  readonly txid: string;
  readonly vout: number;
  readonly value: bigint;
  /** -1 while unconfirmed. */
  readonly height: number;
  readonly coinbase: boolean;
}

/** Where the wallet learns whether an outpoint exists and is still unspent. */
export interface CoinSource {
  /** The coin in the UTXO set, or a mempool output (height -1). */
  lookup(key: string): Coin | undefined;
  spentInMempool(key: string): boolean;
}

export interface TxOut {
  script: Uint8Array;
  value: bigint;
}

export interface BuildOptions {
  outputs: readonly TxOut[];
  /** sat/vB */
  feeRate: number;
  replaceable: boolean;
  tipHeight: number;
  /** Inputs the transaction must spend (a replacement spends its original's). */
  mustSpend?: readonly WalletCoin[];
  /** Coins not to touch (e.g. outputs of the transaction being replaced). */
  avoid?: ReadonlySet<string>;
  /** The least fee acceptable for a transaction of this vsize (BIP125 rules). */
  feeFloor?: (vsize: number) => bigint;
  /** Only use confirmed coins. */
  confirmedOnly?: boolean;
}

export class InsufficientFunds extends Error {}

/** Core's GetDustThreshold at the default dustrelayfee of 3 sat/vB. */
export function dustThreshold(script: Uint8Array): bigint {
  if (script[0] === 0x6a) return 0n;
  const outputSize = 8 + compactSizeLen(script.length) + script.length;
  const isWitness = script.length >= 4 && script.length <= 42 && (script[0] === 0 || ((script[0] as number) >= 0x51 && (script[0] as number) <= 0x60)) && (script[1] as number) + 2 === script.length;
  const spendSize = isWitness ? 32 + 4 + 1 + Math.floor(107 / 4) + 4 : 32 + 4 + 1 + 107 + 4;
  return BigInt(3 * (outputSize + spendSize));
}

function compactSizeLen(n: number): number {
  return n < 0xfd ? 1 : n <= 0xffff ? 3 : 5;
}

/** vsize of a transaction with `inputs` P2WPKH inputs paying `outputs`, signatures at their largest. */
export function estimateVsize(inputs: number, outputScripts: readonly Uint8Array[]): number {
  const base =
    4 + 4 + compactSizeLen(inputs) + compactSizeLen(outputScripts.length) + inputs * 41 +
    outputScripts.reduce((sum, s) => sum + 8 + compactSizeLen(s.length) + s.length, 0);
  const witness = 2 + inputs * P2WPKH_WITNESS_BYTES;
  return Math.ceil((base * 4 + witness) / 4);
}

export class SimWallet {
  readonly script: Buffer;
  readonly address: string;
  readonly publicKey: Uint8Array;
  private readonly privateKey: Uint8Array;
  private readonly scriptCode: Uint8Array;
  private readonly coins = new Map<string, WalletCoin>();

  constructor(seed: Uint8Array = bcrypto.sha256(Buffer.from('till regtest simulator wallet'))) {
    const node = BIP32Factory(ecc).fromSeed(seed, networks.regtest).derivePath("m/84'/1'/0'/0/0");
    if (node.privateKey === undefined) throw new Error('no private key');
    this.privateKey = node.privateKey;
    this.publicKey = node.publicKey;
    const p2wpkh = payments.p2wpkh({ pubkey: this.publicKey, network: networks.regtest });
    this.script = Buffer.from(p2wpkh.output as Uint8Array);
    this.address = p2wpkh.address as string;
    // BIP143: a P2WPKH input signs as if its script were the P2PKH script of the key.
    this.scriptCode = payments.p2pkh({ hash: p2wpkh.hash }).output as Uint8Array;
  }

  owns(script: Uint8Array): boolean {
    return this.script.equals(script);
  }

  /** Re-reads one outpoint: a wallet coin iff it exists, pays us and nothing in the mempool spends it. */
  refresh(key: string, source: CoinSource): void {
    const coin = source.lookup(key);
    if (coin === undefined || !this.owns(coin.script) || source.spentInMempool(key)) {
      this.coins.delete(key);
      return;
    }
    const sep = key.lastIndexOf(':');
    this.coins.set(key, { key, txid: key.slice(0, sep), vout: Number(key.slice(sep + 1)), value: coin.value, height: coin.height, coinbase: coin.coinbase });
  }

  /** Refreshes everything `rec` spends or creates. */
  refreshTx(rec: TxRecord, source: CoinSource): void {
    if (!rec.tx.isCoinbase()) for (const input of rec.tx.ins) this.refresh(outpointKey(prevTxid(input), input.index), source);
    rec.tx.outs.forEach((_o, vout) => this.refresh(outpointKey(rec.txid, vout), source));
  }

  coin(key: string): WalletCoin | undefined {
    return this.coins.get(key);
  }

  spendable(tipHeight: number, confirmedOnly = false): WalletCoin[] {
    return [...this.coins.values()].filter((c) => this.isSpendable(c, tipHeight, confirmedOnly));
  }

  balance(tipHeight: number): { confirmed: bigint; unconfirmed: bigint; immature: bigint } {
    const out = { confirmed: 0n, unconfirmed: 0n, immature: 0n };
    for (const c of this.coins.values()) {
      if (c.height < 0) out.unconfirmed += c.value;
      else if (this.isSpendable(c, tipHeight, true)) out.confirmed += c.value;
      else out.immature += c.value;
    }
    return out;
  }

  private isSpendable(c: WalletCoin, tipHeight: number, confirmedOnly: boolean): boolean {
    if (c.height < 0) return !confirmedOnly;
    // Spendable in the next block (the mempool's view): height tip + 1.
    return !c.coinbase || tipHeight + 1 - c.height >= COINBASE_MATURITY;
  }

  /**
   * A signed transaction paying `outputs` (in order), change back to the wallet last.
   * Picks the smallest confirmed coin that covers everything, else adds coins largest
   * first (confirmed before unconfirmed).
   */
  build(opts: BuildOptions): { tx: Transaction; inputs: WalletCoin[]; fee: bigint } {
    const must = [...(opts.mustSpend ?? [])];
    const mustKeys = new Set(must.map((c) => outpointKey(c.txid, c.vout)));
    const target = opts.outputs.reduce((sum, o) => sum + o.value, 0n);
    const outScripts = opts.outputs.map((o) => o.script);
    const feeFor = (nIn: number, withChange: boolean): bigint => {
      const vsize = estimateVsize(nIn, withChange ? [...outScripts, this.script] : outScripts);
      const byRate = BigInt(Math.ceil(vsize * opts.feeRate));
      const floor = opts.feeFloor?.(vsize) ?? 0n;
      return byRate > floor ? byRate : floor;
    };
    const sum = (cs: readonly WalletCoin[]) => cs.reduce((s, c) => s + c.value, 0n);
    // A plain loop over the live coins: this runs once per payment, over thousands of coins.
    const avoid = opts.avoid;
    const usable = (c: WalletCoin): boolean => {
      if (!this.isSpendable(c, opts.tipHeight, opts.confirmedOnly ?? false)) return false;
      if (mustKeys.size === 0 && (avoid === undefined || avoid.size === 0)) return true;
      const key = c.key ?? outpointKey(c.txid, c.vout);
      return !mustKeys.has(key) && !(avoid?.has(key) ?? false);
    };

    let chosen: WalletCoin[] = must;
    if (must.length === 0 || sum(must) < target + feeFor(must.length, true)) {
      const need = target + feeFor(must.length + 1, true) - sum(must);
      let best: WalletCoin | undefined;
      for (const c of this.coins.values()) {
        if (c.value < need || !usable(c)) continue;
        const better = best === undefined || (c.height >= 0 && best.height < 0) || ((c.height >= 0) === (best.height >= 0) && c.value < best.value);
        if (better) best = c;
      }
      if (best !== undefined) {
        chosen = [...must, best];
      } else {
        const sorted = [...this.coins.values()].filter(usable).sort((a, b) => (a.height >= 0) !== (b.height >= 0) ? (a.height >= 0 ? -1 : 1) : a.value > b.value ? -1 : a.value < b.value ? 1 : 0);
        chosen = [...must];
        for (const c of sorted) {
          if (sum(chosen) >= target + feeFor(chosen.length, true)) break;
          chosen.push(c);
        }
      }
    }
    const inSum = sum(chosen);
    if (chosen.length === 0 || inSum < target + feeFor(chosen.length, false)) {
      const spendable = [...this.coins.values()].filter(usable);
      throw new InsufficientFunds(`the simulator's wallet cannot pay ${target} sats plus fee (spendable: ${sum(spendable) + sum(must)} sats)`);
    }
    let fee = feeFor(chosen.length, true);
    let change = inSum - target - fee;
    // Change below dust (or a wallet-only payment with nothing else) goes to the fee.
    const forceChange = opts.outputs.length === 0;
    if (change < dustThreshold(this.script) && !forceChange) {
      fee = inSum - target;
      change = 0n;
    }
    if (forceChange && change <= 0n) throw new InsufficientFunds('nothing left for the wallet after the fee');

    const tx = new Transaction();
    tx.version = 2;
    tx.locktime = opts.tipHeight;
    const sequence = opts.replaceable ? RBF_SEQUENCE : NON_RBF_SEQUENCE;
    for (const c of chosen) tx.addInput(Buffer.from(c.txid, 'hex').reverse(), c.vout, sequence);
    for (const o of opts.outputs) tx.addOutput(o.script, o.value);
    if (change > 0n) tx.addOutput(this.script, change);
    this.sign(tx, chosen.map((c) => c.value));
    return { tx, inputs: chosen, fee };
  }

  /** Signs every input as a P2WPKH spend of this wallet's key. */
  sign(tx: Transaction, values: readonly bigint[]): void {
    tx.ins.forEach((_in, i) => {
      const hash = tx.hashForWitnessV0(i, this.scriptCode, values[i] as bigint, SIGHASH_ALL);
      const sig = bscript.signature.encode(ecc.sign(hash, this.privateKey), SIGHASH_ALL);
      tx.setWitness(i, [sig, this.publicKey]);
    });
  }
}
