import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import type { TestTill } from '../helpers/till.js';
import { notifyTill, receiver, until, type Received, subscribe } from './helpers.js';

type Headers = Record<string, string | undefined>;

// An independent receiver-side check written from the Standard Webhooks spec with
// node:crypto only (the README's Node example is this function without the types).
const TOLERANCE_S = 5 * 60;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Returns the delivery id; throws if the request is not from Till or is stale. */
function verifyTillWebhook(headers: Headers, body: Buffer, secret: string, nowS = Math.floor(Date.now() / 1000)): string {
  const id = headers['webhook-id'] ?? '';
  const ts = headers['webhook-timestamp'] ?? '';
  if (!id || !/^\d+$/.test(ts) || Math.abs(nowS - Number(ts)) > TOLERANCE_S) throw new Error('missing, stale or future timestamp');
  const seed = createHmac('sha256', secret).update(body).digest('hex');
  if (!same(seed, headers['x-btpay-signature'] ?? '')) throw new Error('bad X-BTPay-Signature');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.`).update(body).digest('base64');
  if (!(headers['webhook-signature'] ?? '').split(' ').some((s) => same(s, expected))) throw new Error('bad webhook-signature');
  return id;
}

function flat(h: http.IncomingHttpHeaders): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

interface Capture { headers: Headers; body: string; secret: string; now: number }

/** The README's Python check over each capture: "new", "duplicate" or "refused: …". */
function python(captures: Capture[]): string[] {
  const input = captures
    .map((c) => JSON.stringify({ headers: c.headers, body: Buffer.from(c.body).toString('base64'), secret: c.secret, now: c.now }))
    .join('\n');
  const py = spawnSync('python3', [path.join(import.meta.dirname, 'verify_standard_webhook.py')], { input, encoding: 'utf8' });
  expect(py.status, py.stderr).to.equal(0);
  return py.stdout.trim().split('\n');
}

/** The three ways to tamper with a captured request without knowing the secret. */
function tampered(c: Capture): Capture[] {
  const ts = Number(c.headers['webhook-timestamp']);
  return [
    { ...c, headers: { ...c.headers, 'webhook-id': randomUUID() } },
    { ...c, headers: { ...c.headers, 'webhook-timestamp': String(ts + 1) } },
    { ...c, headers: { ...c.headers, 'webhook-timestamp': String(ts - 1) } },
    { ...c, body: c.body.replace('"event"', '"Event"') },
  ];
}

describe('webhook signatures: Standard Webhooks beside the seed signature', function () {
  this.timeout(30_000);
  let t: TestTill;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await t?.stop();
    for (const c of closers.splice(0)) await c();
  });

  const hook = (url: string, events?: string[]) => subscribe(t, url, events);

  /** A receiver that answers 200 only to a request both checks accept, judged at Till's time. */
  async function verifyingReceiver(secret: () => string, fail: (n: number) => boolean = () => false) {
    return receiver((n, req: Received) => {
      try {
        verifyTillWebhook(flat(req.headers), Buffer.from(req.body), secret(), Math.floor(t.clock.now() / 1000));
      } catch {
        return 401;
      }
      return fail(n) ? 500 : 200;
    });
  }

  it('signs each delivery both ways; the standardwebhooks library and the spec accept it, and refuse tampering', async () => {
    t = await notifyTill();
    let secret = '';
    const r = await verifyingReceiver(() => secret);
    closers.push(r.close);
    secret = (await hook(r.url, ['invoice.created'])).secret;
    await t.request('POST', '/api/v1/invoices', { body: { lines: [{ description: 'x', quantity: 1, unit_price: '1.00' }] } });
    await until(() => r.got.length === 1, 'the delivery');
    const g = r.got[0]!;
    const h = flat(g.headers);
    const nowS = Math.floor(t.clock.now() / 1000);
    expect(h['webhook-id']).to.equal(h['x-btpay-delivery']).and.match(/^[0-9a-f-]{36}$/);
    expect(h['webhook-timestamp']).to.equal(String(nowS));
    expect(h['x-btpay-timestamp']).to.equal(h['webhook-timestamp']);
    expect(h['webhook-signature']).to.match(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(h['x-btpay-signature']).to.equal(createHmac('sha256', secret).update(g.body).digest('hex'));

    // The library, used as a receiver would use it (its clock is the real one, as is Till's first attempt here).
    const wh = new Webhook(secret);
    expect(wh.verify(g.body, h as Record<string, string>)).to.deep.include({ event: 'invoice.created' });
    expect(wh.sign(h['webhook-id']!, new Date(nowS * 1000), g.body)).to.equal(h['webhook-signature']);
    expect(verifyTillWebhook(h, Buffer.from(g.body), secret, nowS)).to.equal(h['webhook-id']);
    const delivered = await until(async () => {
      const l = await t.request('GET', '/api/v1/webhooks/1/deliveries');
      return l.body.deliveries[0].status === 'delivered' ? l : null;
    }, 'the receiver to accept it');
    expect(delivered.body.deliveries[0].last_status_code).to.equal(200);

    const genuine: Capture = { headers: h, body: g.body, secret, now: nowS };
    for (const bad of tampered(genuine)) {
      expect(() => wh.verify(bad.body, bad.headers as Record<string, string>), JSON.stringify(bad.headers)).to.throw();
      expect(() => verifyTillWebhook(bad.headers, Buffer.from(bad.body), secret, nowS)).to.throw(/bad/);
    }
    // Another webhook's secret does not verify it either.
    const other = 'whsec_' + 'ab'.repeat(32);
    expect(() => new Webhook(other).verify(g.body, h as Record<string, string>)).to.throw();

    // The README's Python: accepts it once, drops it as a duplicate, refuses every
    // tampered copy and the genuine request replayed more than 5 minutes later.
    const out = python([genuine, genuine, ...tampered(genuine), { ...genuine, now: nowS + 301 }]);
    expect(out).to.deep.equal([
      'new', 'duplicate',
      'refused: bad webhook-signature', 'refused: bad webhook-signature', 'refused: bad webhook-signature',
      'refused: bad X-BTPay-Signature',
      'refused: missing, stale or future timestamp',
    ]);
  });

  it('a retry carries the same id and a fresh timestamp; the old request replayed later is refused', async () => {
    t = await notifyTill();
    let secret = '';
    const r = await verifyingReceiver(() => secret, (n) => n === 1);
    closers.push(r.close);
    secret = (await hook(r.url, ['invoice.created'])).secret;
    await t.request('POST', '/api/v1/invoices', { body: { lines: [{ description: 'x', quantity: 1, unit_price: '1.00' }] } });
    await until(() => r.got.length === 1, 'first attempt');
    await until(async () => (await t.till.db.read('deliveries').first())?.attempts === 1, 'attempt 1 recorded');
    const first = Math.floor(t.clock.now() / 1000);

    t.clock.advance(60_000);
    await t.till.services.notifier.tick();
    await until(() => r.got.length === 2, 'the retry');
    await until(async () => (await t.till.db.read('deliveries').first())?.status === 'delivered', 'the retry recorded');

    // Three hours on, the merchant redelivers by hand: same id again, this moment's time.
    t.clock.advance(3 * 3_600_000);
    const id = String(flat(r.got[0]!.headers)['x-btpay-delivery']);
    expect((await t.request('POST', `/api/v1/webhooks/1/deliveries/${id}/redeliver`)).status).to.equal(202);
    await until(() => r.got.length === 3, 'the redelivery');
    const last = Math.floor(t.clock.now() / 1000);

    const hs = r.got.map((g) => flat(g.headers));
    expect(hs.map((h) => h['webhook-id'])).to.deep.equal([id, id, id]);
    expect(hs.map((h) => h['x-btpay-delivery'])).to.deep.equal([id, id, id]);
    expect(hs.map((h) => Number(h['webhook-timestamp']))).to.deep.equal([first, first + 60, last]);
    expect(hs.map((h) => h['x-btpay-timestamp'])).to.deep.equal(hs.map((h) => h['webhook-timestamp']));
    expect(new Set(r.got.map((g) => g.body)).size).to.equal(1);
    expect(new Set(hs.map((h) => h['webhook-signature'])).size).to.equal(3);
    expect(new Set(hs.map((h) => h['x-btpay-signature'])).size).to.equal(1);

    const wh = new Webhook(secret);
    const captures = r.got.map((g, i): Capture => ({ headers: hs[i]!, body: g.body, secret, now: Number(hs[i]!['webhook-timestamp']) }));
    for (const c of captures) {
      // The library's own signing (its verify reads the real clock, which Till's test clock has left behind).
      expect(wh.sign(c.headers['webhook-id']!, new Date(c.now * 1000), c.body)).to.equal(c.headers['webhook-signature']);
      expect(verifyTillWebhook(c.headers, Buffer.from(c.body), secret, c.now)).to.equal(id);
    }
    // The first attempt, captured and replayed at the time of the redelivery: too old.
    expect(() => verifyTillWebhook(captures[0]!.headers, Buffer.from(captures[0]!.body), secret, last)).to.throw(/stale/);
    // With its timestamp moved forward it no longer matches its signature.
    const moved = { ...captures[0]!.headers, 'webhook-timestamp': String(last) };
    expect(() => verifyTillWebhook(moved, Buffer.from(captures[0]!.body), secret, last)).to.throw(/bad webhook-signature/);

    expect(python([
      captures[0]!, // refused by the receiver in this test (it answered 500), so not yet seen
      captures[1]!,
      captures[2]!,
      { ...captures[0]!, now: last },
      { ...captures[0]!, headers: moved, now: last },
    ])).to.deep.equal([
      'new', 'duplicate', 'duplicate', 'refused: missing, stale or future timestamp', 'refused: bad webhook-signature',
    ]);
    expect(r.got.length).to.equal(3);
  });

  it('a test ping carries the same headers and verifies', async () => {
    t = await notifyTill();
    let secret = '';
    const r = await verifyingReceiver(() => secret);
    closers.push(r.close);
    const h = await hook(r.url);
    secret = h.secret;
    t.clock.advance(90_000);
    const ping = await t.request('POST', `/api/v1/webhooks/${h.id}/test`);
    expect(ping.status).to.equal(202);
    await until(() => r.got.length === 1, 'ping');
    const hs = flat(r.got[0]!.headers);
    const nowS = Math.floor(t.clock.now() / 1000);
    expect(hs).to.include({
      'x-btpay-event': 'webhook.test', 'x-btpay-delivery': ping.body.id, 'webhook-id': ping.body.id,
      'webhook-timestamp': String(nowS), 'x-btpay-timestamp': String(nowS),
    });
    expect(new Webhook(secret).sign(ping.body.id, new Date(nowS * 1000), r.got[0]!.body)).to.equal(hs['webhook-signature']);
    expect(verifyTillWebhook(hs, Buffer.from(r.got[0]!.body), secret, nowS)).to.equal(ping.body.id);
    await until(async () => (await t.request('GET', `/api/v1/webhooks/${h.id}/deliveries`)).body.deliveries[0].status === 'delivered', 'ping accepted');

    // After a rotation the old secret no longer verifies, the new one does.
    const rotated = await t.request('POST', `/api/v1/webhooks/${h.id}/rotate-secret`);
    const old = secret;
    secret = rotated.body.secret;
    await t.request('POST', `/api/v1/webhooks/${h.id}/test`);
    await until(() => r.got.length === 2, 'second ping');
    const h2 = flat(r.got[1]!.headers);
    expect(verifyTillWebhook(h2, Buffer.from(r.got[1]!.body), secret, nowS)).to.equal(h2['webhook-id']);
    expect(() => verifyTillWebhook(h2, Buffer.from(r.got[1]!.body), old, nowS)).to.throw(/bad/);
  });
});
