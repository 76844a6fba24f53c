import { expect } from 'chai';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

describe('v1 authentication, scopes and rate limits', () => {
  let t: TestTill;
  afterEach(async () => {
    await t.stop();
  });

  it('401s without a key, with a malformed header, an unknown key and a revoked key', async () => {
    t = await startTill();
    const cases: [string, Record<string, string>][] = [
      ['no header', {}],
      ['Basic scheme', { Authorization: `Basic ${Buffer.from(`${t.key}:`).toString('base64')}` }],
      ['Bearer without a key', { Authorization: 'Bearer ' }],
      ['unknown key', { Authorization: `Bearer till_${'1'.repeat(44)}` }],
      ['garbage', { Authorization: 'Bearer not-a-key' }],
      ['key with a suffix', { Authorization: `Bearer ${t.key}x` }],
    ];
    for (const [name, headers] of cases) {
      const res = await t.request('GET', '/api/v1/invoices', { key: null, headers });
      expect(res.status, name).to.equal(401);
      expect(res.body.error, name).to.be.a('string');
      expect(res.body.code, name).to.equal('unauthorized');
    }
    const other = await t.newKey(['invoices:read']);
    expect((await t.request('GET', '/api/v1/invoices', { key: other })).status).to.equal(200);
    await t.till.services.keys.revoke(other.slice(0, 12));
    const res = await t.request('GET', '/api/v1/invoices', { key: other });
    expect(res.status).to.equal(401);
    expect(res.body.error).to.match(/revoked/);
  });

  it('keeps only a hash of each key', async () => {
    t = await startTill();
    const rows = await t.till.db.read('api_keys');
    const dump = JSON.stringify(rows);
    expect(dump).to.not.contain(t.key);
    expect(dump).to.not.contain(t.key.slice(12));
    expect(rows[0].key_hash).to.match(/^[0-9a-f]{64}$/);
  });

  it('403s a key without the scope, per endpoint', async () => {
    t = await startTill();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const readOnly = await t.newKey(['invoices:read']);
    const linksOnly = await t.newKey(['links:write']);
    const checks: [string, string, string, unknown?][] = [
      [readOnly, 'POST', '/api/v1/invoices', SEED_INVOICE],
      [readOnly, 'POST', '/api/v1/invoices/INV-0001/finalize'],
      [readOnly, 'DELETE', '/api/v1/invoices/INV-0001'],
      [readOnly, 'POST', '/api/v1/payment-links', { title: 'Donate' }],
      [readOnly, 'GET', '/api/v1/webhooks'],
      [readOnly, 'POST', '/api/v1/webhooks', { url: 'https://example.com/hook' }],
      [linksOnly, 'GET', '/api/v1/invoices'],
      [linksOnly, 'GET', '/api/v1/invoices/INV-0001/status'],
    ];
    for (const [key, method, path, body] of checks) {
      const res = await t.request(method, path, { key, body });
      expect(res.status, `${method} ${path}`).to.equal(403);
      expect(res.body.error).to.match(/lacks the .* scope/);
    }
    expect(await t.count('invoices')).to.equal(1);
    expect((await t.request('GET', '/api/v1/invoices/INV-0001', { key: readOnly })).status).to.equal(200);
    expect((await t.request('POST', '/api/v1/payment-links', { key: linksOnly, body: { title: 'Tip jar' } })).status).to.equal(201);
    // Rates need a valid key but no scope.
    expect((await t.request('GET', '/api/v1/rates', { key: linksOnly })).status).to.equal(200);
  });

  it('429s past 100 requests a minute per key, with Retry-After and RateLimit headers', async () => {
    t = await startTill();
    const other = await t.newKey(['invoices:read']);
    for (let i = 0; i < 100; i++) {
      const res = await t.request('GET', '/api/v1/invoices?limit=1');
      expect(res.status).to.equal(200);
      if (i === 0) {
        expect(res.headers.get('ratelimit-limit')).to.equal('100');
        expect(res.headers.get('ratelimit-remaining')).to.equal('99');
      }
    }
    const limited = await t.request('GET', '/api/v1/invoices?limit=1');
    expect(limited.status).to.equal(429);
    expect(limited.body.code).to.equal('rate_limited');
    // All 100 came in the same (test-clock) millisecond: they leave the window in 60 s.
    expect(limited.headers.get('retry-after')).to.equal('60');
    expect(limited.headers.get('ratelimit-remaining')).to.equal('0');
    expect(limited.headers.get('ratelimit-policy')).to.equal('100;w=60');
    // Another key is not affected.
    expect((await t.request('GET', '/api/v1/invoices', { key: other })).status).to.equal(200);
    // No 60-second window admits more than 100: not one more until the first 100 are 60 s old.
    t.clock.advance(59_999);
    expect((await t.request('GET', '/api/v1/invoices?limit=1')).status).to.equal(429);
    t.clock.advance(1);
    const again = await t.request('GET', '/api/v1/invoices?limit=1');
    expect(again.status).to.equal(200);
    expect(again.headers.get('ratelimit-remaining')).to.equal('99');
  });

  it('the per-key limit is a setting', async () => {
    t = await startTill({ env: { TILL_API_RATE_LIMIT: '3' } });
    for (let i = 0; i < 3; i++) expect((await t.request('GET', '/api/v1/rates')).status).to.equal(200);
    const res = await t.request('GET', '/api/v1/rates');
    expect(res.status).to.equal(429);
    expect(Number(res.headers.get('retry-after'))).to.equal(60);
  });

  it('puts a request id on every response and echoes a sane one', async () => {
    t = await startTill();
    const a = await t.request('GET', '/api/v1/invoices');
    expect(a.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const b = await t.request('GET', '/api/v1/invoices', { key: null, headers: { 'X-Request-Id': 'shop-42' } });
    expect(b.status).to.equal(401);
    expect(b.headers.get('x-request-id')).to.equal('shop-42');
    const c = await t.request('GET', '/api/v1/invoices', { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(c.headers.get('x-request-id')).to.not.equal('bad id with spaces');
  });
});

describe('v1 idempotency', () => {
  let t: TestTill;
  beforeEach(async () => {
    t = await startTill();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('replays the first response for the same key and body, once created', async () => {
    const headers = { 'Idempotency-Key': 'order-1001' };
    const first = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers });
    const second = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers });
    expect(first.status).to.equal(201);
    expect(second.status).to.equal(201);
    expect(second.body).to.deep.equal(first.body);
    expect(second.headers.get('idempotent-replayed')).to.equal('true');
    expect(await t.count('invoices')).to.equal(1);
    expect(await t.count('outbox')).to.equal(1);
  });

  it('422s the same key with another body, and leaves nothing written', async () => {
    const headers = { 'Idempotency-Key': 'order-1002' };
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers });
    const res = await t.request('POST', '/api/v1/invoices', { body: { ...SEED_INVOICE, notes: 'changed' }, headers });
    expect(res.status).to.equal(422);
    expect(res.body.code).to.equal('idempotency_conflict');
    expect(await t.count('invoices')).to.equal(1);
  });

  it('runs concurrent requests with one key once: the others replay or wait', async () => {
    const headers = { 'Idempotency-Key': 'order-1003' };
    const results = await Promise.all(Array.from({ length: 10 }, () => t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers })));
    expect(await t.count('invoices')).to.equal(1);
    for (const r of results) expect([201, 409]).to.include(r.status);
    expect(results.filter((r) => r.status === 201).every((r) => r.body.invoice_number === 'INV-0001')).to.equal(true);
  });

  it('scopes keys per API key and frees a key whose request failed', async () => {
    const headers = { 'Idempotency-Key': 'k' };
    const bad = await t.request('POST', '/api/v1/invoices', { body: { lines: [] }, headers });
    expect(bad.status).to.equal(400);
    const good = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers });
    expect(good.status).to.equal(201);
    const other = await t.newKey(['invoices:write']);
    const again = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers, key: other });
    expect(again.status).to.equal(201);
    expect(again.body.invoice_number).to.equal('INV-0002');
  });

  it('works on finalize: a retried finalize returns the same quote', async () => {
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const headers = { 'Idempotency-Key': 'fin-1' };
    const a = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers });
    const b = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers });
    expect(a.status).to.equal(200);
    expect(b.status).to.equal(200);
    expect(b.body).to.deep.equal(a.body);
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const res = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers: { 'Idempotency-Key': 'x'.repeat(256) } });
    expect(res.status).to.equal(400);
    expect(await t.count('invoices')).to.equal(0);
  });
});
