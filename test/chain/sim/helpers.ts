/**
 * Test helpers for the simulator: the real clients Till uses against Core — the
 * `bitcoin-core` RPC client and zeromq Subscribers — pointed at a SimNode.
 */
import Client from 'bitcoin-core';
import { Subscriber } from 'zeromq';
import type { SimNode } from '../../../regtest/sim-node.js';

export type Topic = 'rawtx' | 'rawblock' | 'hashblock' | 'sequence';
export const TOPICS: readonly Topic[] = ['rawtx', 'rawblock', 'hashblock', 'sequence'];

export function rpcClient(node: SimNode, password = node.rpc.password): Client {
  return new Client({ host: `http://${node.rpc.host}:${node.rpc.port}`, username: node.rpc.user, password, timeout: 10_000 });
}

/** A raw JSON-RPC POST, for what the client hides (HTTP status, headers, 2.0 replies). */
export async function rawRpc(node: SimNode, body: string, opts: { password?: string; path?: string; method?: string; auth?: boolean } = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (opts.auth !== false) headers.Authorization = `Basic ${Buffer.from(`${node.rpc.user}:${opts.password ?? node.rpc.password}`).toString('base64')}`;
  const res = await fetch(`http://${node.rpc.host}:${node.rpc.port}${opts.path ?? '/'}`, {
    method: opts.method ?? 'POST',
    headers,
    body: opts.method === 'GET' ? undefined : body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export interface ZmqMessage {
  topic: Topic;
  body: Buffer;
  seq: number;
}

export interface SequenceEvent {
  hash: string;
  label: string;
  mempoolSeq?: bigint;
}

export function parseSequence(body: Buffer): SequenceEvent {
  const event: SequenceEvent = { hash: body.subarray(0, 32).toString('hex'), label: String.fromCharCode(body[32] as number) };
  if (body.length === 41) event.mempoolSeq = body.readBigUInt64LE(33);
  return event;
}

/** Subscribes to every topic of a node and records every message, per topic, in order. */
export class ZmqRecorder {
  readonly messages: Record<Topic, ZmqMessage[]> = { rawtx: [], rawblock: [], hashblock: [], sequence: [] };
  private readonly sockets: Subscriber[] = [];
  private readonly loops: Promise<void>[] = [];
  private marks: Record<Topic, number> = { rawtx: 0, rawblock: 0, hashblock: 0, sequence: 0 };

  static async connect(node: SimNode, settleMs = 300): Promise<ZmqRecorder> {
    const rec = new ZmqRecorder();
    for (const topic of TOPICS) {
      const endpoint = node.zmq[topic];
      if (endpoint === undefined) continue;
      const sub = new Subscriber({ linger: 0, receiveHighWaterMark: 100_000 });
      sub.connect(endpoint);
      sub.subscribe(topic);
      rec.sockets.push(sub);
      rec.loops.push(rec.consume(sub));
    }
    // ZMQ's slow joiner: give the subscriptions time to reach the publishers.
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return rec;
  }

  private async consume(sub: Subscriber): Promise<void> {
    try {
      for await (const frames of sub) {
        const [topic, body, seq] = frames;
        if (topic === undefined || body === undefined || seq === undefined || frames.length !== 3) throw new Error(`bad frame count ${frames.length}`);
        const t = topic.toString('latin1') as Topic;
        this.messages[t].push({ topic: t, body, seq: seq.readUInt32LE(0) });
      }
    } catch {
      // closed
    }
  }

  /** Starts counting "new" messages from here. */
  mark(): void {
    this.marks = { rawtx: this.messages.rawtx.length, rawblock: this.messages.rawblock.length, hashblock: this.messages.hashblock.length, sequence: this.messages.sequence.length };
  }

  /** Waits until nothing has arrived for `quietMs` (earlier events delivered), then marks. */
  async settle(quietMs = 150, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const total = () => TOPICS.reduce((n, t) => n + this.messages[t].length, 0);
    let seen = total();
    let quietSince = Date.now();
    while (Date.now() - quietSince < quietMs && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const now = total();
      if (now !== seen) {
        seen = now;
        quietSince = Date.now();
      }
    }
    this.mark();
  }

  since(topic: Topic): ZmqMessage[] {
    return this.messages[topic].slice(this.marks[topic]);
  }

  sequenceSince(): SequenceEvent[] {
    return this.since('sequence').map((m) => parseSequence(m.body));
  }

  /** Waits until at least `counts[topic]` new messages arrived on each topic (then a little longer for extras). */
  async waitFor(counts: Partial<Record<Topic, number>>, timeoutMs = 5000, quietMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const done = () => (Object.entries(counts) as [Topic, number][]).every(([t, n]) => this.since(t).length >= n);
    while (!done()) {
      if (Date.now() > deadline) {
        const got = TOPICS.map((t) => `${t}=${this.since(t).length}`).join(' ');
        throw new Error(`timed out waiting for ${JSON.stringify(counts)}; got ${got}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Anything unexpected would arrive right behind: let it, so tests can assert exact counts.
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}
