/**
 * Issue 14: the API's per-key rate limit holds across `till serve` processes on one
 * PostgreSQL. Two real Tills (each its own HTTP server and pool) on one database, one
 * clock between them so the window is exact.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { startTill, testClock, type Response, type TestTill } from '../helpers/till.js';
import { testDatabaseUrl, withPostgres } from '../helpers/postgres.js';
import { captureLog } from '../helpers/capture-log.js';
import { RateLimiter, SharedRateLimiter } from '../../src/api/rate-limit.js';

withPostgres('the API rate limit shared by processes on one PostgreSQL', () => {
  describe('the API rate limit shared by processes on one PostgreSQL', function () {
    this.timeout(60_000);
    let a: TestTill;
    let b: TestTill;
    let dbDir: string;
    const clock = testClock();
    const logged = captureLog('warn');

    beforeEach(async () => {
      dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-shared-limit-'));
      const env = { TILL_DATABASE_URL: await testDatabaseUrl(dbDir), TILL_API_RATE_LIMIT: '10' };
      a = await startTill({ env, clock, log: logged.log });
      b = await startTill({ env, clock, log: logged.log });
    });
    afterEach(async () => {
      await a?.stop();
      await b?.stop();
      fs.rmSync(dbDir, { recursive: true, force: true });
    });

    const list = (t: TestTill, key: string): Promise<Response> => t.request('GET', '/api/v1/invoices?limit=1', { key });

    it('counts one key across both: the 11th request in the minute is a 429 on either, another key is not affected', async () => {
      // Made on one, known to both: keys are in the database.
      const key = (await a.till.services.keys.create('shared', ['invoices:read'])).key;
      for (let i = 0; i < 10; i++) {
        const res = await list(i % 2 === 0 ? a : b, key);
        expect(res.status, `request ${i + 1}`).to.equal(200);
        expect(res.headers.get('ratelimit-limit')).to.equal('10');
        expect(res.headers.get('ratelimit-remaining'), `request ${i + 1}`).to.equal(String(9 - i));
        expect(res.headers.get('ratelimit-policy')).to.equal('10;w=60');
      }
      for (const t of [a, b]) {
        const limited = await list(t, key);
        expect(limited.status).to.equal(429);
        expect(limited.body.code).to.equal('rate_limited');
        expect(limited.body.error).to.equal('Rate limited: 10 requests per minute per API key; retry in 60 s');
        // All ten came in the same (test-clock) millisecond: they leave the window in 60 s.
        expect(limited.headers.get('retry-after')).to.equal('60');
        expect(limited.headers.get('ratelimit-remaining')).to.equal('0');
        expect(limited.headers.get('ratelimit-reset')).to.equal('60');
      }
      const other = (await b.till.services.keys.create('other', ['invoices:read'])).key;
      expect((await list(a, other)).status).to.equal(200);
      expect((await list(b, other)).headers.get('ratelimit-remaining')).to.equal('8');
      // A sliding window, as in one process: not one more until the first ten are 60 s old.
      clock.advance(59_999);
      expect((await list(b, key)).status).to.equal(429);
      clock.advance(1);
      const again = await list(b, key);
      expect(again.status).to.equal(200);
      expect(again.headers.get('ratelimit-remaining')).to.equal('9');
      expect(logged.lines.join('')).to.not.contain('shared API rate limit');
    });

    it('admits exactly the limit when both take the same key at once', async () => {
      const key = (await a.till.services.keys.create('burst', ['invoices:read'])).key;
      const all = await Promise.all(Array.from({ length: 30 }, (_, i) => list(i % 2 === 0 ? a : b, key)));
      const statuses = all.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).to.have.length(10);
      expect(statuses.filter((s) => s === 429)).to.have.length(20);
      const remaining = all.filter((r) => r.status === 200).map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((x, y) => x - y);
      expect(remaining).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });

    it('decides every request as the in-memory limiter does, with the same Retry-After and reset (random traffic, slots given back)', async function () {
      this.timeout(120_000);
      let seed = 4242;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      for (const limit of [1, 3, 25]) {
        let ms = 1_700_000_000_000;
        const memory = new RateLimiter(limit, () => ms);
        // One store, two processes' limiters: each request goes to either.
        const shared = [new SharedRateLimiter(a.till.db, limit, () => ms), new SharedRateLimiter(b.till.db, limit, () => ms)];
        for (let i = 0; i < 600; i++) {
          // Bursts in one millisecond, trickles, and pauses past the minute.
          const r = rand();
          ms += r < 0.4 ? 0 : r < 0.9 ? Math.floor(rand() * (4 * 60_000 / limit)) : r < 0.98 ? Math.floor(rand() * 5000) : 61_000;
          const id = 1_000_000 + limit;
          const got = await shared[i % 2]!.take(id);
          expect(got, `limit ${limit}, request ${i}`).to.deep.equal(memory.take(id));
          // Now and then the operation admitted did not happen: its slot is given back
          // (the login, payment link and BitPay limits do), from either process.
          if (rand() < 0.15) {
            await shared[(i + 1) % 2]!.giveBack(id);
            memory.giveBack(id);
          }
        }
      }
    });

    it('when the shared store fails, each process limits on its own with a warning, never a 500', async () => {
      const key = (await a.till.services.keys.create('outage', ['invoices:read'])).key;
      await a.till.db.write.raw('DROP TABLE rate_limits');
      for (let i = 0; i < 10; i++) {
        const res = await list(a, key);
        expect(res.status, `request ${i + 1}`).to.equal(200);
        expect(res.headers.get('ratelimit-remaining')).to.equal(String(9 - i));
      }
      const limited = await list(a, key);
      expect(limited.status).to.equal(429);
      expect(limited.headers.get('retry-after')).to.equal('60');
      // The other process counts its own: a key gets the limit per process until the store is back.
      expect((await list(b, key)).status).to.equal(200);
      const warnings = logged.lines.filter((l) => l.includes('shared API rate limit could not be read'));
      // Once a window per process, not once a request.
      expect(warnings).to.have.length(2);
    });
  });
});
