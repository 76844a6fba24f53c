/**
 * The block tree, the active chain and the UTXO set with undo data, so blocks can be
 * connected and disconnected exactly (a reorg restores the very coins it spent).
 */
import { outpointKey } from './bytes.js';
import { COINBASE_MATURITY, blockSubsidy, type BlockRecord } from './consensus.js';
import { prevTxid, type TxRecord } from './tx.js';

export interface Coin {
  readonly value: bigint;
  readonly script: Uint8Array;
  /** Height of the block that created it. */
  readonly height: number;
  readonly coinbase: boolean;
}

export class ConsensusError extends Error {}

export class ChainState {
  readonly blocks = new Map<string, BlockRecord>();
  readonly active: BlockRecord[] = [];
  readonly utxo = new Map<string, Coin>();
  /** Per connected block: the coins each non-coinbase tx spent, input by input. */
  private readonly undo = new Map<string, Coin[][]>();
  private readonly invalid = new Set<string>();
  private readonly txIndexes = new Map<string, Map<string, number>>();

  constructor(genesis: BlockRecord) {
    // Like Core, the genesis coinbase never enters the UTXO set.
    this.blocks.set(genesis.hash, genesis);
    this.active.push(genesis);
  }

  tip(): BlockRecord {
    return this.active[this.active.length - 1] as BlockRecord;
  }

  height(): number {
    return this.active.length - 1;
  }

  get(hash: string): BlockRecord | undefined {
    return this.blocks.get(hash.toLowerCase());
  }

  atHeight(height: number): BlockRecord | undefined {
    return this.active[height];
  }

  onActiveChain(block: BlockRecord): boolean {
    return this.active[block.height] === block;
  }

  /** Core's confirmations: depth on the active chain, -1 off it. */
  confirmations(block: BlockRecord): number {
    return this.onActiveChain(block) ? this.height() - block.height + 1 : -1;
  }

  next(block: BlockRecord): BlockRecord | undefined {
    return this.onActiveChain(block) ? this.active[block.height + 1] : undefined;
  }

  isInvalid(block: BlockRecord): boolean {
    return this.invalid.has(block.hash);
  }

  markInvalid(block: BlockRecord): void {
    this.invalid.add(block.hash);
  }

  /** reconsiderblock: the block and its descendants may be connected again. */
  clearInvalid(block: BlockRecord): void {
    for (const b of this.blocks.values()) {
      for (let at: BlockRecord | null = b; at !== null; at = at.prev) {
        if (at === block) {
          this.invalid.delete(b.hash);
          break;
        }
      }
    }
  }

  undoFor(block: BlockRecord): Coin[][] | undefined {
    return this.undo.get(block.hash);
  }

  /** Index of a transaction in a block, or -1. */
  txIndex(block: BlockRecord, txid: string): number {
    let index = this.txIndexes.get(block.hash);
    if (index === undefined) {
      index = new Map(block.txs.map((t, i) => [t.txid, i]));
      this.txIndexes.set(block.hash, index);
    }
    return index.get(txid) ?? -1;
  }

  /** Blocks no other block builds on. */
  tips(): BlockRecord[] {
    const parents = new Set<string>();
    for (const b of this.blocks.values()) if (b.prev !== null) parents.add(b.prev.hash);
    return [...this.blocks.values()].filter((b) => !parents.has(b.hash));
  }

  /** Checks `block` against the UTXO set and makes it the new tip. */
  connect(block: BlockRecord): void {
    if (block.prev !== this.tip()) throw new ConsensusError(`block ${block.hash} does not build on the tip`);
    const spentKeys: string[] = [];
    const spentCoins: Coin[] = [];
    const undo: Coin[][] = [];
    const added: string[] = [];
    const rollback = () => {
      for (const key of added) this.utxo.delete(key);
      const created = new Set(added);
      spentCoins.forEach((coin, i) => {
        const key = spentKeys[i] as string;
        if (!created.has(key)) this.utxo.set(key, coin);
      });
    };
    try {
      let fees = 0n;
      block.txs.forEach((rec, i) => {
        if (i > 0) {
          const spent: Coin[] = [];
          let inSum = 0n;
          for (const input of rec.tx.ins) {
            const key = outpointKey(prevTxid(input), input.index);
            const coin = this.utxo.get(key);
            if (coin === undefined) throw new ConsensusError(`bad-txns-inputs-missingorspent: ${rec.txid} spends ${key}`);
            if (coin.coinbase && block.height - coin.height < COINBASE_MATURITY) {
              throw new ConsensusError(`bad-txns-premature-spend-of-coinbase: ${rec.txid} spends ${key}`);
            }
            this.utxo.delete(key);
            spentKeys.push(key);
            spentCoins.push(coin);
            spent.push(coin);
            inSum += coin.value;
          }
          undo.push(spent);
          const outSum = rec.tx.outs.reduce((sum, o) => sum + o.value, 0n);
          if (outSum > inSum) throw new ConsensusError(`bad-txns-in-belowout: ${rec.txid}`);
          fees += inSum - outSum;
        }
        rec.tx.outs.forEach((out, vout) => {
          const key = outpointKey(rec.txid, vout);
          this.utxo.set(key, { value: out.value, script: out.script, height: block.height, coinbase: i === 0 });
          added.push(key);
        });
      });
      const coinbaseOut = (block.txs[0] as TxRecord).tx.outs.reduce((sum, o) => sum + o.value, 0n);
      if (coinbaseOut > blockSubsidy(block.height) + fees) throw new ConsensusError(`bad-cb-amount in ${block.hash}`);
    } catch (err) {
      rollback();
      throw err;
    }
    this.blocks.set(block.hash, block);
    this.undo.set(block.hash, undo);
    this.active.push(block);
  }

  /** Takes the tip off the active chain and restores the coins it spent. */
  disconnect(): BlockRecord {
    const block = this.tip();
    if (block.prev === null) throw new ConsensusError('cannot disconnect the genesis block');
    const undo = this.undo.get(block.hash);
    if (undo === undefined) throw new ConsensusError(`no undo data for ${block.hash}`);
    for (let i = block.txs.length - 1; i >= 0; i--) {
      const rec = block.txs[i] as TxRecord;
      rec.tx.outs.forEach((_out, vout) => this.utxo.delete(outpointKey(rec.txid, vout)));
      if (i === 0) continue;
      const spent = undo[i - 1] as Coin[];
      rec.tx.ins.forEach((input, j) => this.utxo.set(outpointKey(prevTxid(input), input.index), spent[j] as Coin));
    }
    // The undo data stays: getblock's verbosity 2 reports fees of stale blocks too.
    this.active.pop();
    return block;
  }
}
