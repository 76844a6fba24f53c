import { expect } from 'chai';
import type { RateProvider } from '../../src/rates/index.js';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

/**
 * Stripe's rule: a request refused before it ran leaves its key free; once it ran, its
 * answer (2xx or 4xx) is kept and replayed; a 5xx is never kept.
 */
describe('v1 idempotency: which answers are kept', () => {
  let t: TestTill;
  let ratesUp = true;
  const flakyRates: RateProvider = {
    name: 'flaky',
    fetchRates: async (currencies) => {
      if (!ratesUp) throw new Error('source down');
      return new Map(currencies.map((c) => [c, '70000.00']));
    },
  };
  beforeEach(async () => {
    ratesUp = true;
    t = await startTill({ rateProviders: [flakyRates] });
  });
  afterEach(async () => {
    await t.stop();
  });

  const withKey = (key: string) => ({ 'Idempotency-Key': key });

  it('replays a finalize that failed with no_wallet, even once a wallet is set', async () => {
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const first = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('fin-1') });
    expect(first.status).to.equal(400);
    expect(first.body.code).to.equal('no_wallet');
    await t.setWallet();
    const retry = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('fin-1') });
    expect(retry.status).to.equal(400);
    expect(retry.body).to.deep.equal(first.body);
    expect(retry.headers.get('idempotent-replayed')).to.equal('true');
    expect(retry.headers.get('content-type')).to.match(/application\/json/);
    expect((await t.request('GET', '/api/v1/invoices/INV-0001')).body.status).to.equal('draft');
    // A new key is a new request, and it runs.
    const fresh = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('fin-2') });
    expect(fresh.status).to.equal(200);
    expect(fresh.body.status).to.equal('pending');
  });

  it('replays invalid_state and invoice_not_found answers', async () => {
    await t.setWallet();
    const missing = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('early') });
    expect(missing.status).to.equal(404);
    expect(missing.body.code).to.equal('invoice_not_found');
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const again = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('early') });
    expect(again.status).to.equal(404);
    expect(again.body).to.deep.equal(missing.body);
    expect(again.headers.get('idempotent-replayed')).to.equal('true');

    expect((await t.request('DELETE', '/api/v1/invoices/INV-0001')).status).to.equal(200);
    const cancelled = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('late') });
    expect(cancelled.status).to.equal(400);
    expect(cancelled.body.code).to.equal('invalid_state');
    const replay = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('late') });
    expect(replay.status).to.equal(400);
    expect(replay.body).to.deep.equal(cancelled.body);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('replays a slug_taken 409 after the slug was freed', async () => {
    expect((await t.request('POST', '/api/v1/payment-links', { body: { title: 'Tip', slug: 'tip' } })).status).to.equal(201);
    const taken = await t.request('POST', '/api/v1/payment-links', { body: { title: 'Tip', slug: 'tip' }, headers: withKey('link-1') });
    expect(taken.status).to.equal(409);
    expect(taken.body.code).to.equal('slug_taken');
    expect((await t.request('DELETE', '/api/v1/payment-links/tip')).status).to.equal(200);
    const replay = await t.request('POST', '/api/v1/payment-links', { body: { title: 'Tip', slug: 'tip' }, headers: withKey('link-1') });
    expect(replay.status).to.equal(409);
    expect(replay.body).to.deep.equal(taken.body);
    expect(replay.headers.get('idempotent-replayed')).to.equal('true');
  });

  it('keeps nothing for a request refused by validation: the key runs a corrected body', async () => {
    const refusals: [unknown, string, number][] = [
      [{ lines: [] }, 'validation_failed', 400],
      [{ ...SEED_INVOICE, currency: 'XYZ' }, 'validation_failed', 400],
      [{ ...SEED_INVOICE, metadata: JSON.parse('{"a":'.repeat(40) + '1' + '}'.repeat(40)) }, 'validation_failed', 400],
    ];
    for (const [body, code, status] of refusals) {
      const res = await t.request('POST', '/api/v1/invoices', { body, headers: withKey('order-7') });
      expect(res.status, code).to.equal(status);
      expect(res.body.code).to.equal(code);
    }
    const malformed = await t.request('POST', '/api/v1/invoices', {
      raw: '{"lines": [', headers: { ...withKey('order-7'), 'Content-Type': 'application/json' },
    });
    expect(malformed.body.code).to.equal('malformed_json');
    const textual = await t.request('POST', '/api/v1/invoices', {
      raw: JSON.stringify(SEED_INVOICE), headers: { ...withKey('order-7'), 'Content-Type': 'text/plain' },
    });
    expect(textual.body.code).to.equal('unsupported_media_type');
    const readOnly = await t.newKey(['invoices:read']);
    const forbidden = await t.request('POST', '/api/v1/invoices', { key: readOnly, body: SEED_INVOICE, headers: withKey('order-7') });
    expect(forbidden.status).to.equal(403);
    expect(await t.count('idempotency_keys')).to.equal(0);

    const good = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers: withKey('order-7') });
    expect(good.status).to.equal(201);
    expect(good.headers.get('idempotent-replayed')).to.equal(null);
    const replay = await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE, headers: withKey('order-7') });
    expect(replay.status).to.equal(201);
    expect(replay.body).to.deep.equal(good.body);
    expect(await t.count('invoices')).to.equal(1);
  });

  it('keeps nothing for unsupported_currency: the rate was refused before anything ran', async () => {
    await t.setWallet();
    const gbp = await t.request('POST', '/api/v1/invoices', { body: { ...SEED_INVOICE, currency: 'GBP' } });
    expect(gbp.status).to.equal(201);
    const res = await t.request('POST', `/api/v1/invoices/${gbp.body.invoice_number}/finalize`, { headers: withKey('gbp') });
    expect(res.status).to.equal(400);
    expect(res.body.code).to.equal('unsupported_currency');
    expect(await t.count('idempotency_keys')).to.equal(0);
  });

  it('keeps nothing for a 5xx: the retry runs once the fault is gone', async () => {
    ratesUp = false;
    await t.setWallet();
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    // Let the cached rate from startup go stale so finalize must ask the (down) source.
    t.clock.advance(3_600_000);
    const down = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('fin-5xx') });
    expect(down.status).to.equal(503);
    expect(down.body.code).to.equal('rate_unavailable');
    expect(await t.count('idempotency_keys')).to.equal(0);
    ratesUp = true;
    t.clock.advance(60_000);
    const up = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { headers: withKey('fin-5xx') });
    expect(up.status).to.equal(200);
    expect(up.headers.get('idempotent-replayed')).to.equal(null);
    expect(up.body.status).to.equal('pending');
  });
});
