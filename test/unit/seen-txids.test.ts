import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { SeenTxids } from '../../src/chain/seen-txids.js';

const txid = () => randomBytes(32).toString('hex');
/** A txid's hash in internal order, as a parsed transaction gives it. */
const hashOf = (id: string) => Buffer.from(id, 'hex').reverse();

describe('SeenTxids', () => {
  it('agrees with a Set through growth, forgetting and remembering again (display txids and raw hashes alike)', () => {
    const seen = new SeenTxids();
    const model = new Set<string>();
    const ids = Array.from({ length: 30_000 }, txid);
    for (const [i, id] of ids.entries()) {
      if (i % 3 === 0) seen.remember(id);
      else if (i % 3 === 1) seen.rememberHash(hashOf(id));
      else seen.rememberBinary(hashOf(id).toString('latin1'));
      model.add(id);
      if (i % 7 === 0) {
        const gone = ids[Math.floor(i / 2)]!;
        seen.forget(gone);
        model.delete(gone);
      }
      if (i % 11 === 0) {
        // Remembered again after being forgotten, into a tombstone or a fresh slot.
        const back = ids[Math.floor(i / 3)]!;
        seen.remember(back);
        model.add(back);
      }
    }
    for (const id of ids) expect(seen.has(id), id).to.equal(model.has(id));
    for (let i = 0; i < 2000; i++) expect(seen.has(txid())).to.equal(false);
    expect(seen.size).to.equal(model.size);
  });

  it('the same txid twice is one entry; forgetting an unknown one changes nothing', () => {
    const seen = new SeenTxids();
    const id = txid();
    seen.remember(id);
    seen.rememberHash(hashOf(id));
    seen.rememberBinary(hashOf(id).toString('latin1'));
    expect(seen.size).to.equal(1);
    seen.forget(txid());
    expect(seen.has(id)).to.equal(true);
    expect(() => seen.rememberHash(Buffer.alloc(31))).to.throw(RangeError);
    expect(() => seen.rememberBinary('\u0000'.repeat(33))).to.throw(RangeError);
  });

  it('when full starts again: never claims a txid it was not given, and always holds the last one', () => {
    const seen = new SeenTxids(100);
    const given = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = txid();
      seen.remember(id);
      given.add(id);
      expect(seen.has(id)).to.equal(true);
      expect(seen.size).to.be.at.most(100);
    }
    for (let i = 0; i < 1000; i++) expect(seen.has(txid())).to.equal(false);
    // The 1000th landed after nine restarts: the last 100 are all held.
    expect([...given].slice(-100).every((id) => seen.has(id))).to.equal(true);
  });
});
