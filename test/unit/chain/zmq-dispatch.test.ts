import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { dispatch, type Dispatch } from '../../../src/chain/zmq-dispatch.js';

/** Parts that fail the test if dispatch reaches for any of them. */
function untouchable(): { d: Dispatch; asked: string[] } {
  const asked: string[] = [];
  const part = (name: string) =>
    new Proxy({}, {
      get: (_t, key) => {
        asked.push(`${name}.${String(key)}`);
        return () => Promise.resolve([]);
      },
    });
  const d = { watch: part('watch'), seen: part('seen'), batcher: part('batcher'), blocks: part('blocks'), mempool: part('mempool'), store: part('store') } as unknown as Dispatch;
  return { d, asked };
}

const sequence = (label: string) => Buffer.concat([randomBytes(32), Buffer.from(label, 'latin1'), randomBytes(8)]);

describe('zmq dispatch: sequence messages', () => {
  it('handles A (every mempool transaction) and C at once, asking nothing of anyone', () => {
    for (const label of ['A', 'C']) {
      const { d, asked } = untouchable();
      expect(dispatch({ topic: 'sequence', body: sequence(label), seq: 1 }, d)).to.equal(undefined);
      expect(asked).to.deep.equal([]);
    }
    const { d, asked } = untouchable();
    expect(dispatch({ topic: 'sequence', body: randomBytes(20), seq: 1 }, d)).to.equal(undefined);
    expect(asked).to.deep.equal([]);
  });

  it('passes R to the mempool reader (after the batcher settles) and D to the block follower', async () => {
    const r = untouchable();
    await dispatch({ topic: 'sequence', body: sequence('R'), seq: 1 }, r.d);
    expect(r.asked).to.deep.equal(['batcher.settled', 'store.paymentsOfTx']);
    const dd = untouchable();
    await dispatch({ topic: 'sequence', body: sequence('D'), seq: 1 }, dd.d);
    expect(dd.asked).to.deep.equal(['blocks.syncToTip']);
  });
});
