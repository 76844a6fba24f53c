/**
 * Issue 14: the limits other than the API's per-key one hold across `till serve`
 * processes on one PostgreSQL too — the merchant UI's login tries per address, the
 * payment link pages' invoices per address and in total, BitPay's invoices per hour per
 * key. Two real Tills (each its own HTTP server and pool) on one database, one clock
 * between them; every request alternates between them, so a limit counted per process
 * would let each take the full limit.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createFixedRateProvider } from '../../src/rates/index.js';
import { startTill, testClock, type Response, type TestTill } from '../helpers/till.js';
import { testDatabaseUrl, withPostgres } from '../helpers/postgres.js';
import { captureLog } from '../helpers/capture-log.js';
import { AdminClient, PASSWORD } from '../web/admin-client.js';

withPostgres('the login, payment link and BitPay limits shared by processes on one PostgreSQL', () => {
  describe('the login, payment link and BitPay limits shared by processes on one PostgreSQL', function () {
    this.timeout(90_000);
    let a: TestTill | undefined;
    let b: TestTill | undefined;
    let dbDir: string | undefined;
    const clock = testClock();
    const logged = captureLog('warn');

    /** Two Tills on one new database, with `env` besides. */
    async function two(env: Record<string, string> = {}): Promise<[TestTill, TestTill]> {
      dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-shared-limits-'));
      const all = { TILL_DATABASE_URL: await testDatabaseUrl(dbDir), ...env };
      const rateProviders = [createFixedRateProvider('USD=289.72')];
      a = await startTill({ env: all, clock, log: logged.log, rateProviders });
      b = await startTill({ env: all, clock, log: logged.log, rateProviders });
      return [a, b];
    }
    afterEach(async () => {
      await a?.stop();
      await b?.stop();
      a = b = undefined;
      if (dbDir) fs.rmSync(dbDir, { recursive: true, force: true });
      logged.lines.length = 0;
    });

    it('login: ten wrong passwords from one address across both processes, then 429 on either; a right one gives its try back', async () => {
      const [ta, tb] = await two();
      await ta.till.services.auth.setPassword(PASSWORD);
      // One client address (127.0.0.1), a browser per process (each its own CSRF cookie).
      const ua = new AdminClient(ta.url);
      const ub = new AdminClient(tb.url);
      await ua.get('/admin/login');
      await ub.get('/admin/login');
      const ui = (i: number) => (i % 2 === 0 ? ua : ub);
      for (let i = 0; i < 5; i++) {
        const r = await ui(i).post('/admin/login', { password: `wrong ${i}` });
        expect(r.status, `try ${i + 1}`).to.equal(401);
      }
      // Only wrong passwords count: a login given back on one process is given back for both.
      const right = await new AdminClient(tb.url).login();
      expect(right.status).to.equal(303);
      for (let i = 5; i < 10; i++) {
        const r = await ui(i).post('/admin/login', { password: `wrong ${i}` });
        expect(r.status, `try ${i + 1}`).to.equal(401);
      }
      for (const u of [ua, ub]) {
        const limited = await u.post('/admin/login', { password: PASSWORD });
        expect(limited.status).to.equal(429);
        expect(limited.text).to.include('Too many wrong passwords');
        expect(limited.headers.get('retry-after')).to.equal(String(15 * 60));
      }
      clock.advance(15 * 60_000);
      expect((await ub.post('/admin/login', { password: PASSWORD })).status).to.equal(303);
      expect(logged.lines.join('')).to.not.contain('rate limit could not be read');
    });

    it('payment links: invoices per client address and in total are counted across both processes', async () => {
      const [ta, tb] = await two({ TILL_LINK_RATE_PER_IP: '2', TILL_LINK_RATE_TOTAL: '3' });
      await ta.setWallet();
      const made = await ta.request('POST', '/api/v1/payment-links', { body: { title: 'Coffee', slug: 'coffee', amount: '3.50', currency: 'USD' } });
      expect(made.status, made.text).to.equal(201);
      expect(await submitFrom('127.0.0.1', ta, 'coffee')).to.equal(303);
      expect(await submitFrom('127.0.0.1', tb, 'coffee')).to.equal(303);
      // The address's two are used, on either process.
      expect(await submitFrom('127.0.0.1', ta, 'coffee')).to.equal(429);
      expect(await submitFrom('127.0.0.1', tb, 'coffee')).to.equal(429);
      // Another address has its own two, but the three in total are used up after one.
      expect(await submitFrom('127.0.0.2', tb, 'coffee')).to.equal(303);
      expect(await submitFrom('127.0.0.3', ta, 'coffee')).to.equal(429);
      expect(await submitFrom('127.0.0.3', tb, 'coffee')).to.equal(429);
      expect(await ta.count('invoices')).to.equal(3);
      // An hour later both windows are empty again; 127.0.0.3's refusals by the total
      // gave back its own slots, so it has both.
      clock.advance(3_600_000);
      expect(await submitFrom('127.0.0.3', ta, 'coffee')).to.equal(303);
      expect(await submitFrom('127.0.0.3', tb, 'coffee')).to.equal(303);
      expect(await submitFrom('127.0.0.3', ta, 'coffee')).to.equal(429);
      expect(await ta.count('invoices')).to.equal(5);
    });

    it('BitPay: 100 invoices per hour per key across both processes; the 101st is a 429 on either', async () => {
      const [ta, tb] = await two({ TILL_API_RATE_LIMIT: '1000' });
      await ta.setWallet();
      const key = ta.key;
      const create = (t: TestTill) => bp(t, key, { price: 5, currency: 'USD' });
      for (let i = 0; i < 100; i++) {
        clock.advance(1000);
        const res = await create(i % 2 === 0 ? ta : tb);
        expect(res.status, `invoice ${i + 1}: ${res.text}`).to.equal(200);
      }
      for (const t of [ta, tb]) {
        const limited = await create(t);
        expect(limited.status).to.equal(429);
        expect(limited.body.error.type).to.equal('rateLimited');
        expect(limited.body.error.message).to.match(/^Rate limited: 100 invoices per hour per API key/);
        expect(limited.headers.get('retry-after')).to.equal(String(3600 - 99));
      }
      expect(await ta.count('invoices')).to.equal(100);
      // The first leaves the window an hour after it was made, for both.
      clock.advance(3600_000 - 99_000);
      expect((await create(tb)).status).to.equal(200);
      expect((await create(ta)).status).to.equal(429);
    });

    it('when the shared store fails, logins and link invoices are limited per process with a warning, never a 500', async () => {
      const [ta, tb] = await two({ TILL_LINK_RATE_PER_IP: '1', TILL_LINK_RATE_TOTAL: '100' });
      await ta.setWallet();
      await ta.till.services.auth.setPassword(PASSWORD);
      const made = await ta.request('POST', '/api/v1/payment-links', { body: { title: 'Tea', slug: 'tea', amount: '2.00', currency: 'USD' } });
      expect(made.status, made.text).to.equal(201);
      await ta.till.db.write.raw('DROP TABLE rate_limits');
      const ua = new AdminClient(ta.url);
      await ua.get('/admin/login');
      expect((await ua.post('/admin/login', { password: 'wrong' })).status).to.equal(401);
      expect((await ua.login()).status).to.equal(303);
      expect(await submitFrom('127.0.0.1', ta, 'tea')).to.equal(303);
      expect(await submitFrom('127.0.0.1', ta, 'tea')).to.equal(429);
      // The other process counts its own until the store is back.
      expect(await submitFrom('127.0.0.1', tb, 'tea')).to.equal(303);
      const warnings = logged.lines.filter((l) => l.includes('rate limit could not be read'));
      // Once a window per limit and process: login on a; link-ip and link-total on a and on b.
      expect(warnings.filter((l) => l.includes('shared login rate limit'))).to.have.length(1);
      expect(warnings.filter((l) => l.includes('shared link-ip rate limit'))).to.have.length(2);
      expect(warnings.filter((l) => l.includes('shared link-total rate limit'))).to.have.length(2);
    });
  });
});

/** A BitPay create: Basic auth with the key as user name. */
function bp(t: TestTill, key: string, body: unknown): Promise<Response> {
  return t.request('POST', '/invoices', { key: null, body, headers: { Authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } });
}

/** A payment link's form posted from a loopback address (Linux answers all of 127/8): one client per address. */
function submitFrom(localAddress: string, t: TestTill, slug: string): Promise<number> {
  const u = new URL(`${t.url}/pay/${slug}`);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
