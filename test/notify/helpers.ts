import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { startTill, testClock, testTpub, type TestTill } from '../helpers/till.js';
import { waitFor } from '../helpers/wait.js';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A real HTTP receiver on loopback that answers with whatever `respond` says. */
export async function receiver(
  respond: (n: number, req: Received) => number | Promise<number> = () => 200,
): Promise<{ url: string; got: Received[]; close(): Promise<void> }> {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      got.push(r);
      Promise.resolve(respond(got.length, r)).then(
        (status) => {
          res.statusCode = status;
          res.end(status >= 400 ? 'nope' : 'ok');
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Till with the notification worker on, allowed to reach loopback receivers. */
export async function notifyTill(env: Record<string, string> = {}): Promise<TestTill> {
  const t = await startTill({
    notify: true,
    clock: testClock(Date.now()),
    env: { TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_API_RATE_LIMIT: '100000', ...env },
  });
  await t.setWallet(testTpub(randomBytes(32)));
  return t;
}

/** Subscribes `url` to `events` (default all) through the API; the secret comes back once. */
export async function subscribe(t: TestTill, url: string, events?: string[]): Promise<{ id: number; secret: string }> {
  const res = await t.request('POST', '/api/v1/webhooks', { body: { url, ...(events && { events }) } });
  expect(res.status, res.text).to.equal(201);
  return res.body as { id: number; secret: string };
}

export { waitFor as until };

/** Makes an invoice, pays it and confirms it through the real payment path. */
export async function lifecycle(t: TestTill, sats = 100_000n): Promise<{ ref: string; id: number }> {
  const price = (Number(sats) / 1e8).toFixed(8);
  const c = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: price }] } });
  const f = await t.request('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
  const addr = await t.till.db.read('addresses').where({ address: f.body.payment_address }).first();
  const txid = randomBytes(32).toString('hex');
  const { payments } = t.till.services;
  await payments.apply({ seen: [{ txid, vout: 0, sats, addressId: addr.id }] });
  await payments.apply({
    connected: [{ hash: randomBytes(32).toString('hex'), height: 1, prevHash: '00'.repeat(32), outputs: [{ txid, vout: 0, sats, addressId: addr.id }] }],
  });
  return { ref: c.body.ref, id: c.body.id };
}
