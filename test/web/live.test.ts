/**
 * The SSE stream of a checkout page on its own (a bare Koa app, the services faked):
 * heartbeats, one event per change of its invoice only, and nothing left subscribed
 * once the payer goes away.
 */
import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import type { Invoice } from '../../src/domain/invoice.js';
import { checkoutPages } from '../../src/web/checkout/routes.js';
import { InvoiceFeed } from '../../src/web/live.js';

const UUID = '3b241101-e2bb-4255-8caf-4136c566a962';
const inv = {
  id: 7, publicId: UUID, status: 'pending', exception: null, version: 1, number: 'INV-0007', currency: 'BTC', lines: [], total: 1000n,
  paidSats: 0n, dueSats: 1000n, rate: '1', address: null, paymentMethods: ['onchain_btc'], quoteExpiresAt: Date.now() + 900_000,
  requiredConfirmations: 1, dialectData: null,
} as unknown as Invoice;

async function serve(feed: InvoiceFeed): Promise<{ url: string; close: () => Promise<void> }> {
  const app = new Koa();
  app.silent = true; // as Till's: a payer who leaves mid-stream is no error worth a line
  app.use(checkoutPages({
    invoices: {
      get: async (id: string) => {
        if (id !== UUID) throw Object.assign(new Error('nope'), { code: 'invoice_not_found' });
        return inv;
      },
      payments: async () => [],
    },
    feed,
    now: Date.now,
    settings: { shopName: '', onionUrl: '' },
    heartbeatMs: 50,
  }));
  const server = http.createServer(app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

describe('checkout page SSE stream', () => {
  it('beats, tells only of its own invoice, and unsubscribes when the payer leaves', async () => {
    const feed = new InvoiceFeed();
    const s = await serve(feed);
    try {
      let text = '';
      const req = http.get(`${s.url}/i/${UUID}/events`);
      const res = await new Promise<http.IncomingMessage>((r) => req.on('response', r));
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      // Beats every 50 ms: two of them within two seconds, however busy the machine.
      const by = Date.now() + 2000;
      while ((text.match(/: heartbeat\n\n/g)?.length ?? 0) < 2 && Date.now() < by) await new Promise((r) => setTimeout(r, 10));
      expect(text.match(/: heartbeat\n\n/g)?.length ?? 0).to.be.at.least(2);
      expect(feed.size).to.equal(1);
      feed.publish([8, 9]);
      await new Promise((r) => setTimeout(r, 30));
      expect(text).not.to.include('event: invoice');
      feed.publish([7, 7, 8]);
      await new Promise((r) => setTimeout(r, 30));
      expect(text.match(/event: invoice\n/g)).to.have.length(1);
      expect(text).to.include(`data: {"id":"${UUID}"}`);
      req.destroy();
      const until = Date.now() + 2000;
      while (feed.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      expect(feed.size, 'the stream unsubscribed').to.equal(0);
    } finally {
      await s.close();
    }
  });
  it('a stream that opens after the feed has shut (Till stopping) ends at once', async () => {
    const feed = new InvoiceFeed();
    const s = await serve(feed);
    try {
      feed.closeAll();
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        http.get(`${s.url}/i/${UUID}/events`, resolve).on('error', reject);
      });
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      const ended = await Promise.race([
        new Promise<boolean>((r) => res.on('end', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
      ]);
      expect(ended, 'the stream ended by itself').to.equal(true);
      expect(text).to.equal('retry: 3000\n\n');
      expect(feed.size).to.equal(0);
    } finally {
      await s.close();
    }
  });
});
