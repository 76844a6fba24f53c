/**
 * The RegtestNode contract against the real daemons (litecoind here and in CI, bitcoind
 * where installed). Every claim is checked through the daemon's own RPC and by parsing its
 * raw transactions and blocks with bitcoinjs-lib, the way Till reads them.
 */
import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { JsonRpcClient, satsFromRpc } from '../../../regtest/daemon.js';
import { describeEachNode } from '../../../regtest/find-nodes.js';
import type { NodeKind, RegtestNode } from '../../../regtest/node.js';
import { toLitecoinRegtestAddress } from '../../../regtest/litecoind.js';
import { TillError } from '../../../src/domain/errors.js';
import { fixture as readFixture, type Vectors } from '../../helpers/fixtures.js';

const REAL_DAEMONS: readonly NodeKind[] = ['bitcoind', 'litecoind'];

interface AddressFixture {
  type: string;
  address: string;
  scriptPubKey: string;
}
const addresses = readFixture<Vectors<AddressFixture>>('nodes', 'addresses').valid;

function fixture(type: string): AddressFixture {
  const found = addresses.find((a) => a.type === type);
  if (found === undefined) throw new Error(`no ${type} fixture`);
  return found;
}

const P2WPKH = fixture('p2wpkh');
const P2TR = fixture('p2tr');
const P2WSH = fixture('p2wsh');

/** Reads what the node holds, over its RPC, with the harness's own client. */
class Chain {
  readonly rpc: JsonRpcClient;

  constructor(node: RegtestNode) {
    this.rpc = new JsonRpcClient(node.rpc);
  }

  async tx(txid: string): Promise<Transaction> {
    return Transaction.fromHex(await this.rpc.call<string>('getrawtransaction', [txid]));
  }

  async mempool(): Promise<string[]> {
    return this.rpc.call<string[]>('getrawmempool');
  }

  async blockTxids(hash: string): Promise<string[]> {
    return (await this.rpc.call<{ tx: string[] }>('getblock', [hash, 1])).tx;
  }

  async confirmations(hash: string): Promise<number> {
    return (await this.rpc.call<{ confirmations: number }>('getblockheader', [hash])).confirmations;
  }

  async fee(txid: string): Promise<bigint> {
    return satsFromRpc((await this.rpc.call<{ fees: { base: string } }>('getmempoolentry', [txid])).fees.base);
  }
}

function paidTo(tx: Transaction, scriptPubKey: string): bigint[] {
  return tx.outs.filter((out) => Buffer.from(out.script).toString('hex') === scriptPubKey).map((out) => out.value);
}

