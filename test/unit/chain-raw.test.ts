import { expect } from 'chai';
import { Block, Transaction, networks, payments } from 'bitcoinjs-lib';
import { randomBytes } from 'node:crypto';
import { parseBlock, parseTx } from '../../src/chain/raw.js';
import { WatchMap } from '../../src/chain/watch-map.js';
import { SeenTxids } from '../../src/chain/seen-txids.js';

/** A transaction with random inputs (some segwit) paying the given scripts. */
function tx(scripts: Buffer[], values: bigint[], witness: boolean): Transaction {
  const t = new Transaction();
  t.version = 2;
  const nIn = 1 + (randomBytes(1)[0]! % 3);
  for (let i = 0; i < nIn; i++) {
    t.addInput(randomBytes(32), i, 0xfffffffd, randomBytes(randomBytes(1)[0]! % 110));
    if (witness) t.setWitness(i, [randomBytes(72), randomBytes(33)]);
  }
  scripts.forEach((s, i) => t.addOutput(s, values[i]!));
  t.locktime = 123;
  return t;
}

const p2wpkh = () => Buffer.from(payments.p2wpkh({ hash: randomBytes(20), network: networks.regtest }).output!);
const p2tr = () => Buffer.from([0x51, 0x20, ...randomBytes(32)]);

describe('chain/raw: reading transactions and blocks', () => {
  it('reads outputs and txids exactly as bitcoinjs-lib does, segwit or not', () => {
    for (let i = 0; i < 200; i++) {
      const scripts = [p2wpkh(), p2tr(), Buffer.alloc(0), randomBytes(300)];
      const values = [0n, 1n, 2_099_999_997_690_000n, BigInt(randomBytes(4).readUInt32LE())];
      const t = tx(scripts, values, i % 2 === 0);
      const raw = parseTx(Buffer.from(t.toBuffer()));
      expect(raw.txid()).to.equal(t.getId());
      // The seen set's key is the same hash, unreversed: remembered by key, found by txid.
      expect(raw.hash()).to.deep.equal(SeenTxids.keyOf(t.getId()));
      expect(Buffer.from(raw.hashBinary(), 'latin1')).to.deep.equal(raw.hash());
      const seen = new SeenTxids();
      if (i % 4 < 2) seen.rememberHash(raw.hash());
      else seen.rememberBinary(raw.hashBinary());
      expect(seen.has(t.getId())).to.equal(true);
      seen.forget(t.getId());
      expect(seen.has(t.getId())).to.equal(false);
      expect(raw.prevouts()).to.deep.equal(t.ins.map((input) => `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`));
      expect(raw.outputs.map((o) => [o.vout, o.value, o.script.toString('hex')])).to.deep.equal(
        t.outs.map((o, vout) => [vout, o.value, Buffer.from(o.script).toString('hex')]),
      );
    }
  });

  it('reads a block: its hash, previous hash and every transaction', () => {
    const b = new Block();
    b.version = 0x20000000;
    b.prevHash = randomBytes(32);
    b.timestamp = 1_700_000_000;
    b.bits = 0x207fffff;
    b.nonce = 7;
    b.transactions = Array.from({ length: 50 }, (_, i) => tx([p2wpkh()], [BigInt(i + 1000)], i % 3 !== 0));
    b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
    const raw = parseBlock(Buffer.from(b.toBuffer()));
    expect(raw.hash).to.equal(b.getId());
    expect(raw.prevHash).to.equal(Buffer.from(b.prevHash).reverse().toString('hex'));
    expect(raw.time).to.equal(1_700_000_000);
    expect(raw.txs.map((t) => t.txid())).to.deep.equal(b.transactions.map((t) => t.getId()));
  });

  it('refuses truncated or padded data instead of reading past it', () => {
    const t = Buffer.from(tx([p2wpkh()], [5n], true).toBuffer());
    expect(() => parseTx(t.subarray(0, t.length - 1))).to.throw(RangeError);
    expect(() => parseTx(Buffer.concat([t, Buffer.from([0])]))).to.throw(RangeError);
    expect(() => parseTx(Buffer.from('0200000001', 'hex'))).to.throw(RangeError);
    expect(() => parseBlock(Buffer.alloc(40))).to.throw(RangeError);
  });

  it('matches only watched scripts, with exact values', () => {
    const mine = p2wpkh();
    const other = p2wpkh();
    const w = new WatchMap();
    w.add(mine.toString('hex'), 42);
    const t = tx([other, mine, mine], [1n, 2n, 3n], true);
    const m = w.match(parseTx(Buffer.from(t.toBuffer())));
    const spends = t.ins.map((input) => `${Buffer.from(input.hash).reverse().toString('hex')}:${input.index}`);
    expect(m).to.deep.equal([
      { txid: t.getId(), vout: 1, sats: 2n, addressId: 42, spends },
      { txid: t.getId(), vout: 2, sats: 3n, addressId: 42, spends },
    ]);
    expect(w.match(parseTx(Buffer.from(tx([other], [1n], false).toBuffer())))).to.deep.equal([]);
  });
});
