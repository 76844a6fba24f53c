/**
 * A node that claims `caps.zmq` publishes rawtx, rawblock, hashblock and sequence on the
 * endpoints it reports. Runs on bitcoind where installed; litecoind (no ZMQ) is skipped.
 */
import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { Subscriber } from 'zeromq';
import { describeEachNode } from '../../../regtest/find-nodes.js';
import type { NodeKind, ZmqEndpoints } from '../../../regtest/node.js';

const REAL_DAEMONS: readonly NodeKind[] = ['bitcoind', 'litecoind'];
const P2WPKH = 'bcrt1qy6u345kdj3tgewsjk95dgjhd3m544ups7ade9u';

type Frames = Buffer[];

async function subscribe(zmq: ZmqEndpoints, topic: keyof ZmqEndpoints): Promise<Subscriber> {
  const endpoint = zmq[topic];
  if (endpoint === undefined) throw new Error(`no ${topic} endpoint`);
  const sub = new Subscriber({ receiveTimeout: 10_000 });
  sub.connect(endpoint);
  sub.subscribe(topic);
  // ZMQ's slow joiner: a subscription takes a moment to reach the publisher.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return sub;
}

async function until(sub: Subscriber, match: (frames: Frames) => boolean): Promise<Frames> {
  for (;;) {
    const frames = await sub.receive();
    if (match(frames)) return frames;
  }
}

/** Core documents its 32-byte hashes both ways over the years; the harness only checks that the right one arrives. */
function sameHash(body: Buffer, hash: string): boolean {
  const hex = body.subarray(0, 32).toString('hex');
  return hex === hash || Buffer.from(body.subarray(0, 32)).reverse().toString('hex') === hash;
}

describeEachNode(
  'regtest node zmq',
  ['zmq'],
  (getNode) => {
    const subs: Subscriber[] = [];
    afterEach(function () {
      for (const sub of subs.splice(0)) sub.close();
    });

    async function sub(topic: keyof ZmqEndpoints): Promise<Subscriber> {
      const s = await subscribe(getNode().zmq, topic);
      subs.push(s);
      return s;
    }

    it('publishes every ZMQ topic Till listens to', function () {
      const { zmq } = getNode();
      for (const topic of ['rawtx', 'rawblock', 'hashblock', 'sequence'] as const) expect(zmq[topic]).to.match(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    });

    it('rawtx and sequence announce a payment', async function () {
      const rawtx = await sub('rawtx');
      const sequence = await sub('sequence');
      const txid = await getNode().pay(P2WPKH, 100_000n);
      const [, body, seq] = await until(rawtx, ([, b]) => b !== undefined && Transaction.fromBuffer(b).getId() === txid);
      expect(body).to.not.equal(undefined);
      expect(seq).to.have.length(4);
      await until(sequence, ([, b]) => b !== undefined && b.length === 41 && b[32] === 'A'.charCodeAt(0) && sameHash(b, txid));
    });

    it('rawblock, hashblock and sequence announce a mined block', async function () {
      const rawblock = await sub('rawblock');
      const hashblock = await sub('hashblock');
      const sequence = await sub('sequence');
      const [hash] = await getNode().mine(1);
      await until(rawblock, ([, b]) => b !== undefined && Block.fromBuffer(b).getId() === hash);
      await until(hashblock, ([, b]) => b !== undefined && sameHash(b, hash ?? ''));
      await until(sequence, ([, b]) => b !== undefined && b.length === 33 && b[32] === 'C'.charCodeAt(0) && sameHash(b, hash ?? ''));
    });

    it('after restart the per-topic message counter starts at 0 again', async function () {
      if (!getNode().caps.restart) this.skip();
      // An empty mempool: mempool.dat's transactions would be announced before we subscribe.
      await getNode().mine(1);
      await getNode().restart();
      const rawtx = await sub('rawtx');
      await getNode().pay(P2WPKH, 100_001n);
      const [, , seq] = await until(rawtx, () => true);
      expect(seq?.readUInt32LE(0)).to.equal(0);
    });
  },
  { kinds: REAL_DAEMONS },
);