function outpoints(tx: Transaction): string[] {
  return tx.ins.map((input) => `${Buffer.from(input.hash).toString('hex')}:${input.index}`);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describeEachNode(
  'regtest node',
  [],
  (getNode, kind) => {
    let chain: Chain;
    before(function () {
      chain = new Chain(getNode());
    });

    it('starts on a short chain with the wallet funded', async function () {
      const node = getNode();
      const height = await node.tipHeight();
      // Short on purpose: litecoind's MWEB deployment must never get near activation.
      expect(height).to.be.within(101, 110);
      expect(await node.bestBlockHash()).to.equal(await chain.rpc.call('getblockhash', [height]));
      expect(await chain.mempool()).to.deep.equal([]);
    });

    it('serves blocks bitcoinjs-lib parses with the same ids (genesis and a block with a segwit spend)', async function () {
      const genesis = await chain.rpc.call<string>('getblockhash', [0]);
      expect(Block.fromHex(await chain.rpc.call<string>('getblock', [genesis, 0])).getId()).to.equal(genesis);
      const tip = await getNode().bestBlockHash();
      const block = Block.fromHex(await chain.rpc.call<string>('getblock', [tip, 0]));
      expect(block.getId()).to.equal(tip);
      expect((block.transactions ?? []).map((tx) => tx.getId())).to.deep.equal(await chain.blockTxids(tip));
      expect(block.transactions?.some((tx) => tx.hasWitnesses())).to.equal(true);
    });

    addresses.forEach((a, i) => {
      it(`pays a ${a.type} address the exact sats, visible in the raw mempool transaction`, async function () {
        const sats = 123_456n + BigInt(i);
        const txid = await getNode().pay(a.address, sats);
        expect(await chain.mempool()).to.include(txid);
        const tx = await chain.tx(txid);
        expect(tx.getId()).to.equal(txid);
        expect(paidTo(tx, a.scriptPubKey)).to.deep.equal([sats]);
        if (kind === 'litecoind') {
          const info = await chain.rpc.call<{ isvalid: boolean; scriptPubKey: string }>('validateaddress', [toLitecoinRegtestAddress(a.address)]);
          expect(info).to.include({ isvalid: true, scriptPubKey: a.scriptPubKey });
        }
      });
    });

    it('pays dust-free small amounts the way Core would (294 sats to p2wpkh)', async function () {
      const txid = await getNode().pay(P2WPKH.address, 294n);
      expect(paidTo(await chain.tx(txid), P2WPKH.scriptPubKey)).to.deep.equal([294n]);
    });

    it('payMany pays several addresses in one transaction', async function () {
      const outputs = [
        { address: P2WPKH.address, sats: 10_001n },
        { address: P2TR.address, sats: 20_002n },
        { address: P2WSH.address, sats: 30_003n },
      ];
      const txid = await getNode().payMany(outputs);
      const tx = await chain.tx(txid);
      for (const [i, out] of outputs.entries()) {
        expect(paidTo(tx, addresses.find((a) => a.address === out.address)?.scriptPubKey ?? ''), `output ${i}`).to.deep.equal([out.sats]);
      }
    });

    it('signals BIP125 unless asked not to', async function () {
      const rbf = await chain.tx(await getNode().pay(P2WPKH.address, 5_000n));
      const final = await chain.tx(await getNode().pay(P2WPKH.address, 5_001n, { replaceable: false }));
      expect(rbf.ins.some((input) => input.sequence < 0xfffffffe)).to.equal(true);
      expect(final.ins.every((input) => input.sequence >= 0xfffffffe)).to.equal(true);
    });

    it('mine(n) mines n blocks, the mempool in the first', async function () {
      const node = getNode();
      const txid = await node.pay(P2WPKH.address, 40_000n);
      const height = await node.tipHeight();
      const hashes = await node.mine(2);
      expect(hashes).to.have.length(2);
      expect(await node.tipHeight()).to.equal(height + 2);
      expect(await node.bestBlockHash()).to.equal(hashes[1]);
      expect(await chain.blockTxids(hashes[0] ?? '')).to.include(txid);
      expect(await chain.mempool()).to.deep.equal([]);
      expect(await node.mine()).to.have.length(1);
    });

    for (const depth of [1, 3]) {
      it(`reorg(${depth}) replaces the last ${depth} block(s) with a longer branch that mines their transactions again`, async function () {
        const node = getNode();
        const txid = await node.pay(P2WPKH.address, 50_000n + BigInt(depth));
        const old = await node.mine(depth);
        const oldTip = old[old.length - 1] ?? '';
        const height = await node.tipHeight();
        const fresh = await node.reorg(depth);
        expect(fresh).to.have.length(depth + 1);
        expect(await chain.confirmations(oldTip)).to.equal(-1);
        for (const hash of old) expect(await chain.confirmations(hash)).to.equal(-1);
        expect(await node.tipHeight()).to.equal(height + 1);
        expect(await node.bestBlockHash()).to.equal(fresh[fresh.length - 1]);
        expect(await chain.rpc.call('getblockhash', [height - depth + 1])).to.equal(fresh[0]);
        expect(await chain.blockTxids(fresh[0] ?? '')).to.include(txid);
        expect(await chain.mempool()).to.deep.equal([]);
      });
    }

    it('reorg with extra 0 and dropTxs keeps the transaction out of the new branch but in the mempool', async function () {
      const node = getNode();
      const dropped = await node.pay(P2WPKH.address, 60_000n);
      const kept = await node.pay(P2TR.address, 60_001n);
      const [old] = await node.mine(1);
      expect(await chain.blockTxids(old ?? '')).to.include.members([dropped, kept]);
      const height = await node.tipHeight();
      const fresh = await node.reorg(1, { extra: 0, dropTxs: [dropped] });
      expect(fresh).to.have.length(1);
      expect(await node.tipHeight()).to.equal(height);
      expect(await chain.confirmations(old ?? '')).to.equal(-1);
      const txids = await chain.blockTxids(fresh[0] ?? '');
      expect(txids).to.include(kept).and.not.include(dropped);
      expect(await chain.mempool()).to.deep.equal([dropped]);
      // The exclusion is undone: the next block confirms it.
      const [next] = await node.mine(1);
      expect(await chain.blockTxids(next ?? '')).to.include(dropped);
    });

    it('refuses bad reorg depths', async function () {
      const node = getNode();
      const height = await node.tipHeight();
      for (const depth of [0, -1, 1.5, height + 1]) {
        expect(await rejection(node.reorg(depth)), `depth ${depth}`).to.be.instanceOf(TillError);
      }
      expect(await node.tipHeight()).to.equal(height);
    });

    it('refuses what its capabilities deny, without touching the chain', async function () {
      const node = getNode();
      const height = await node.tipHeight();
      const txid = await node.pay(P2WPKH.address, 70_000n);
      if (!node.caps.evict) {
        expect(await rejection(node.evict(txid))).to.be.instanceOf(TillError);
        expect(await rejection(node.reorg(1, { evict: true, dropTxs: [txid] }))).to.be.instanceOf(TillError);
      }
      if (!node.caps.dropZmq) expect(() => node.dropZmq('rawtx', 1)).to.throw(TillError);
      expect(await node.tipHeight()).to.equal(height);
      expect(await chain.mempool()).to.include(txid);
    });
  },
  { kinds: REAL_DAEMONS },
);

describeEachNode(
  'regtest node replace',
  ['rbf'],
  (getNode) => {
    let chain: Chain;
    before(function () {
      chain = new Chain(getNode());
    });

    it('replace() bumps the fee and keeps the payment', async function () {
      const node = getNode();
      const txid = await node.pay(P2WPKH.address, 80_000n);
      const fee = await chain.fee(txid);
      const bumped = await node.replace(txid);
      expect(bumped).to.not.equal(txid);
      const mempool = await chain.mempool();
      expect(mempool).to.include(bumped).and.not.include(txid);
      expect(paidTo(await chain.tx(bumped), P2WPKH.scriptPubKey)).to.deep.equal([80_000n]);
      expect(await chain.fee(bumped) > fee).to.equal(true);
    });

    it('replace(outputs: []) sends everything back to the wallet: the payment disappears', async function () {
      const node = getNode();
      const txid = await node.pay(P2WPKH.address, 81_000n);
      const original = await chain.tx(txid);
      const replacement = await node.replace(txid, { outputs: [] });
      const tx = await chain.tx(replacement);
      expect(paidTo(tx, P2WPKH.scriptPubKey)).to.deep.equal([]);
      expect(outpoints(tx)).to.deep.equal(outpoints(original));
      expect(tx.outs).to.have.length(1);
      expect(await chain.mempool()).to.include(replacement).and.not.include(txid);
    });

    it('replace(outputs) pays someone else instead, spending the same inputs', async function () {
      const node = getNode();
      const txid = await node.pay(P2WPKH.address, 82_000n);
      const original = await chain.tx(txid);
      const replacement = await node.replace(txid, { outputs: [{ address: P2TR.address, sats: 82_001n }] });
      const tx = await chain.tx(replacement);
      expect(paidTo(tx, P2WPKH.scriptPubKey)).to.deep.equal([]);
      expect(paidTo(tx, P2TR.scriptPubKey)).to.deep.equal([82_001n]);
      expect(outpoints(tx)).to.deep.equal(outpoints(original));
      const [block] = await node.mine(1);
      expect(await chain.blockTxids(block ?? '')).to.include(replacement).and.not.include(txid);
    });
  },
  { kinds: REAL_DAEMONS },
);

describeEachNode(
  'regtest node restart',
  ['restart'],
  (getNode) => {
    it('restart keeps the chain, the mempool and the wallet', async function () {
      const node = getNode();
      const chain = new Chain(node);
      await node.pay(P2WPKH.address, 90_000n);
      await node.mine(1);
      const pending = await node.pay(P2TR.address, 90_001n);
      const tip = await node.bestBlockHash();
      const height = await node.tipHeight();
      await node.restart();
      expect(await node.bestBlockHash()).to.equal(tip);
      expect(await node.tipHeight()).to.equal(height);
      expect(await chain.mempool()).to.deep.equal([pending]);
      expect(paidTo(await chain.tx(pending), P2TR.scriptPubKey)).to.deep.equal([90_001n]);
      const after = await node.pay(P2WPKH.address, 90_002n);
      const [block] = await node.mine(1);
      expect(await chain.blockTxids(block ?? '')).to.include.members([pending, after]);
    });
  },
  { kinds: REAL_DAEMONS },
);
