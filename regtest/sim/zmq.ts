/**
 * Core's ZMQ publishers: one PUB socket per topic (or one shared), each message the
 * three frames [topic, body, 4-byte little-endian per-topic sequence number]. The
 * numbers are assigned when an event happens, so a message lost on purpose (`drop`) or
 * while the sockets are down still uses up its number — a subscriber sees the gap.
 */
import { Publisher } from 'zeromq';
import { u32le, u64le } from './bytes.js';
import type { BlockRecord } from './consensus.js';
import type { TxRecord } from './tx.js';

export const ZMQ_TOPICS = ['hashblock', 'rawblock', 'rawtx', 'sequence'] as const;
export type ZmqTopic = (typeof ZMQ_TOPICS)[number];
/** Core's -zmqpub<topic>hwm default. */
export const DEFAULT_ZMQ_HWM = 1000;

/** What the node reports to its notification interfaces, in Core's order. */
export interface ChainListener {
  /** rawtx, then sequence 'A'. */
  txAdded(rec: TxRecord, mempoolSequence: number): void;
  /** sequence 'R' (never for block inclusion). */
  txRemoved(rec: TxRecord, mempoolSequence: number): void;
  /** rawtx for every tx of the block, then sequence 'C'. */
  blockConnected(block: BlockRecord): void;
  /** rawtx for every tx of the block, then sequence 'D'. */
  blockDisconnected(block: BlockRecord): void;
  /** hashblock, then rawblock — only for a new tip (Core's UpdatedBlockTip). */
  tipUpdated(block: BlockRecord): void;
}

export interface ZmqOptions {
  topics?: readonly ZmqTopic[];
  /** All topics on one port (Core allows one address for several topics). Default false. */
  sharedPort?: boolean;
  hwm?: number;
  host?: string;
}

interface Outlet {
  port: number;
  socket: Publisher | undefined;
  queue: Buffer[][];
  pumping: Promise<void> | undefined;
}

const BIND_RETRY_MS = 50;
const BIND_TIMEOUT_MS = 10_000;

export class ZmqNotifier implements ChainListener {
  readonly topics: readonly ZmqTopic[];
  private readonly host: string;
  private readonly hwm: number;
  private readonly outlets = new Map<ZmqTopic, Outlet>();
  private readonly sequence = new Map<ZmqTopic, number>();
  private readonly drops = new Map<ZmqTopic, number>();
  private open = false;

