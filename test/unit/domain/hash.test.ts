import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { sha256d, sha256dSlicesBinary } from '../../../src/domain/hash.js';

const reference = (m: Uint8Array) => createHash('sha256').update(createHash('sha256').update(m).digest()).digest();

describe('domain/hash: double SHA-256', () => {
  it('of parts, and of slices laid end to end as a binary string, equal the hash of the joined bytes', () => {
    // Lengths across the scratch buffer's growth (4 KB at first) and back, so a view kept
    // for one length before the growth is not used after it.
    for (const len of [0, 1, 63, 64, 65, 300, 4095, 4096, 4097, 9000, 300, 64, 0]) {
      const buf = randomBytes(len + 20);
      const a0 = 3;
      const a1 = Math.min(buf.length, a0 + 4);
      const b0 = a1 + 2;
      const b1 = Math.max(b0, buf.length - 6);
      const c0 = b1;
      const c1 = buf.length - 2;
      const joined = Buffer.concat([buf.subarray(a0, a1), buf.subarray(b0, b1), buf.subarray(c0, c1)]);
      const want = reference(joined);
      expect(sha256d(buf.subarray(a0, a1), buf.subarray(b0, b1), buf.subarray(c0, c1)), `parts, ${len}`).to.deep.equal(want);
      expect(Buffer.from(sha256dSlicesBinary(buf, a0, a1, b0, b1, c0, c1), 'latin1'), `slices, ${len}`).to.deep.equal(want);
      // One slice: the whole buffer (hashed as it is) or a part of it.
      expect(Buffer.from(sha256dSlicesBinary(buf, 0, buf.length), 'latin1')).to.deep.equal(reference(buf));
      expect(Buffer.from(sha256dSlicesBinary(buf, 5, buf.length - 5), 'latin1')).to.deep.equal(reference(buf.subarray(5, buf.length - 5)));
    }
  });

  it('refuses slices that do not lie in the buffer', () => {
    const buf = randomBytes(10);
    for (const bad of [[-1, 4], [4, 2], [0, 11], [0, 4, 6, 5], [0, 4, 6, 8, 9, 12]]) {
      expect(() => sha256dSlicesBinary(buf, ...(bad as [number, number])), JSON.stringify(bad)).to.throw(RangeError);
    }
  });

  it('matches a known vector: the txid of the genesis block coinbase', () => {
    const coinbase = Buffer.from(
      '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000',
      'hex',
    );
    const txid = Buffer.from(sha256dSlicesBinary(coinbase, 0, coinbase.length), 'latin1').reverse().toString('hex');
    expect(txid).to.equal('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
  });
});
