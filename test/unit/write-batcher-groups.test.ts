import { expect } from 'chai';
import { independentGroups } from '../../src/chain/write-batcher.js';
import { WatchMap } from '../../src/chain/watch-map.js';
import { parseTx } from '../../src/chain/raw.js';
import { Transaction } from 'bitcoinjs-lib';
import type { SeenOutput } from '../../src/chain/ports.js';

const o = (txid: string, vout: number, addressId: number, spends: string[] = []): SeenOutput => ({ txid, vout, sats: 1000n, addressId, spends });

describe('write batcher: independent units of work', () => {
  it('keeps outputs of one transaction, of one address, and spenders of one outpoint together; the rest apart', () => {
    const seen = [
      o('a', 0, 1, ['x:0']),
      o('a', 1, 2, ['x:0']),
      o('b', 0, 3, ['y:0']),
      o('c', 0, 3, ['z:0']), // same address as b
      o('d', 0, 4, ['y:0']), // spends what b spends: a replacement
      o('e', 0, 5, ['w:0']),
      o('f', 0, 6, ['v:0']),
    ];
    const groups = independentGroups(seen).map((g) => g.map((s) => `${s.txid}:${s.vout}`));
    expect(groups).to.deep.equal([['a:0', 'a:1'], ['b:0', 'c:0', 'd:0'], ['e:0'], ['f:0']]);
  });

  it('joins chains of relations transitively, and keeps arrival order inside a group', () => {
    const seen = [o('p', 0, 1, ['q:0']), o('r', 0, 2, ['s:0']), o('t', 0, 2, ['q:0'])];
    expect(independentGroups(seen).map((g) => g.map((s) => s.txid))).to.deep.equal([['p', 'r', 't']]);
    expect(independentGroups([])).to.deep.equal([]);
  });
});

describe('watch map', () => {
  it('matches an output to the address added by its script hex', () => {
    const watch = new WatchMap();
    const script = Buffer.from('0014' + '11'.repeat(20), 'hex');
    const taproot = Buffer.from('5120' + 'ff'.repeat(32), 'hex');
    watch.add(script.toString('hex'), 7);
    watch.add(taproot.toString('hex'), 8);
    const t = new Transaction();
    t.addInput(Buffer.alloc(32, 1), 3);
    t.addOutput(Buffer.from('0014' + '22'.repeat(20), 'hex'), 5n);
    t.addOutput(script, 10n);
    t.addOutput(taproot, 20n);
    const m = watch.match(parseTx(Buffer.from(t.toBuffer())));
    expect(m.map((x) => [x.vout, x.addressId, x.sats])).to.deep.equal([[1, 7, 10n], [2, 8, 20n]]);
    expect(watch.size).to.equal(2);
    expect(watch.addressOf(Buffer.from('0014' + '11'.repeat(19) + '12', 'hex'))).to.equal(undefined);
  });
});
