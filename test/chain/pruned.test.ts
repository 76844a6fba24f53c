import { expect } from 'chai';
import { startSimNode, type SimNode } from '../../regtest/sim-node.js';
import type { TestTill } from '../helpers/till.js';
import { btcInvoice, statusOf, tillOn, waitFor } from './helpers.js';

describe('a pruned node', function () {
  this.timeout(30_000);
  let node: SimNode;
  let t: TestTill | undefined;
  let firstDir: string | undefined;
  before(async () => {
    node = await startSimNode();
  });
  after(async () => {
    await t?.stop();
    await node.close();
    if (firstDir) (await import('node:fs')).rmSync(firstDir, { recursive: true, force: true });
  });

  it('works within its window, and says so loudly when blocks Till needs were pruned', async () => {
    t = await tillOn(node);
    const inv = await btcInvoice(t, 30_000n);
    await node.pay(inv.address, 30_000n);
    await node.mine(3);
    await statusOf(t, inv.ref, 'confirmed');
    // Pruning below Till's tip changes nothing.
    node.prune((await node.tipHeight()) - 1);
    await node.mine(1);
    await waitFor(async () => (await t!.till.health()).tip?.height === (await node.tipHeight()), 'the new tip');

    // Till is down while blocks are mined and then pruned away.
    const dir = (firstDir = t.dir);
    await t.till.close();
    await node.mine(5);
    node.prune((await node.tipHeight()) - 1);
    const { startTill, realClock } = await import('../helpers/till.js');
    const { nodeEnv } = await import('./helpers.js');
    t = await startTill({ followChain: true, env: { ...nodeEnv(node), TILL_DATA_DIR: dir }, clock: realClock() });
    const h = await waitFor(async () => {
      const health = await t!.till.health();
      return health.node.error?.includes('pruned') ? health : null;
    }, 'a pruned-block error on /health');
    expect(h.ok).to.equal(false);
    expect(h.node.error).to.match(/no longer on the node \(pruned\)/);
  });
});