  constructor(opts: ZmqOptions = {}) {
    this.topics = ZMQ_TOPICS.filter((t) => (opts.topics ?? ZMQ_TOPICS).includes(t));
    this.host = opts.host ?? '127.0.0.1';
    this.hwm = opts.hwm ?? DEFAULT_ZMQ_HWM;
    let shared: Outlet | undefined;
    for (const topic of this.topics) {
      const outlet = opts.sharedPort === true ? (shared ??= newOutlet()) : newOutlet();
      this.outlets.set(topic, outlet);
      this.sequence.set(topic, 0);
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** Binds every socket: on ephemeral ports the first time, on the same ports after. */
  async start(): Promise<void> {
    if (this.open) return;
    for (const outlet of new Set(this.outlets.values())) {
      const socket = new Publisher({ linger: 0, sendHighWaterMark: this.hwm });
      await bindWithRetry(socket, `tcp://${this.host}:${outlet.port}`);
      outlet.port = portOf(socket.lastEndpoint);
      outlet.socket = socket;
    }
    this.open = true;
  }

  /** Closes every socket; messages still queued are lost (as in a crash). */
  async stop(): Promise<void> {
    this.open = false;
    for (const outlet of new Set(this.outlets.values())) {
      outlet.queue.length = 0;
      await outlet.pumping;
      outlet.socket?.close();
      outlet.socket = undefined;
    }
  }

  /** Core restarts its counters with the process. */
  resetSequences(): void {
    for (const topic of this.topics) this.sequence.set(topic, 0);
  }

  drop(topic: ZmqTopic, n: number): void {
    this.drops.set(topic, (this.drops.get(topic) ?? 0) + n);
  }

  endpoint(topic: ZmqTopic): string | undefined {
    const outlet = this.outlets.get(topic);
    return outlet === undefined ? undefined : `tcp://${this.host}:${outlet.port}`;
  }

  /** getzmqnotifications, in Core's order (its notifiers sit in a map sorted by type). */
  notifications(): { type: string; address: string; hwm: number }[] {
    return this.topics.map((t) => ({ type: `pub${t}`, address: this.endpoint(t) as string, hwm: this.hwm }));
  }

  /** Resolves once every message published so far has been handed to ZMQ. */
  async flush(): Promise<void> {
    for (const outlet of new Set(this.outlets.values())) {
      while (outlet.pumping !== undefined) await outlet.pumping;
    }
  }

  txAdded(rec: TxRecord, mempoolSequence: number): void {
    this.publish('rawtx', rec.raw);
    this.sequenceMessage(rec.txid, 'A', mempoolSequence);
  }

  txRemoved(rec: TxRecord, mempoolSequence: number): void {
    this.sequenceMessage(rec.txid, 'R', mempoolSequence);
  }

  blockConnected(block: BlockRecord): void {
    for (const rec of block.txs) this.publish('rawtx', rec.raw);
    this.sequenceMessage(block.hash, 'C');
  }

  blockDisconnected(block: BlockRecord): void {
    for (const rec of block.txs) this.publish('rawtx', rec.raw);
    this.sequenceMessage(block.hash, 'D');
  }

  tipUpdated(block: BlockRecord): void {
    // Core reverses the hash into display order for hashblock (despite its doc's wording).
    this.publish('hashblock', Buffer.from(block.hash, 'hex'));
    this.publish('rawblock', block.raw);
  }

  private sequenceMessage(displayHash: string, label: 'A' | 'R' | 'C' | 'D', mempoolSequence?: number): void {
    if (!this.outlets.has('sequence')) return;
    const parts: Buffer[] = [Buffer.from(displayHash, 'hex'), Buffer.from(label, 'latin1')];
    if (mempoolSequence !== undefined) parts.push(u64le(mempoolSequence));
    this.publish('sequence', Buffer.concat(parts));
  }

  private publish(topic: ZmqTopic, body: Buffer): void {
    const outlet = this.outlets.get(topic);
    if (outlet === undefined) return;
    const seq = this.sequence.get(topic) ?? 0;
    this.sequence.set(topic, (seq + 1) >>> 0);
    const dropping = this.drops.get(topic) ?? 0;
    if (dropping > 0) {
      this.drops.set(topic, dropping - 1);
      return;
    }
    if (!this.open || outlet.socket === undefined) return;
    outlet.queue.push([Buffer.from(topic, 'latin1'), body, u32le(seq)]);
    outlet.pumping ??= this.pump(outlet);
  }

  private async pump(outlet: Outlet): Promise<void> {
    // Never finish synchronously: publish() must see `pumping` set before it is cleared.
    await null;
    try {
      for (let frames = outlet.queue.shift(); frames !== undefined; frames = outlet.queue.shift()) {
        const socket = outlet.socket;
        if (socket === undefined || socket.closed) break;
        // A PUB socket never blocks: at the high-water mark ZMQ drops, as it does for Core.
        await socket.send(frames);
      }
    } catch {
      // The socket went away mid-send (stop()): the rest is lost, like a crash loses it.
    } finally {
      outlet.queue.length = 0;
      outlet.pumping = undefined;
    }
  }
}

function newOutlet(): Outlet {
  return { port: 0, socket: undefined, queue: [], pumping: undefined };
}

function portOf(endpoint: string | null): number {
  const port = Number(/:(\d+)$/.exec(endpoint ?? '')?.[1]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`ZMQ bound to an unexpected endpoint: ${endpoint}`);
  return port;
}

/** Right after a close the port can still be taken for a moment: retry for a while. */
async function bindWithRetry(socket: Publisher, address: string): Promise<void> {
  const deadline = Date.now() + BIND_TIMEOUT_MS;
  for (;;) {
    try {
      await socket.bind(address);
      return;
    } catch (err) {
      if (Date.now() > deadline || !/in use/i.test((err as Error).message)) {
        socket.close();
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, BIND_RETRY_MS));
    }
  }
}
