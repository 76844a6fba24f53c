/**
 * For bench/chain.ts's flood: the floors under it, a zeromq subscriber in a process of its
 * own as Till is. Connects to `endpoint`, subscribes to rawtx, prints `ready`, then prints
 * how many messages it has received each time it reads a line on stdin. Given a number of
 * watched scripts, it also does with each frame what Till's dispatch does with one that
 * pays no one: parse it, match its outputs against that many scripts, remember its txid.
 *
 *   tsx bench/zmq-bare.ts <endpoint> [watched]
 */
import { randomBytes } from 'node:crypto';
import { Subscriber } from 'zeromq';
import { parseTx } from '../src/chain/raw.js';
import { SeenTxids } from '../src/chain/seen-txids.js';
import { WatchMap } from '../src/chain/watch-map.js';

const watched = process.argv[3] === undefined ? null : Number(process.argv[3]);
const watch = new WatchMap();
for (let i = 0; i < (watched ?? 0); i++) watch.add(`0014${randomBytes(20).toString('hex')}`, i + 1);
const seen = new SeenTxids();

const sock = new Subscriber({ receiveHighWaterMark: 100_000 });
sock.connect(process.argv[2]!);
sock.subscribe('rawtx');
let got = 0;
process.stdin.on('data', () => console.log(String(got)));
process.stdin.on('end', () => process.exit(0));
console.log('ready');
for (;;) {
  const frames = await sock.receive();
  got++;
  if (watched === null) continue;
  const tx = parseTx(frames[1]!);
  if (watch.match(tx).length === 0) seen.rememberBinary(tx.hashBinary());
}
