/**
 * Notification benchmark: deliveries per second to a local receiver, and the latency
 * from a payment's commit to its webhook arriving. Prints figures; never passes or fails.
 *
 *   npm run bench:notify [-- --events 2000 --payments 300]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createTill } from '../src/main.js';
import { createLogger } from '../src/log.js';
import { createFixedRateProvider } from '../src/rates/index.js';
import { testTpub } from '../test/helpers/till.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const EVENTS = opt('events', 2000);
const PAYMENTS = opt('payments', 300);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const arrivals = new Map<string, number>();
  let created = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { event: string; data: { payment?: { txid: string } } };
      if (body.event === 'invoice.created') created++;
      if (body.event === 'payment.received' && body.data.payment) arrivals.set(body.data.payment.txid, performance.now());
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-notify-'));
  const config = loadConfig({ TILL_DATA_DIR: dir, TILL_PORT: '0', TILL_HOST: '127.0.0.1', TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1', TILL_LOG_LEVEL: 'warn' }, dir);
  const till = await createTill({ config, log: createLogger('warn'), rateProviders: [createFixedRateProvider('USD=70000')], followChain: false });
  await till.services.pool.setWallet(till.db, `wpkh(${testTpub(randomBytes(32))}/0/*)`, 0, Date.now());
  await till.listen();
  const { webhooks, invoices, payments } = till.services;
  await webhooks.create({ url, events: ['invoice.created'] });

  // 1. Throughput: a backlog of events, all to one receiver.
  await Promise.all(Array.from({ length: EVENTS }, () => invoices.create({ lines: [{ description: 'b', quantity: 1, unit_price: '1.00' }], dialect: 'v1' })));
  const t0 = performance.now();
  till.services.notifier.wake();
  while (created < EVENTS) await new Promise((r) => setTimeout(r, 5));
  const rate = EVENTS / ((performance.now() - t0) / 1000);

  // 2. Latency: one payment at a time, from its commit to its webhook arriving.
  await webhooks.create({ url, events: ['payment.received'] });
  const latencies: number[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    const inv = await invoices.create({ currency: 'BTC', lines: [{ description: 'p', quantity: 1, unit_price: '0.001' }], dialect: 'v1' });
    const fin = await invoices.finalize(inv.ref);
    const txid = randomBytes(32).toString('hex');
    await payments.apply({ seen: [{ txid, vout: 0, sats: 100_000n, addressId: fin.addressId! }] });
    const committed = performance.now();
    while (!arrivals.has(txid)) await new Promise((r) => setImmediate(r));
    latencies.push(arrivals.get(txid)! - committed);
  }

  await till.close();
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log('');
  console.log(`Till notification benchmark: ${os.cpus().length} cores, node ${process.version}, receiver and Till in one process on loopback, SQLite synchronous=FULL`);
  console.log('');
  console.log(`deliveries per second, ${EVENTS} queued invoice.created events to one receiver: ${rate.toFixed(0)}/s`);
  console.log(`payment commit → webhook arrival (${PAYMENTS} payments, one at a time): p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, max ${Math.max(...latencies).toFixed(2)} ms`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
