/**
 * For bench/'s publisher children (zmq-flood.ts, zmq-payments.ts): a rawtx publisher bound
 * on a free port, and the protocol they share with bench/chain.ts. The child prints its
 * endpoint, sends a trickle of frames until it reads a line on stdin (the subscriber is
 * then known to be there), and ends when its stdin closes (the benchmark gone).
 */
import { Publisher } from 'zeromq';

export interface RawtxPublisher {
  /** Sends one rawtx frame with the next sequence number, as Core does. */
  send(body: Buffer): Promise<void>;
  /** Lets what was sent leave, then ends the process. */
  finish(): Promise<never>;
}

export async function rawtxPublisher(sendHighWaterMark: number): Promise<RawtxPublisher & { endpoint: string }> {
  const pub = new Publisher({ linger: 0, sendHighWaterMark });
  await pub.bind('tcp://127.0.0.1:0');
  let seq = 0;
  return {
    endpoint: pub.lastEndpoint!,
    send: (body) => {
      const n = Buffer.alloc(4);
      n.writeUInt32LE(seq++ >>> 0);
      return pub.send([Buffer.from('rawtx'), body, n]);
    },
    finish: async () => {
      await new Promise((r) => setTimeout(r, 200));
      pub.close();
      process.exit(0);
    },
  };
}

/** Prints the endpoint, then sends a `trickle()` frame every 20 ms until told to go. */
export async function untilGo(p: RawtxPublisher & { endpoint: string }, trickle: () => Buffer): Promise<void> {
  let go = false;
  process.stdin.once('data', () => (go = true));
  process.stdin.on('end', () => process.exit(0));
  console.log(p.endpoint);
  while (!go) {
    await p.send(trickle());
    await new Promise((r) => setTimeout(r, 20));
  }
}
