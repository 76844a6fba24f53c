import { expect } from 'chai';
import { RateLimiter } from '../../src/api/rate-limit.js';

const MINUTE = 60_000;

function limiter(limit: number) {
  let t = 1_700_000_000_000;
  const rl = new RateLimiter(limit, () => t);
  return {
    rl,
    at: (ms: number) => void (t = 1_700_000_000_000 + ms),
    take: (id = 1) => rl.take(id),
    now: () => t - 1_700_000_000_000,
  };
}

/** The most requests any 60-second window [s, s + 60 s) holds, over sorted admission times. */
function busiestWindow(times: number[]): number {
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= MINUTE) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

describe('RateLimiter (a sliding log per API key)', () => {
  it('admits the limit at once, then nothing until the first of them is 60 s old', () => {
    const l = limiter(100);
    for (let i = 0; i < 100; i++) expect(l.take().allowed, `request ${i}`).to.equal(true);
    const refused = l.take();
    expect(refused).to.include({ allowed: false, remaining: 0, retryAfterS: 60 });
    l.at(MINUTE - 1);
    expect(l.take().allowed).to.equal(false);
    l.at(MINUTE);
    for (let i = 0; i < 100; i++) expect(l.take().allowed, `second minute, request ${i}`).to.equal(true);
    expect(l.take().allowed).to.equal(false);
  });

  it('refuses a burst at the start of a minute that follows a burst at the end of the last', () => {
    const l = limiter(100);
    l.at(59_000);
    for (let i = 0; i < 100; i++) expect(l.take().allowed).to.equal(true);
    l.at(61_000);
    let admitted = 0;
    for (let i = 0; i < 100; i++) if (l.take().allowed) admitted++;
    expect(admitted).to.equal(0);
    l.at(59_000 + MINUTE);
    expect(l.take().allowed).to.equal(true);
  });

  it('never refuses a client that keeps exactly to the limit, for ten minutes', () => {
    const l = limiter(100);
    for (let ms = 0; ms < 10 * MINUTE; ms += 600) {
      l.at(ms);
      const r = l.take();
      expect(r.allowed, `at ${ms} ms`).to.equal(true);
    }
    // Evenly spaced, the window always holds 100: one more is too many.
    l.at(10 * MINUTE - 600 + 1);
    expect(l.take().allowed).to.equal(false);
  });

  it('says in Retry-After when the oldest admitted request leaves the window, and means it', () => {
    const l = limiter(3);
    l.at(0);
    l.take();
    l.at(10_500);
    l.take();
    l.at(20_000);
    l.take();
    l.at(30_000);
    const r = l.take();
    // The oldest (at 0) leaves at 60 s; the newest (at 20 s) at 80 s.
    expect(r).to.include({ allowed: false, retryAfterS: 30, resetS: 50 });
    l.at(30_000 + r.retryAfterS * 1000 - 1);
    expect(l.take().allowed).to.equal(false);
    l.at(30_000 + r.retryAfterS * 1000);
    const next = l.take();
    expect(next.allowed).to.equal(true);
    expect(next.remaining).to.equal(0);
    // Retry-After rounds up: 10.5 s to wait is 11.
    l.at(60_000);
    expect(l.take()).to.include({ allowed: false, retryAfterS: 11 });
  });

  it('reports remaining and the seconds until the whole quota is back', () => {
    const l = limiter(5);
    l.at(0);
    expect(l.take()).to.include({ allowed: true, remaining: 4, resetS: 60 });
    l.at(15_000);
    expect(l.take()).to.include({ allowed: true, remaining: 3, resetS: 60 });
    l.at(45_000);
    expect(l.take()).to.include({ remaining: 2, resetS: 60 });
    l.at(70_000);
    // The first left the window; the others leave at 75 s and 105 s.
    expect(l.take()).to.include({ remaining: 2, resetS: 60 });
  });

  it('keeps keys apart', () => {
    const l = limiter(2);
    expect(l.take(1).allowed).to.equal(true);
    expect(l.take(1).allowed).to.equal(true);
    expect(l.take(1).allowed).to.equal(false);
    expect(l.take(2).allowed).to.equal(true);
  });

  it('never admits more than the limit in any 60 s window, and refuses only when the window is full (random traffic)', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const limit of [1, 2, 7, 100, 1000]) {
      const l = limiter(limit);
      const admitted: number[] = [];
      let lo = 0;
      let ms = 0;
      for (let i = 0; i < 20_000; i++) {
        // Bursts (many requests in one millisecond), trickles and pauses past a minute.
        const r = rand();
        ms += r < 0.5 ? 0 : r < 0.9 ? Math.floor(rand() * (2 * MINUTE / limit)) : r < 0.99 ? Math.floor(rand() * 5000) : 61_000;
        l.at(ms);
        while (lo < admitted.length && admitted[lo]! <= ms - MINUTE) lo++;
        const inWindow = admitted.length - lo;
        const res = l.take();
        expect(res.allowed, `limit ${limit}, request ${i} at ${ms}`).to.equal(inWindow < limit);
        if (res.allowed) admitted.push(ms);
        else expect(res.retryAfterS).to.be.within(1, 60);
      }
      expect(busiestWindow(admitted), `limit ${limit}`).to.be.at.most(limit);
      expect(admitted.length).to.be.greaterThan(limit);
    }
  });

  it('holds memory for what a key uses, not for the limit', () => {
    const l = limiter(1_000_000);
    for (let i = 0; i < 10; i++) l.take();
    expect(l.rl.slotsHeld()).to.be.at.most(16);
    for (let i = 0; i < 5000; i++) l.take();
    expect(l.rl.slotsHeld()).to.be.within(5010, 10_240);
    // Once the window empties, a key holds nothing.
    l.at(2 * MINUTE);
    l.take(2);
    expect(l.rl.slotsHeld()).to.be.at.most(16);
  });
});
