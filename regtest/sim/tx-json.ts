/** Core's TxToUniv: the JSON of a transaction in getrawtransaction (verbose) and getblock 2/3. */
import { hex } from './bytes.js';
import type { Coin } from './chain.js';
import { btc } from './json.js';
import { classifyScript, inferDescriptor, scriptAsm, scriptToAddress } from './script.js';
import { prevTxid, type TxRecord } from './tx.js';

export function scriptPubKeyJson(script: Uint8Array): Record<string, unknown> {
  return {
    asm: scriptAsm(script),
    desc: inferDescriptor(script),
    hex: hex(script),
    address: scriptToAddress(script),
    type: classifyScript(script),
  };
}

export interface TxJsonOptions {
  /** The coins spent, input by input: adds `fee` (and with `prevout`, each input's prevout). */
  prevouts?: readonly Coin[];
  prevout?: boolean;
  includeHex?: boolean;
}

export function txToJson(rec: TxRecord, opts: TxJsonOptions = {}): Record<string, unknown> {
  const { tx } = rec;
  const coinbase = tx.isCoinbase();
  const vin = tx.ins.map((input, i) => {
    const witness = input.witness.length > 0 ? input.witness.map((w) => hex(w)) : undefined;
    if (coinbase) return { coinbase: hex(input.script), txinwitness: witness, sequence: input.sequence };
    const coin = opts.prevouts?.[i];
    return {
      txid: prevTxid(input),
      vout: input.index,
      scriptSig: { asm: scriptAsm(input.script, true), hex: hex(input.script) },
      txinwitness: witness,
      prevout:
        opts.prevout === true && coin !== undefined
          ? { generated: coin.coinbase, height: coin.height, value: btc(coin.value), scriptPubKey: scriptPubKeyJson(coin.script) }
          : undefined,
      sequence: input.sequence,
    };
  });
  const vout = tx.outs.map((out, n) => ({ value: btc(out.value), n, scriptPubKey: scriptPubKeyJson(out.script) }));
  let fee: ReturnType<typeof btc> | undefined;
  if (!coinbase && opts.prevouts !== undefined) {
    const inSum = opts.prevouts.reduce((sum, c) => sum + c.value, 0n);
    fee = btc(inSum - tx.outs.reduce((sum, o) => sum + o.value, 0n));
  }
  return {
    txid: rec.txid,
    hash: rec.wtxid,
    version: tx.version >>> 0,
    size: rec.size,
    vsize: rec.vsize,
    weight: rec.weight,
    locktime: tx.locktime,
    vin,
    vout,
    fee,
    hex: opts.includeHex === false ? undefined : rec.raw.toString('hex'),
  };
}
