/**
 * Stopping Till (SIGTERM from the app's container, or a test's afterEach) ends promptly
 * even when clients hold connections open: a payer's page keeps a live stream and a
 * keep-alive connection it polls on, and a connection that turns idle after the server
 * began to close would otherwise be kept until its 65 s keep-alive timeout. App stores
 * give a container about 10 s before they kill it.
 */
import { expect } from 'chai';
import http from 'node:http';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';
import { holdRequest, portOf } from '../helpers/held-request.js';
import { notifyTill, receiver, subscribe, until } from '../notify/helpers.js';

const INVOICE = { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] };

/** A checkout page's uuid for a new finalized invoice. */
async function invoicePage(t: TestTill): Promise<string> {
  await t.setWallet(testTpub(5));
  const c = await t.request('POST', '/api/v1/invoices', { body: INVOICE });
  expect(c.status, c.text).to.equal(201);
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  expect(f.status, f.text).to.equal(200);
  return (await t.till.db.read('invoices').where({ ref: c.body.ref }).first()).public_id as string;
}

/** Opens a live stream on `agent`, resolving once its first bytes arrive. */
function openStream(url: string, agent: http.Agent): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.once('data', () => resolve(res));
      res.resume();
    });
    req.on('error', reject);
  });
}

/** GETs `url` on `agent` and reads the whole answer; rejects if the connection fails. */
function get(url: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function timedStop(t: TestTill): Promise<number> {
  const started = Date.now();
  await t.stop();
  return Date.now() - started;
}

describe('stopping Till with clients connected', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  const agents: http.Agent[] = [];
  const agent = () => {
    const a = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(a);
    return a;
  };
  afterEach(async () => {
    for (const a of agents.splice(0)) a.destroy();
    await t?.stop();
    t = undefined;
  });

  it('ends live streams and closes the keep-alive connections they leave, within seconds', async () => {
    const till = (t = await startTill());
    const uuid = await invoicePage(till);
    // Several payers, each on a keep-alive connection: the stream ends at shutdown and
    // its connection turns idle only after the server has begun to close.
    const ended: Promise<void>[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await openStream(`${till.url}/i/${uuid}/events`, agent());
      ended.push(new Promise((r) => res.on('close', () => r())));
    }
    t = undefined;
    const ms = await timedStop(till);
    expect(ms, `stop took ${ms} ms`).to.be.below(5_000);
    await Promise.all(ended);
  });

  it('answers a request whose body was still arriving when the stop began, then lets its connection go', async () => {
    const till = (t = await startTill());
    await till.setWallet();
    const held = await holdRequest(portOf(till.url), till.key, INVOICE);
    t = undefined;
    const started = Date.now();
    const stopped = till.stop();
    await new Promise((r) => setTimeout(r, 100));
    held.finish();
    await stopped;
    const ms = Date.now() - started;
    await held.gone;
    expect(held.answer(), 'its answer came before the connection closed').to.match(/^HTTP\/1\.1 201 /);
    expect(ms, `stop took ${ms} ms`).to.be.below(5_000);
  });

  it('a request in progress when the stop began is answered with Connection: close; what was pipelined behind it is not read', async () => {
    const till = (t = await startTill());
    const uuid = await invoicePage(till);
    // A second request follows the first on the same kept-alive connection, as a
    // browser's next poll would. HTTP lets a server close after an answer that says so:
    // the client sends the second again elsewhere.
    const held = await holdRequest(portOf(till.url), till.key, INVOICE);
    t = undefined;
    const started = Date.now();
    const stopped = till.stop();
    await new Promise((r) => setTimeout(r, 50));
    held.finish(`GET /i/${uuid}/status.json HTTP/1.1\r\nHost: till\r\n\r\n`);
    await stopped;
    const ms = Date.now() - started;
    await held.gone;
    const answer = held.answer();
    const heads = answer.match(/HTTP\/1\.1 \d{3} [^\r]*\r\n(?:[^\r]+\r\n)*\r\n/g) ?? [];
    expect(heads, answer.slice(0, 300)).to.have.length(1);
    expect(heads[0]).to.match(/^HTTP\/1\.1 201 /);
    expect(heads[0]).to.match(/\r\nConnection: close\r\n/i);
    expect(ms, `stop took ${ms} ms`).to.be.below(5_000);
  });

  it('stops taking requests at once, while a webhook being sent still holds the background work', async () => {
    let answerHook: (() => void) | undefined;
    const hook = await receiver(() => new Promise<number>((r) => (answerHook = () => r(200))));
    try {
      const till = (t = await notifyTill({ TILL_WEBHOOK_TIMEOUT_MS: '60000' }));
      await subscribe(till, hook.url);
      const c = await till.request('POST', '/api/v1/invoices', { body: INVOICE });
      expect(c.status, c.text).to.equal(201);
      expect((await till.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`)).status).to.equal(200);
      await until(() => hook.got.length > 0 && answerHook !== undefined, 'the webhook is being sent', 10_000);
      t = undefined;
      let stoppedAt = 0;
      const stopped = till.stop().then(() => (stoppedAt = Date.now()));
      await new Promise((r) => setTimeout(r, 200));
      const refused = await fetch(`${till.url}/health`).then(() => false, () => true);
      expect(refused, 'a new request is refused while the delivery is in flight').to.equal(true);
      expect(stoppedAt, 'the stop waits for the delivery').to.equal(0);
      const answeredAt = Date.now();
      answerHook!();
      await stopped;
      expect(stoppedAt).to.be.at.least(answeredAt);
    } finally {
      await hook.close();
    }
  });

  it('an idle keep-alive connection does not hold the stop', async () => {
    const till = (t = await startTill());
    const a = agent();
    expect(await get(`${till.url}/health`, a)).to.be.oneOf([200, 503]);
    t = undefined;
    const ms = await timedStop(till);
    expect(ms, `stop took ${ms} ms`).to.be.below(5_000);
  });
});
