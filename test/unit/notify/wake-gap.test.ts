import { expect } from 'chai';
import { createLogger } from '../../../src/log.js';
import { NotifyWorker } from '../../../src/notify/worker.js';
import type { Database } from '../../../src/db/connection.js';

/** A worker whose rounds are only counted: when wake() starts one is what is under test. */
function countingWorker(wakeGapMs: number): { worker: NotifyWorker; rounds: number[] } {
  const rounds: number[] = [];
  const worker = new NotifyWorker({
    db: {} as Database, log: createLogger('silent'), now: Date.now, adapters: {} as never, subscribers: [],
    // No poll round during the test: every round after the first comes from wake().
    pollMs: 600_000, wakeGapMs,
  });
  worker.tick = () => {
    rounds.push(performance.now());
    return Promise.resolve();
  };
  return { worker, rounds };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('notify worker: wake()', () => {
  it('starts a round at once for a lone event, and one round a gap for a burst', async () => {
    const { worker, rounds } = countingWorker(600);
    worker.start();
    await sleep(20);
    rounds.length = 0; // the start-up round
    const t0 = performance.now();
    worker.wake();
    await sleep(50);
    expect(rounds, 'a lone event').to.have.length(1);
    expect(rounds[0]! - t0).to.be.below(50);
    // A burst well inside the gap: one more round, no sooner than the gap after the first.
    for (let i = 0; i < 20; i++) {
      worker.wake();
      await sleep(1);
    }
    await sleep(700);
    expect(rounds, 'a burst').to.have.length(2);
    expect(rounds[1]! - rounds[0]!).to.be.at.least(599);
    await worker.stop();
  });

  it('starts no round once stopped, and wakes again after a restart', async () => {
    const { worker, rounds } = countingWorker(100);
    worker.start();
    await sleep(20);
    worker.wake();
    await sleep(5);
    worker.wake(); // waits out the gap: still pending when stop() comes
    await worker.stop();
    const stoppedAt = rounds.length;
    worker.wake();
    await sleep(200);
    expect(rounds, 'after stop').to.have.length(stoppedAt);
    // Won the election again: wakes work as before.
    worker.start();
    await sleep(20);
    rounds.length = 0;
    for (let i = 0; i < 3; i++) {
      worker.wake();
      await sleep(150);
    }
    expect(rounds, 'after the restart').to.have.length(3);
    await worker.stop();
  });

  it('with no gap, every wake after a round starts another', async () => {
    const { worker, rounds } = countingWorker(0);
    worker.start();
    await sleep(20);
    rounds.length = 0;
    for (let i = 0; i < 5; i++) {
      worker.wake();
      await sleep(15);
    }
    expect(rounds).to.have.length(5);
    await worker.stop();
  });
});
