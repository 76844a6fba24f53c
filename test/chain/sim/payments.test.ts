import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { isTillError } from '../../../src/domain/errors.js';
import { startSimNode, type SimNode } from '../../../regtest/sim-node.js';
import { scriptToAddress } from '../../../regtest/sim/script.js';
import { fillerScript } from '../../../regtest/sim/synthetic.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { rpcClient, ZmqRecorder } from './helpers.js';

const addresses = fixture<Vectors<{ address: string; script: string; type: string }, { address: string }>>('sim', 'addresses');

async function tillError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isTillError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a TillError');
}

describe('sim node: wallet payments and big blocks', function () {
  let node: SimNode;
  let client: ReturnType<typeof rpcClient>;

  before(async function () {
    // A 1,000-transaction block is 2,001 frames at once: past Core's default high-water
    // mark a slow subscriber loses some, as it would from Core. This suite checks the
    // frames themselves, so it gives the publisher room.
    node = await startSimNode({ zmq: { hwm: 100_000 } });
    client = rpcClient(node);
  });

  after(async function () {
    await node.close();
  });

  for (const v of addresses.valid) {
    it(`pays ${v.type} ${v.address} the exact amount`, async function () {
      const sats = 100_000n + BigInt(v.address.length);
      const txid = await node.pay(v.address, sats);
      const tx = Transaction.fromHex(await client.command('getrawtransaction', txid));
      const hits = tx.outs.filter((o) => Buffer.from(o.script).toString('hex') === v.script);
      expect(hits.map((o) => o.value)).to.deep.equal([sats]);
    });
  }

  for (const v of addresses.invalid) {
    it(`refuses to pay ${v.address} (${v.description})`, async function () {
      expect(await tillError(node.pay(v.address, 10_000n))).to.equal('validation_failed');
    });
  }

  it('refuses dust, duplicated payMany addresses and more money than it has', async function () {
    expect(await tillError(node.pay(addresses.valid[0]?.address as string, 293n))).to.equal('validation_failed');
    const a = addresses.valid[0]?.address as string;
    expect(await tillError(node.payMany([{ address: a, sats: 1000n }, { address: a, sats: 2000n }]))).to.equal('validation_failed');
    expect(await tillError(node.pay(a, 21_000_000n * 100_000_000n))).to.equal('invalid_state');
  });

  it('pays 1,000 addresses quickly and mines them in one block, every rawtx frame delivered', async function () {
    this.timeout(30_000);
    const zmq = await ZmqRecorder.connect(node);
    try {
      await node.mine(1);
      await zmq.settle();
      const started = Date.now();
      const txids: string[] = [];
      for (let i = 0; i < 1000; i++) txids.push(await node.pay(scriptToAddress(fillerScript(i)) as string, 10_000n + BigInt(i)));
      const payMs = Date.now() - started;
      expect(payMs, `1000 payments took ${payMs} ms`).to.be.below(10_000);
      const [hash] = await node.mine(1);
      await zmq.waitFor({ rawtx: 2001, sequence: 1001, hashblock: 1 }, 15_000);
      const rawtx = zmq.since('rawtx');
      expect(rawtx.map((m) => m.seq)).to.deep.equal(Array.from({ length: 2001 }, (_v, i) => (rawtx[0]?.seq ?? 0) + i));
      const block = Block.fromHex(await client.command('getblock', hash, 0));
      expect(block.transactions).to.have.length(1001);
      expect(block.checkTxRoots()).to.equal(true);
      expect(new Set(block.transactions?.slice(1).map((t) => t.getId()))).to.deep.equal(new Set(txids));
    } finally {
      zmq.close();
    }
  });

  it('mines a 4,000-transaction synthetic block in seconds: consistent, parseable, payments in place', async function () {
    this.timeout(30_000);
    const payTo = [
      { address: addresses.valid[2]?.address as string, sats: 55_555n },
      { script: fillerScript(-7), sats: 66_666n },
    ];
    const started = Date.now();
    const hash = await node.mineSynthetic({ txCount: 4000, payTo });
    const ms = Date.now() - started;
    expect(ms, `took ${ms} ms`).to.be.below(8_000);
    const block = Block.fromHex(await client.command('getblock', hash, 0));
    expect(block.getId()).to.equal(hash);
    expect(block.transactions).to.have.length(4001);
    expect(block.checkTxRoots()).to.equal(true);
    expect(block.checkProofOfWork()).to.equal(true);
    const outs = new Set((block.transactions ?? []).flatMap((t) => t.outs.map((o) => `${Buffer.from(o.script).toString('hex')}:${o.value}`)));
    expect(outs.has(`${addresses.valid[2]?.script}:55555`)).to.equal(true);
    expect(outs.has(`${fillerScript(-7).toString('hex')}:66666`)).to.equal(true);
    // The chain goes on: the wallet can still pay and mine on top.
    await node.pay(addresses.valid[0]?.address as string, 12_000n);
    const [next] = await node.mine(1);
    expect((await client.command('getblockheader', next)).previousblockhash).to.equal(hash);
  });
});
