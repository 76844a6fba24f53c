import type { BlockFollower } from './block-follower.js';
import type { MempoolReader } from './mempool-reader.js';
import type { ChainStore } from './ports.js';
import { parseBlock, parseTx } from './raw.js';
import type { SeenTxids } from './seen-txids.js';
import type { WatchMap } from './watch-map.js';
import type { WriteBatcher } from './write-batcher.js';

const LABEL_R = 'R'.charCodeAt(0);
const LABEL_D = 'D'.charCodeAt(0);

export type Topic = 'rawtx' | 'rawblock' | 'hashblock' | 'sequence';

export interface FeedMessage {
  topic: Topic;
  body: Buffer;
  seq: number;
}

export interface Dispatch {
  watch: WatchMap;
  seen: SeenTxids;
  batcher: WriteBatcher;
  blocks: BlockFollower;
  mempool: MempoolReader;
  store: ChainStore;
}

/**
 * One ZMQ message to the part of the watcher it concerns: a transaction to the write
 * batcher (if it pays us), a block to the block follower, a sequence event to whichever
 * it names. Bad data throws (a malformed transaction at once, synchronously; the rest as a
 * rejected promise): the feed counts it (`handler_errors` on /health) and goes on, and the
 * RPC catch-up is the safety net.
 */
export function dispatch(msg: FeedMessage, d: Dispatch): Promise<void> | void {
  // A transaction that pays no one, the bulk of what Core sends, is handled at once.
  if (msg.topic === 'rawtx') {
    const tx = parseTx(msg.body);
    const seen = d.watch.match(tx);
    // A match is remembered as read once its payment is committed (the batcher does it).
    if (seen.length > 0) return d.batcher.record(seen);
    d.seen.rememberBinary(tx.hashBinary());
    return;
  }
  // Core sends a sequence message for every transaction its mempool takes in (A) and every
  // block (C): as many as rawtx messages, and the other topics say all Till needs of them.
  if (msg.topic === 'sequence' && (msg.body.length < 33 || (msg.body[32] !== LABEL_R && msg.body[32] !== LABEL_D))) return;
  return dispatchOther(msg, d);
}

async function dispatchOther(msg: FeedMessage, d: Dispatch): Promise<void> {
  switch (msg.topic) {
    case 'rawblock':
      await d.blocks.announced(parseBlock(msg.body));
      return;
    case 'hashblock':
      await d.blocks.syncToTip();
      return;
    case 'sequence': {
      const hash = msg.body.subarray(0, 32).toString('hex');
      const label = String.fromCharCode(msg.body[32]!);
      if (label === 'R') {
        // A sighting of this very tx may still be on its way to the database.
        await d.batcher.settled();
        const mine = await d.store.paymentsOfTx(hash);
        if (mine.some((p) => p.status === 'mempool')) await d.mempool.removed([hash]);
      } else if (label === 'D') {
        await d.blocks.syncToTip();
      }
      return;
    }
  }
}
