/**
 * For bench/chain.ts's detection latency: a ZMQ publisher in a process of its own, as
 * Bitcoin Core is, so sending costs Till's process nothing. Binds, prints its endpoint,
 * sends a trickle of frames that pay no one until it reads a line on stdin, then reads
 * and sends the transactions of `file` (one hex body a line), frame i due at i / `rate` s,
 * and prints `sent <t0> <t1> …`: when each left, on the machine's monotonic clock
 * (process.hrtime, in ns), which the benchmark's own process reads too.
 *
 *   tsx bench/zmq-payments.ts <file> <rate>
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { rawtxPublisher, untilGo } from './zmq-child.js';

const [file, rateArg] = process.argv.slice(2) as [string, string];
const rate = Number(rateArg);
const pub = await rawtxPublisher(100_000);
function noise(): Buffer {
  const t = new Transaction();
  t.addInput(randomBytes(32), 0);
  t.addOutput(Buffer.concat([Buffer.from([0x00, 0x14]), randomBytes(20)]), 1n);
  return Buffer.from(t.toBuffer());
}

await untilGo(pub, noise);
// Written by the benchmark once it has made the invoices these pay.
const bodies = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((h) => Buffer.from(h, 'hex'));
const sent: bigint[] = [];
const started = performance.now();
for (const [i, body] of bodies.entries()) {
  const wait = started + (i * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  sent.push(process.hrtime.bigint());
  await pub.send(body);
}
console.log(`sent ${sent.join(' ')}`);
await pub.finish();
