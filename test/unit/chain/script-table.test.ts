import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ScriptTable } from '../../../src/chain/script-table.js';

describe('chain/script-table: the watched scripts', () => {
  it('answers exactly as a Map of the scripts would, through growth, for every standard length', () => {
    const table = new ScriptTable(4);
    const reference = new Map<string, number>();
    const lengths = [22, 23, 25, 34, 0, 1, 80];
    const kept: Buffer[] = [];
    for (let i = 0; i < 20_000; i++) {
      const script = randomBytes(lengths[i % lengths.length]!);
      table.set(script, i + 1);
      reference.set(script.toString('hex'), i + 1);
      kept.push(script);
    }
    expect(table.size).to.equal(reference.size);
    for (const s of kept) expect(table.get(s)).to.equal(reference.get(s.toString('hex')));
    // Scripts never added: random ones, and ones differing from a kept one in a byte or a length.
    for (let i = 0; i < 5_000; i++) {
      const other = randomBytes(lengths[i % lengths.length]!);
      // Short scripts repeat (there are 256 one-byte ones) and are found; a long random one is absent.
      expect(table.get(other)).to.equal(reference.get(other.toString('hex')));
      if (other.length >= 22) expect(table.get(other)).to.equal(undefined);
    }
    for (const s of kept.slice(0, 2_000)) {
      if (s.length === 0) continue;
      const flipped = Buffer.from(s);
      flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 1;
      expect(table.get(flipped)).to.equal(reference.get(flipped.toString('hex')));
      expect(table.get(s.subarray(0, s.length - 1))).to.equal(reference.get(s.subarray(0, s.length - 1).toString('hex')));
    }
  });

  it('gives a script added again its new number without counting it twice, and reads views into larger buffers', () => {
    const table = new ScriptTable();
    const script = randomBytes(22);
    table.set(script, 7);
    table.set(Buffer.from(script), 9);
    expect(table.size).to.equal(1);
    expect(table.get(script)).to.equal(9);
    // An output's script is a view into the transaction's buffer.
    const tx = Buffer.concat([randomBytes(40), script, randomBytes(40)]);
    expect(table.get(tx.subarray(40, 62))).to.equal(9);
    expect(table.get(tx.subarray(39, 61))).to.equal(undefined);
  });
});
