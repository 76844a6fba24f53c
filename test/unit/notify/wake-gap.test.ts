import { expect } from 'chai';
import { createLogger } from '../../../src/log.js';
import { NotifyWorker } from '../../../src/notify/worker.js';
import type { Database } from '../../../src/db/connection.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A worker whose rounds (its own tick()) fan out nothing and take `roundMs`, and are only
 * noted: when wake() starts one is what is under test.
 */
function countingWorker(wakeGapMs: number, roundMs: number, sendMs = 0): { worker: NotifyWorker; rounds: number[] } {
  const rounds: number[] = [];
  const worker = new NotifyWorker({
    db: {} as Database, log: createLogger('silent'), now: Date.now, adapters: {} as never, subscribers: [],
    // No poll round during the test: every round after the first comes from wake().
    pollMs: 600_000, wakeGapMs,
  });
  worker.fanOut = async () => {
    rounds.push(performance.now());
    await sleep(roundMs);
    return 0;
  };
  (worker as unknown as { sendDue: () => Promise<void> }).sendDue = async () => {
    await sleep(sendMs);
  };
  return { worker, rounds };
}

async function started(worker: NotifyWorker, rounds: number[]): Promise<void> {
  worker.start();
  await sleep(150);
  rounds.length = 0; // the start-up round
}

describe('notify worker: wake()', () => {
  it('starts a round at once for an event after a quiet spell, or after the last round ended', async () => {
    const { worker, rounds } = countingWorker(10_000, 10);
    await started(worker, rounds);
    // One at a time, each after the round before it ended (a shop paying invoice after invoice).
    const woken: number[] = [];
    for (let i = 0; i < 4; i++) {
      woken.push(performance.now());
      worker.wake();
      await sleep(60);
    }
    expect(rounds).to.have.length(4);
    rounds.forEach((r, i) => expect(r - woken[i]!, `round ${i}`).to.be.below(50));
    await worker.stop();
  });

  it('holds the next round to the gap when events keep coming while one runs', async () => {
    const { worker, rounds } = countingWorker(600, 100);
    await started(worker, rounds);
    worker.wake();
    await sleep(20);
    expect(rounds, 'the first').to.have.length(1);
    // Twenty more while it runs and after: one more round, no sooner than the gap after the first began.
    for (let i = 0; i < 20; i++) {
      worker.wake();
      await sleep(5);
    }
    await sleep(800);
    expect(rounds, 'the burst').to.have.length(2);
    // Node's timers count whole milliseconds and may fire a little early by this clock.
    expect(rounds[1]! - rounds[0]!).to.be.at.least(595);
    await worker.stop();
  });

  it('runs the next round right after the one that was sending when the wake came', async () => {
    const { worker, rounds } = countingWorker(10_000, 10, 100);
    await started(worker, rounds);
    worker.wake();
    await sleep(50); // fanned out, now sending
    worker.wake();
    await sleep(200);
    expect(rounds).to.have.length(2);
    expect(rounds[1]! - rounds[0]!).to.be.within(100, 1000);
    await worker.stop();
  });

  it('starts no round once stopped, and wakes again after a restart', async () => {
    const { worker, rounds } = countingWorker(300, 50);
    await started(worker, rounds);
    worker.wake();
    await sleep(10);
    worker.wake(); // a round is running: waits out the gap, still pending when stop() comes
    await worker.stop();
    const stoppedAt = rounds.length;
    worker.wake();
    await sleep(400);
    expect(rounds, 'after stop').to.have.length(stoppedAt);
    // Won the election again: wakes work as before.
    await started(worker, rounds);
    for (let i = 0; i < 3; i++) {
      worker.wake();
      await sleep(120);
    }
    expect(rounds, 'after the restart').to.have.length(3);
    await worker.stop();
  });
});
