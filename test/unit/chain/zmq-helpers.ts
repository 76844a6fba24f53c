import { setTimeout as sleep } from 'node:timers/promises';
import { Publisher } from 'zeromq';
import type { ZmqGap, ZmqMessage, ZmqTopic } from '../../../src/chain/zmq.js';

/** A publisher speaking Core's 3-frame format, with its own per-topic counters. */
export class CorePublisher {
  readonly socket: Publisher;
  readonly seq: Partial<Record<ZmqTopic, number>>;

  private constructor(socket: Publisher, start: Partial<Record<ZmqTopic, number>>) {
    this.socket = socket;
    this.seq = { ...start };
  }

  static async bind(start: Partial<Record<ZmqTopic, number>> = {}, endpoint = 'tcp://127.0.0.1:*'): Promise<CorePublisher> {
    // A generous send queue: these tests are about the subscriber's side never dropping.
    const socket = new Publisher({ linger: 0, sendHighWaterMark: 10_000 });
    await socket.bind(endpoint);
    return new CorePublisher(socket, start);
  }

  get endpoint(): string {
    return this.socket.lastEndpoint as string;
  }

  /** Sends with the topic's next number, or with `seq` (which then becomes the topic's last). */
  async send(topic: ZmqTopic, body: Buffer | string, seq?: number): Promise<number> {
    const n = seq ?? this.seq[topic] ?? 0;
    this.seq[topic] = (n + 1) >>> 0;
    const frame = Buffer.alloc(4);
    frame.writeUInt32LE(n);
    await this.socket.send([topic, typeof body === 'string' ? Buffer.from(body) : body, frame]);
    return n;
  }

  close(): void {
    this.socket.close();
  }
}

export type Seen = { kind: 'msg'; topic: ZmqTopic; seq: number; body: string } | ({ kind: 'gap' } & ZmqGap);

/** Everything a feed delivered, in the order it did. */
export class Recorder {
  readonly timeline: Seen[] = [];

  onMessage = (m: ZmqMessage): void => {
    this.timeline.push({ kind: 'msg', topic: m.topic, seq: m.seq, body: m.body.toString() });
  };

  onGap = (g: ZmqGap): void => {
    this.timeline.push({ kind: 'gap', ...g });
  };

  messages(topic?: ZmqTopic): Extract<Seen, { kind: 'msg' }>[] {
    return this.timeline.filter((s): s is Extract<Seen, { kind: 'msg' }> => s.kind === 'msg' && (!topic || s.topic === topic));
  }

  gaps(): Extract<Seen, { kind: 'gap' }>[] {
    return this.timeline.filter((s): s is Extract<Seen, { kind: 'gap' }> => s.kind === 'gap');
  }

  /** What came after priming. */
  real(): Seen[] {
    return this.timeline.filter((s) => s.kind === 'gap' || s.body !== PRIME);
  }
}

export const PRIME = 'prime';

export async function until(cond: () => boolean, what: string, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The slow joiner: a PUB drops everything until the SUB's subscription has reached it,
 * and nothing tells the subscriber when that is. So publish Core-shaped "prime" messages
 * until one arrives; from then on nothing on that topic is dropped.
 */
export async function prime(pub: CorePublisher, topic: ZmqTopic, arrived: () => boolean, seq?: number): Promise<void> {
  const end = Date.now() + 4000;
  while (!arrived()) {
    if (Date.now() > end) throw new Error(`no ${topic} message got through to the subscriber`);
    await pub.send(topic, PRIME, seq);
    await sleep(10);
  }
}

export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
