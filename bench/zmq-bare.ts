/**
 * For bench/chain.ts's flood: the floor under it, a zeromq subscriber that does nothing
 * with what it receives, in a process of its own as Till is. Connects to `endpoint`,
 * subscribes to rawtx, prints `ready`, then prints how many messages it has received each
 * time it reads a line on stdin.
 *
 *   tsx bench/zmq-bare.ts <endpoint>
 */
import { Subscriber } from 'zeromq';

const sock = new Subscriber({ receiveHighWaterMark: 100_000 });
sock.connect(process.argv[2]!);
sock.subscribe('rawtx');
let got = 0;
process.stdin.on('data', () => console.log(String(got)));
process.stdin.on('end', () => process.exit(0));
console.log('ready');
for (;;) {
  await sock.receive();
  got++;
}
