/**
 * For bench/chain.ts: a ZMQ publisher in a process of its own, so the CPU of sending is
 * not counted as Till's. Binds, prints its endpoint, sends a slow trickle of frames until
 * it reads a line on stdin, then sends `rate` distinct non-matching rawtx frames a second
 * for `seconds`, prints `done <frames>` and exits.
 *
 *   tsx bench/zmq-flood.ts <rate> <seconds>
 */
import { randomBytes } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { rawtxPublisher, untilGo } from './zmq-child.js';

const [rate, seconds] = process.argv.slice(2).map(Number) as [number, number];
const pub = await rawtxPublisher(1_000_000);

function frame(): Buffer {
  const t = new Transaction();
  t.version = 2;
  t.addInput(randomBytes(32), 0, 0xfffffffd);
  t.setWitness(0, [randomBytes(71), randomBytes(33)]);
  t.addOutput(Buffer.concat([Buffer.from([0x00, 0x14]), randomBytes(20)]), 10_000n);
  t.addOutput(Buffer.concat([Buffer.from([0x51, 0x20]), randomBytes(32)]), 5_000n);
  return Buffer.from(t.toBuffer());
}
const frames = Array.from({ length: rate * seconds }, frame);
await untilGo(pub, frame);
const started = performance.now();
const PER_TICK = Math.max(1, Math.round(rate / 1000));
for (let i = 0; i < frames.length; i += PER_TICK) {
  for (let j = i; j < Math.min(frames.length, i + PER_TICK); j++) await pub.send(frames[j]!);
  const wait = started + ((i + PER_TICK) * 1000) / rate - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
console.log(`done ${frames.length} ${((performance.now() - started) / 1000).toFixed(3)}`);
await pub.finish();
