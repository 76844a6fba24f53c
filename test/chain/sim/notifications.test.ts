import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { startSimNode, type SimNode } from '../../../regtest/sim-node.js';
import { outpointKey } from '../../../regtest/sim/bytes.js';
import { rpcClient, ZmqRecorder, type SequenceEvent } from './helpers.js';

const PAYEE = 'bcrt1qft5p2uhsdcdc3l2ua4ap5qqfg4pjaqlp250x7us7a8qqhrxrxfsqseac85';
const PAYEE_SCRIPT = '00204ae81572f06e1b88fd5ced7a1a000945432e83e1551e6f721ee9c00b8cc33260';

const txidOf = (raw: Buffer) => Transaction.fromBuffer(raw).getId();
const seqs = (msgs: { seq: number }[]) => msgs.map((m) => m.seq);
const labels = (events: SequenceEvent[]) => events.map((e) => `${e.label}:${e.hash}`);
function consecutive(from: number, n: number): number[] {
  return Array.from({ length: n }, (_v, i) => from + i);
}

describe('sim node: ZMQ notifications like Bitcoin Core', function () {
  let node: SimNode;
  let zmq: ZmqRecorder;
  let client: ReturnType<typeof rpcClient>;

  before(async function () {
    node = await startSimNode({ splitCoins: 40 });
    client = rpcClient(node);
    zmq = await ZmqRecorder.connect(node);
  });

  after(async function () {
    zmq.close();
    await node.close();
  });

  beforeEach(function () {
    zmq.mark();
  });

  it('pay: rawtx then sequence A; every topic starts at 0 and the mempool sequence at 1', async function () {
    const txid = await node.pay(PAYEE, 25_000n);
    await zmq.waitFor({ rawtx: 1, sequence: 1 });
    const [rawtx] = zmq.since('rawtx');
    expect(rawtx?.seq).to.equal(0);
    expect(rawtx?.body.toString('hex')).to.equal(await client.command('getrawtransaction', txid));
    const [seqMsg] = zmq.since('sequence');
    expect(seqMsg?.seq).to.equal(0);
    expect(seqMsg?.body.length).to.equal(41);
    expect(zmq.sequenceSince()).to.deep.equal([{ hash: txid, label: 'A', mempoolSeq: 1n }]);
    expect((await client.command('getrawmempool', false, true)).mempool_sequence).to.equal(2);
    expect(zmq.since('hashblock')).to.have.length(0);
  });

  it('pay(): the payee output holds the exact amount; payMany pays each', async function () {
    const txid = await node.pay(PAYEE, 123_456n);
    const tx = Transaction.fromHex(await client.command('getrawtransaction', txid));
    const paid = tx.outs.filter((o) => Buffer.from(o.script).toString('hex') === PAYEE_SCRIPT).map((o) => o.value);
    expect(paid).to.deep.equal([123_456n]);
    const many = await node.payMany([
      { address: PAYEE, sats: 1_000n },
      { address: 'mrCDrCybB6J1vRfbwM5hemdJz73FwDBC8r', sats: 2_000n },
    ]);
    const manyTx = Transaction.fromHex(await client.command('getrawtransaction', many));
    expect(manyTx.outs.slice(0, 2).map((o) => [Buffer.from(o.script).toString('hex'), o.value])).to.deep.equal([
      [PAYEE_SCRIPT, 1_000n],
      ['76a914751e76e8199196d454941c45d1b3a323f1433bd688ac', 2_000n],
    ]);
    expect(manyTx.ins.every((i) => i.sequence === 0xfffffffd)).to.equal(true);
  });

  it('mine: rawtx for every tx of the block, then C, hashblock and rawblock; mined txs get no R', async function () {
    const mempool: string[] = await client.command('getrawmempool');
    const before = (await client.command('getrawmempool', false, true)).mempool_sequence;
    await zmq.settle();
    const [hash] = await node.mine(1);
    await zmq.waitFor({ rawtx: mempool.length + 1, sequence: 1, hashblock: 1, rawblock: 1 });
    const block = Block.fromHex(await client.command('getblock', hash, 0));
    expect(zmq.since('rawtx').map((m) => txidOf(m.body))).to.deep.equal(block.transactions?.map((t) => t.getId()));
    expect(block.transactions?.slice(1).map((t) => t.getId()).sort()).to.deep.equal([...mempool].sort());
    expect(zmq.sequenceSince()).to.deep.equal([{ hash, label: 'C' }]);
    expect(zmq.since('hashblock').map((m) => m.body.toString('hex'))).to.deep.equal([hash]);
    const rawblock = Block.fromBuffer((zmq.since('rawblock')[0] as { body: Buffer }).body);
    expect(rawblock.getId()).to.equal(hash);
    expect(rawblock.checkTxRoots()).to.equal(true);
    expect(await client.command('getrawmempool')).to.deep.equal([]);
    // Block inclusion is silent on the sequence topic but still uses mempool sequence numbers.
    expect((await client.command('getrawmempool', false, true)).mempool_sequence).to.equal(before + mempool.length);
    // Per-topic counters run on without gaps.
    for (const topic of ['rawtx', 'hashblock', 'rawblock', 'sequence'] as const) {
      const all = seqs(zmq.messages[topic]);
      expect(all, topic).to.deep.equal(consecutive(0, all.length));
    }
  });

  it('replace: R for the original, then rawtx + A for the replacement (same payee, higher fee); [] drops the payee', async function () {
    const original = await node.pay(PAYEE, 40_000n);
    const oldEntry = await client.command('getmempoolentry', original);
    const startSeq = (await client.command('getrawmempool', false, true)).mempool_sequence;
    await zmq.settle();
    const bumped = await node.replace(original);
    await zmq.waitFor({ sequence: 2, rawtx: 1 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`R:${original}`, `A:${bumped}`]);
    expect(zmq.sequenceSince().map((e) => e.mempoolSeq)).to.deep.equal([BigInt(startSeq), BigInt(startSeq + 1)]);
    expect(txidOf((zmq.since('rawtx')[0] as { body: Buffer }).body)).to.equal(bumped);
    const mempool: string[] = await client.command('getrawmempool');
    expect(mempool).to.include(bumped).and.not.include(original);
    const bumpedTx = Transaction.fromHex(await client.command('getrawtransaction', bumped));
    expect(bumpedTx.outs.filter((o) => Buffer.from(o.script).toString('hex') === PAYEE_SCRIPT).map((o) => o.value)).to.deep.equal([40_000n]);
    const newEntry = await client.command('getmempoolentry', bumped);
    expect(Number(newEntry.fees.base) / newEntry.vsize).to.be.greaterThan(Number(oldEntry.fees.base) / oldEntry.vsize);

    await zmq.settle();
    const gone = await node.replace(bumped, { outputs: [] });
    await zmq.waitFor({ sequence: 2 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`R:${bumped}`, `A:${gone}`]);
    const goneTx = Transaction.fromHex(await client.command('getrawtransaction', gone));
    expect(goneTx.outs.map((o) => Buffer.from(o.script).toString('hex'))).to.deep.equal([node.wallet.script.toString('hex')]);
  });

  it('evict: R for the transaction and each descendant', async function () {
    const parent = await node.pay(PAYEE, 30_000n);
    // A child spending the parent's change, built with the simulator's wallet.
    const change = node.wallet.coin(outpointKey(parent, 1));
    if (change === undefined) throw new Error('no change output');
    const { tx } = node.wallet.build({ outputs: [{ script: Buffer.from(PAYEE_SCRIPT, 'hex'), value: 5_000n }], feeRate: 2, replaceable: true, tipHeight: await node.tipHeight(), mustSpend: [change] });
    const child = await node.sendRawTransaction(tx.toHex());
    expect((await client.command('getmempoolentry', child)).depends).to.deep.equal([parent]);
    await zmq.settle();
    await node.evict(parent);
    await zmq.waitFor({ sequence: 2 });
    const events = zmq.sequenceSince();
    expect(events.map((e) => e.label)).to.deep.equal(['R', 'R']);
    expect(events.map((e) => e.hash).sort()).to.deep.equal([parent, child].sort());
    expect(zmq.since('rawtx')).to.have.length(0);
    const mempool: string[] = await client.command('getrawmempool');
    expect(mempool).to.not.include(parent).and.not.include(child);
  });

  it('a block that double-spends a mempool tx: R (conflict) first, then the block', async function () {
    const victim = await node.pay(PAYEE, 20_000n);
    await zmq.settle();
    const [hash] = await node.mine(1, { doubleSpend: [victim] });
    await zmq.waitFor({ sequence: 2, hashblock: 1 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`R:${victim}`, `C:${hash}`]);
    expect((await client.command('getblock', hash, 1)).tx).to.not.include(victim);
  });

  it('dropZmq: the next n messages vanish but use up their sequence numbers', async function () {
    await zmq.settle();
    const last = (zmq.messages.rawtx.at(-1) as { seq: number }).seq;
    const lastSeq = (zmq.messages.sequence.at(-1) as { seq: number }).seq;
    node.dropZmq('rawtx', 2);
    const txids = [await node.pay(PAYEE, 10_000n), await node.pay(PAYEE, 11_000n), await node.pay(PAYEE, 12_000n)];
    await zmq.waitFor({ rawtx: 1, sequence: 3 });
    expect(zmq.since('rawtx').map((m) => [m.seq, txidOf(m.body)])).to.deep.equal([[last + 3, txids[2]]]);
    expect(seqs(zmq.since('sequence'))).to.deep.equal(consecutive(lastSeq + 1, 3));
  });

  it('reorg (invalidateblock style): D + rawtx per old block, its txs back (A), new blocks announced; the old block is off the chain', async function () {
    const paid = await node.pay(PAYEE, 33_000n);
    const dropped = await node.pay(PAYEE, 34_000n);
    const [oldHash] = await node.mine(1);
    const oldBlock = Block.fromHex(await client.command('getblock', oldHash, 0));
    const oldTxids = oldBlock.transactions?.map((t) => t.getId()) ?? [];
    await zmq.settle();
    const newHashes = await node.reorg(1, { dropTxs: [dropped] });
    expect(newHashes).to.have.length(2);
    const returned = oldTxids.slice(1);
    await zmq.waitFor({ sequence: 1 + returned.length + 2, hashblock: 2, rawblock: 2 });
    const expected = [`D:${oldHash}`, ...returned.map((t) => `A:${t}`), ...newHashes.map((h) => `C:${h}`)];
    expect(labels(zmq.sequenceSince())).to.deep.equal(expected);
    // rawtx: the old block's txs (disconnect), each returned tx (mempool), then each new block's txs.
    const rawtx = zmq.since('rawtx').map((m) => txidOf(m.body));
    expect(rawtx.slice(0, oldTxids.length)).to.deep.equal(oldTxids);
    expect(rawtx.slice(oldTxids.length, oldTxids.length + returned.length)).to.deep.equal(returned);
    expect(zmq.since('hashblock').map((m) => m.body.toString('hex'))).to.deep.equal(newHashes);
    expect(await client.command('getbestblockhash')).to.equal(newHashes[1]);
    expect((await client.command('getblockheader', oldHash)).confirmations).to.equal(-1);
    const first = await client.command('getblock', newHashes[0], 1);
    expect(first.tx).to.include(paid).and.not.include(dropped);
    expect(first.previousblockhash).to.equal(oldBlock.prevHash ? Buffer.from(oldBlock.prevHash).reverse().toString('hex') : undefined);
    expect(await client.command('getrawmempool')).to.deep.equal([dropped]);
    const tips = await client.command('getchaintips');
    expect(tips.map((t: { status: string }) => t.status)).to.deep.equal(['active', 'invalid']);
  });

  it('reorg with evict: the dropped tx comes back (A) and leaves again (R)', async function () {
    const dropped = (await client.command('getrawmempool'))[0] as string;
    const [oldHash] = await node.mine(1);
    await zmq.settle();
    const newHashes = await node.reorg(1, { dropTxs: [dropped], evict: true });
    await zmq.waitFor({ sequence: 5 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`D:${oldHash}`, `A:${dropped}`, `R:${dropped}`, ...newHashes.map((h) => `C:${h}`)]);
    expect(await client.command('getrawmempool')).to.deep.equal([]);
  });

  it('reorg (peer style): all Ds, then As for txs the new branch lacks, then Cs, one hashblock for the winning tip', async function () {
    const kept = await node.pay(PAYEE, 41_000n);
    const dropped = await node.pay(PAYEE, 42_000n);
    const old = await node.mine(2);
    await zmq.settle();
    const newHashes = await node.reorg(2, { extra: 2, dropTxs: [dropped], mode: 'peer' });
    expect(newHashes).to.have.length(4);
    await zmq.waitFor({ sequence: 2 + 1 + 4, hashblock: 2 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`D:${old[1]}`, `D:${old[0]}`, `A:${dropped}`, ...newHashes.map((h) => `C:${h}`)]);
    // Core announces the tip once the new branch has more work (block 3), then block 4 on its own.
    expect(zmq.since('hashblock').map((m) => m.body.toString('hex'))).to.deep.equal([newHashes[2], newHashes[3]]);
    expect((await client.command('getblock', newHashes[0], 1)).tx).to.include(kept);
    for (const h of old) expect((await client.command('getblockheader', h)).confirmations).to.equal(-1);
  });

  it('reorg with doubleSpend: the payment is replaced by a conflicting spend in the new branch', async function () {
    await node.mine(1);
    const victim = await node.pay(PAYEE, 43_000n);
    await node.mine(1);
    await zmq.settle();
    const [first] = await node.reorg(1, { doubleSpend: [victim], mode: 'peer' });
    await zmq.waitFor({ sequence: 3 });
    const events = labels(zmq.sequenceSince());
    expect(events[0]?.startsWith('D:')).to.equal(true);
    expect(events).to.not.include(`A:${victim}`);
    expect((await client.command('getblock', first, 1)).tx).to.not.include(victim);
    expect(await client.command('getrawmempool')).to.not.include(victim);
  });

  it('a 2-block invalidate reorg goes block by block: D, its txs back (A), D, its txs back (A), then the Cs', async function () {
    await node.pay(PAYEE, 44_000n);
    const [b1] = await node.mine(1);
    await node.pay(PAYEE, 45_000n);
    const [b2] = await node.mine(1);
    const txsOf = async (h: string | undefined) => ((await client.command('getblock', h, 1)).tx as string[]).slice(1);
    const [t1, t2] = [await txsOf(b1), await txsOf(b2)];
    await zmq.settle();
    const newHashes = await node.reorg(2);
    await zmq.waitFor({ sequence: 2 + t1.length + t2.length + 3 });
    expect(labels(zmq.sequenceSince())).to.deep.equal([`D:${b2}`, ...t2.map((t) => `A:${t}`), `D:${b1}`, ...t1.map((t) => `A:${t}`), ...newHashes.map((h) => `C:${h}`)]);
    expect(((await client.command('getblock', newHashes[0], 1)).tx as string[]).slice(1).sort()).to.deep.equal([...t1, ...t2].sort());
  });

  it('stopZmq: nothing arrives while down, yet the numbers advance', async function () {
    await zmq.settle();
    const lastSeq = (zmq.messages.sequence.at(-1) as { seq: number }).seq;
    await node.stopZmq();
    await node.pay(PAYEE, 15_000n);
    await node.startZmq();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const txid = await node.pay(PAYEE, 16_000n);
    await zmq.waitFor({ sequence: 1 });
    expect(zmq.since('sequence').map((m) => m.seq)).to.deep.equal([lastSeq + 2]);
    expect(zmq.sequenceSince()[0]?.hash).to.equal(txid);
  });

  it('restart: same ports, every topic from 0 again, the mempool kept, its sequence from 1', async function () {
    const mempool: string[] = await client.command('getrawmempool');
    expect(mempool.length).to.be.greaterThan(0);
    const endpoints = { ...node.zmq };
    const port = node.rpc.port;
    await node.restart();
    expect(node.zmq).to.deep.equal(endpoints);
    expect(node.rpc.port).to.equal(port);
    expect(await client.command('getrawmempool')).to.deep.equal(mempool);
    expect((await client.command('getrawmempool', false, true)).mempool_sequence).to.equal(1 + mempool.length);
    expect(await client.command('uptime')).to.be.lessThan(2);
    // Subscribers reconnect by themselves (ZMQ); give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await zmq.settle();
    const txid = await node.pay(PAYEE, 17_000n);
    const [hash] = await node.mine(1);
    await zmq.waitFor({ rawtx: 1 + mempool.length + 2, sequence: 2, hashblock: 1, rawblock: 1 });
    expect(seqs(zmq.since('rawtx'))).to.deep.equal(consecutive(0, mempool.length + 3));
    expect(seqs(zmq.since('sequence'))).to.deep.equal([0, 1]);
    expect(seqs(zmq.since('hashblock'))).to.deep.equal([0]);
    expect(zmq.sequenceSince()).to.deep.equal([{ hash: txid, label: 'A', mempoolSeq: BigInt(1 + mempool.length) }, { hash, label: 'C' }]);
  });
});
