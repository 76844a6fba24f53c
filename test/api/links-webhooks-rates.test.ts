import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';

describe('v1 payment links', () => {
  let t: TestTill;
  beforeEach(async () => {
    t = await startTill();
  });
  afterEach(async () => {
    await t.stop();
  });

  it('creates with a slug from the title, lists, and soft-deletes', async () => {
    const res = await t.request('POST', '/api/v1/payment-links', {
      body: { title: 'Donate', description: 'Support our project', currency: 'USD' },
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({
      slug: 'donate', title: 'Donate', description: 'Support our project', amount: null, currency: 'USD', is_active: true,
    });
    expect(res.body.ref).to.match(/^[0-9A-F]{8}-[0-9A-F]{8}$/);
    expect(res.body.created_at).to.equal(Math.floor(t.clock.now() / 1000));

    const fixed = await t.request('POST', '/api/v1/payment-links', { body: { title: 'Café Crème Gift Card!', amount: '25.00', currency: 'EUR' } });
    expect(fixed.body).to.include({ slug: 'cafe-creme-gift-card', amount: '25.00', currency: 'EUR' });

    const list = await t.request('GET', '/api/v1/payment-links');
    expect(list.body.payment_links.map((l: any) => l.slug)).to.deep.equal(['cafe-creme-gift-card', 'donate']);

    const del = await t.request('DELETE', '/api/v1/payment-links/donate');
    expect(del.status).to.equal(200);
    expect(del.body).to.deep.equal({ ok: true });
    expect((await t.request('GET', '/api/v1/payment-links')).body.payment_links).to.have.length(1);
    expect(await t.count('payment_links')).to.equal(2);
    expect((await t.request('DELETE', '/api/v1/payment-links/donate')).status).to.equal(404);
    // A deactivated link frees its slug.
    expect((await t.request('POST', '/api/v1/payment-links', { body: { title: 'Donate again', slug: 'donate' } })).status).to.equal(201);
  });

  it('makes a generated slug unique and refuses a taken explicit one', async () => {
    await t.request('POST', '/api/v1/payment-links', { body: { title: 'Donate' } });
    const second = await t.request('POST', '/api/v1/payment-links', { body: { title: 'Donate' } });
    expect(second.body.slug).to.equal('donate-2');
    const taken = await t.request('POST', '/api/v1/payment-links', { body: { title: 'X', slug: 'donate' } });
    expect(taken.status).to.equal(409);
    expect(taken.body.error).to.match(/already used/);
    expect(await t.count('payment_links')).to.equal(2);
  });

  it('refuses bad links with 400 and writes nothing', async () => {
    for (const body of [
      {},
      { title: '' },
      { title: '   ' },
      { title: 42 },
      { title: 'x', slug: 'Has Spaces' },
      { title: 'x', slug: '-dash' },
      { title: 'x', slug: 'a'.repeat(65) },
      { title: '!!!' },
      { title: 'x', amount: '-5' },
      { title: 'x', amount: '0' },
      { title: 'x', amount: '1.234' },
      { title: 'x', amount: 1e21 },
      { title: 'x', currency: 'ZZZ' },
      { title: 'x', redirect_url: 'javascript:alert(1)' },
      { title: 'x', redirect_url: 'not a url' },
      { title: 'x', payment_methods: ['cash'] },
      { title: 'x', colour: 'red' },
    ]) {
      const res = await t.request('POST', '/api/v1/payment-links', { body });
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error, JSON.stringify(body)).to.be.a('string');
    }
    expect(await t.count('payment_links')).to.equal(0);
  });
});

describe('v1 webhooks (endpoints)', () => {
  let t: TestTill;
  beforeEach(async () => {
    t = await startTill({ env: { TILL_WEBHOOK_ALLOW_HTTP: 'shop.lan,*.onion', TILL_PROXY: 'socks5h://127.0.0.1:9050' } });
  });
  afterEach(async () => {
    await t.stop();
  });

  it('creates with a whsec_ secret shown once, lists without it, deletes', async () => {
    const res = await t.request('POST', '/api/v1/webhooks', {
      body: { url: 'https://yoursite.com/webhook', events: ['invoice.paid', 'invoice.confirmed'], description: 'Production webhook' },
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ url: 'https://yoursite.com/webhook', is_active: true, description: 'Production webhook' });
    expect(res.body.id).to.be.a('number');
    expect(res.body.events).to.deep.equal(['invoice.paid', 'invoice.confirmed']);
    expect(res.body.secret).to.match(/^whsec_[0-9a-f]{64}$/);

    const list = await t.request('GET', '/api/v1/webhooks');
    expect(list.body.webhooks).to.deep.equal([
      { id: res.body.id, url: 'https://yoursite.com/webhook', events: ['invoice.paid', 'invoice.confirmed'], is_active: true, description: 'Production webhook' },
    ]);
    expect(JSON.stringify(list.body)).to.not.contain(res.body.secret);

    const all = await t.request('POST', '/api/v1/webhooks', { body: { url: 'https://b.example.com/x' } });
    expect(all.body.events).to.deep.equal(['*']);
    expect(all.body.secret).to.not.equal(res.body.secret);

    expect((await t.request('DELETE', `/api/v1/webhooks/${res.body.id}`)).body).to.deep.equal({ ok: true });
    expect((await t.request('GET', '/api/v1/webhooks')).body.webhooks.map((w: any) => w.id)).to.deep.equal([all.body.id]);
    expect((await t.request('DELETE', `/api/v1/webhooks/${res.body.id}`)).status).to.equal(404);
    expect((await t.request('DELETE', '/api/v1/webhooks/abc')).status).to.equal(404);
  });

  it('allows plain http only for hosts the operator listed', async () => {
    expect((await t.request('POST', '/api/v1/webhooks', { body: { url: 'http://shop.lan:8080/hook' } })).status).to.equal(201);
    expect((await t.request('POST', '/api/v1/webhooks', { body: { url: 'http://abcdefghijklmnop.onion/hook' } })).status).to.equal(201);
    const refused = await t.request('POST', '/api/v1/webhooks', { body: { url: 'http://example.com/hook' } });
    expect(refused.status).to.equal(400);
    expect(refused.body.error).to.match(/https/);
  });

  it('refuses bad webhooks with 400 and writes nothing', async () => {
    for (const body of [
      {},
      { url: '' },
      { url: 'not a url' },
      { url: 'ftp://example.com/x' },
      { url: 'https://example.com/x', events: ['invoice.exploded'] },
      { url: 'https://example.com/x', events: [] },
      { url: 'https://example.com/x', events: 'invoice.paid' },
      { url: 'https://example.com/x#frag' },
      { url: 'https://example.com/x', secret: 'mine' },
      { url: 'https://example.com/' + 'a'.repeat(2000) },
    ]) {
      const res = await t.request('POST', '/api/v1/webhooks', { body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).to.equal(400);
    }
    expect(await t.count('webhooks')).to.equal(0);
  });
});

describe('v1 rates and health', () => {
  let t: TestTill;
  afterEach(async () => {
    await t.stop();
  });

  it('lists the configured currencies from the rate service', async () => {
    t = await startTill();
    const res = await t.request('GET', '/api/v1/rates');
    expect(res.status).to.equal(200);
    expect(res.body.rates.map((r: any) => [r.currency, r.rate])).to.deep.equal([
      ['USD', '70862.71'], ['EUR', '61919.68'], ['JPY', '10500000'], ['BHD', '26700.125'],
    ]);
    expect(res.body.rates[0].sources).to.deep.equal(['fixed']);
  });

  it('warns on /health when unpaid addresses run past a wallet\'s gap limit of 20', async () => {
    t = await startTill();
    await t.setWallet();
    const make = async () => {
      const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] } });
      await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
    };
    for (let i = 0; i < 20; i++) await make();
    expect((await t.till.health()).warnings.join(' ')).to.not.contain('gap limit');
    await make();
    const h = await t.request('GET', '/health', { key: null });
    expect(h.body.warnings.join(' ')).to.contain('21 addresses in a row').and.contain('gap limit of 20');
  });

  describe('the gap-limit warning measures every run of unpaid addresses', () => {
    /** Hands out `n` more addresses of the active wallet, one finalized invoice each. */
    const handOut = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] } });
        expect((await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`)).status).to.equal(200);
      }
    };
    /** Money arrives at the address with this derivation index (through the payment path). */
    const pay = async (...indexes: number[]) => {
      for (const index of indexes) {
        const a = await t.till.db.read('addresses').where({ derivation_index: index }).first();
        await t.till.services.payments.apply({ seen: [{ txid: randomBytes(32).toString('hex'), vout: 0, sats: 100_000n, addressId: a.id }] });
      }
    };
    const gapWarning = async () => (await t.till.health()).warnings.find((w) => w.includes('gap limit')) ?? null;

    it('paying index 24 of 30 still warns: 21 unpaid addresses before it', async () => {
      t = await startTill({ env: { TILL_API_RATE_LIMIT: '100000' } });
      await t.setWallet();
      await handOut(30);
      await pay(0, 1, 2, 24);
      const w = await gapWarning();
      expect(w).to.contain('21 addresses in a row (indexes 3–23)').and.contain('gap limit of 20').and.contain('at least 22');
      const h = await t.request('GET', '/health');
      expect(h.body.gap).to.deep.equal({ longest_unused_run: 21, gap_limit_needed: 22, usual_gap_limit: 20 });
      // Money in the middle of the run splits it into two of 10: no warning.
      await pay(13);
      expect(await gapWarning()).to.equal(null);
      expect((await t.request('GET', '/health')).body.gap).to.include({ longest_unused_run: 10 });
    });

    it('a run of exactly 20 before a paid address warns (a gap-20 wallet stops after 20 unused)', async () => {
      t = await startTill({ env: { TILL_API_RATE_LIMIT: '100000' } });
      await t.setWallet();
      await handOut(21);
      await pay(20);
      expect(await gapWarning()).to.contain('20 addresses in a row (indexes 0–19)').and.contain('at least 21');
    });

    it('a run at the end warns past 20, up to the wallet\'s next index', async () => {
      t = await startTill({ env: { TILL_API_RATE_LIMIT: '100000' } });
      await t.setWallet();
      await handOut(21);
      await pay(0);
      expect(await gapWarning(), '20 unpaid at the end').to.equal(null);
      await handOut(1);
      expect(await gapWarning()).to.contain('21 addresses in a row (indexes 1–21)').and.contain('at least 21');
    });

    it('counts from the wallet\'s first index', async () => {
      t = await startTill({ env: { TILL_API_RATE_LIMIT: '100000' } });
      await t.till.services.pool.setWallet(t.till.db, `wpkh(${testTpub(7)}/0/*)`, 100, t.clock.now());
      await handOut(22);
      await pay(121);
      expect(await gapWarning()).to.contain('21 addresses in a row (indexes 100–120)').and.contain('at least 22');
      await pay(110);
      expect(await gapWarning(), 'runs 100–109 and 111–120').to.equal(null);
    });

    it('no warning while every run before a paid address is under 20 and the run at the end is at most 20', async () => {
      t = await startTill({ env: { TILL_API_RATE_LIMIT: '100000' } });
      await t.setWallet();
      await handOut(60);
      await pay(19, 39);
      // Runs: 0–18 (19) before 19, 20–38 (19) before 39, 40–59 (20) at the end.
      expect(await gapWarning()).to.equal(null);
      await handOut(1);
      expect(await gapWarning()).to.contain('21 addresses in a row (indexes 40–60)');
    });
  });

  it('answers /health without a key', async () => {
    t = await startTill();
    const res = await t.request('GET', '/health', { key: null });
    expect(res.status).to.equal(200);
    expect(res.body.ok).to.equal(true);
  });
});
