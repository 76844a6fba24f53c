import { setTimeout as sleep } from 'node:timers/promises';
import { Subscriber } from 'zeromq';
import type { Logger } from '../log.js';
import { ZMQ_TOPICS, parseFrames, type ZmqMessage, type ZmqTopic } from './zmq-messages.js';
import { checkSequence } from './zmq-seq.js';

export { hashFromHashblock, parseSequenceMessage, type SequenceEvent, type SequenceLabel, type ZmqMessage, type ZmqTopic } from './zmq-messages.js';

export type ZmqEndpoints = Partial<Record<ZmqTopic, string>>;

/** Messages of `topic` were lost before the one numbered `got`. */
export interface ZmqGap {
  topic: ZmqTopic;
  endpoint: string;
  expected: number;
  got: number;
  /** The counter restarted at 0: Core restarted, and everything it published meanwhile is lost. */
  reset: boolean;
}

export interface ZmqConnectionEvent {
  endpoint: string;
  topics: ZmqTopic[];
  /** A connect after an earlier one: whatever Core published in between is lost, catch up. */
  reconnect: boolean;
}

export interface ZmqTopicStatus {
  endpoint: string;
  connected: boolean;
  lastMessageAt: Date | null;
  lastSeq: number | null;
  messages: number;
  gaps: number;
  handlerErrors: number;
}

type Callback<T> = (value: T) => void | Promise<void>;

export interface ZmqFeedOptions {
  endpoints: ZmqEndpoints;
  /** Awaited before the next message of the same endpoint is read; other endpoints go on. */
  onMessage: Callback<ZmqMessage>;
  /** Awaited before the message that revealed the gap is delivered. */
  onGap?: Callback<ZmqGap>;
  onConnect?: Callback<ZmqConnectionEvent>;
  onDisconnect?: Callback<ZmqConnectionEvent>;
  log?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** libzmq's reconnect interval. Default 1 s. */
  reconnectMs?: number;
  /**
   * Messages libzmq may queue per socket while a handler is busy. Past it TCP pushes back
   * and Core drops (its own limit is -zmqpub<topic>hwm, 1000 by default); a drop shows as
   * a gap. Default 100,000.
   */
  highWaterMark?: number;
  /** Milliseconds since the epoch, as Date.now. */
  now?: () => number;
}

interface TopicState {
  lastSeq: number | null;
  /** A number, not a Date: it is set on every message, thousands a second. */
  lastMessageAt: number | null;
  messages: number;
  gaps: number;
  handlerErrors: number;
}

interface Link {
  endpoint: string;
  topics: ZmqTopic[];
  socket: Subscriber;
  connected: boolean;
  connects: number;
  waitingLogged: boolean;
  loops: Promise<void>[];
}

/**
 * Core's ZMQ notifications: one SUB socket per distinct endpoint (Umbrel gives each topic
 * its own port), each read by its own loop that awaits the handler, so a slow handler
 * slows only its socket and never reorders. ZMQ is the fast path, not the truth: gaps,
 * resets and reconnects are reported so the watcher can catch up over RPC.
 */
export class ZmqFeed {
  private readonly opts: ZmqFeedOptions;
  private readonly now: () => number;
  private readonly topicState = new Map<ZmqTopic, TopicState>();
  private links: Link[] = [];
  private stopped = false;

  constructor(opts: ZmqFeedOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    for (const topic of ZMQ_TOPICS) {
      if (opts.endpoints[topic]) this.topicState.set(topic, { lastSeq: null, lastMessageAt: null, messages: 0, gaps: 0, handlerErrors: 0 });
    }
  }

  /** Topics grouped by endpoint, in ZMQ_TOPICS order. */
  endpoints(): { endpoint: string; topics: ZmqTopic[] }[] {
    const byEndpoint = new Map<string, ZmqTopic[]>();
    for (const topic of this.topicState.keys()) {
      const endpoint = this.opts.endpoints[topic] as string;
      byEndpoint.set(endpoint, [...(byEndpoint.get(endpoint) ?? []), topic]);
    }
    return [...byEndpoint].map(([endpoint, topics]) => ({ endpoint, topics }));
  }

  get running(): boolean {
    return this.links.length > 0;
  }

  /** Connects in the background: libzmq keeps retrying until Core's publisher is there. */
  start(): void {
    if (this.links.length > 0) throw new Error('ZmqFeed already started');
    this.stopped = false;
    // What was published while stopped is unknown; the watcher's start-up catch-up covers it.
    for (const st of this.topicState.values()) st.lastSeq = null;
    for (const { endpoint, topics } of this.endpoints()) {
      const socket = new Subscriber({
        linger: 0,
        reconnectInterval: this.opts.reconnectMs ?? 1000,
        receiveHighWaterMark: this.opts.highWaterMark ?? 100_000,
        // A peer that vanished without a FIN (container killed, NAT dropped) shows as a
        // disconnect within minutes instead of hours.
        tcpKeepalive: 1,
        tcpKeepaliveIdle: 60,
        tcpKeepaliveInterval: 10,
        tcpKeepaliveCount: 3,
      });
      const link: Link = { endpoint, topics, socket, connected: false, connects: 0, waitingLogged: false, loops: [] };
      // Observe before connecting, so the first connect event is not missed.
      link.loops.push(this.watchEvents(link));
      socket.subscribe(...topics);
      socket.connect(endpoint);
      link.loops.push(this.receive(link));
      this.links.push(link);
      this.opts.log?.info({ endpoint, topics }, 'subscribing to Bitcoin Core ZMQ');
    }
  }

  /**
   * Closes every socket; resolves once a handler that was running has returned (so do not
   * await stop() from inside a handler).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const links = this.links;
    this.links = [];
    for (const link of links) {
      link.connected = false;
      link.socket.close();
    }
    await Promise.all(links.flatMap((l) => l.loops));
  }

  status(): Partial<Record<ZmqTopic, ZmqTopicStatus>> {
    const out: Partial<Record<ZmqTopic, ZmqTopicStatus>> = {};
    for (const [topic, st] of this.topicState) {
      const endpoint = this.opts.endpoints[topic] as string;
      const link = this.links.find((l) => l.endpoint === endpoint);
      const { lastMessageAt, ...rest } = st;
      out[topic] = { endpoint, connected: link?.connected ?? false, ...rest, lastMessageAt: lastMessageAt === null ? null : new Date(lastMessageAt) };
    }
    return out;
  }

  private async receive(link: Link): Promise<void> {
    while (!this.stopped) {
      let frames: Buffer[];
      try {
        frames = await link.socket.receive();
      } catch (err) {
        if (this.stopped || link.socket.closed) return;
        this.opts.log?.error({ err, endpoint: link.endpoint }, 'ZMQ receive failed; retrying');
        await sleep(this.opts.reconnectMs ?? 1000);
        continue;
      }
      // Most messages (a mempool tx that pays no one) are handled without waiting on
      // anything: no promise is made for them, at 10,000 a second that is a good share of
      // the CPU they cost.
      const pending = this.dispatch(link, frames);
      if (pending) await pending;
    }
  }

  private dispatch(link: Link, frames: Buffer[]): Promise<void> | void {
    const msg = parseFrames(frames);
    if (typeof msg === 'string') {
      this.opts.log?.warn({ endpoint: link.endpoint, problem: msg }, 'ignoring a ZMQ message that is not Core-shaped');
      return;
    }
    if (!link.topics.includes(msg.topic)) return;
    const st = this.topicState.get(msg.topic) as TopicState;
    const check = checkSequence(st.lastSeq, msg.seq);
    st.lastSeq = msg.seq;
    st.lastMessageAt = this.now();
    st.messages++;
    if (check.gap) {
      st.gaps++;
      const gap: ZmqGap = { topic: msg.topic, endpoint: link.endpoint, expected: check.expected, got: msg.seq, reset: check.reset };
      this.opts.log?.warn(gap, check.reset ? 'ZMQ sequence restarted: Bitcoin Core restarted' : 'ZMQ messages were lost');
      return (async () => {
        if (this.opts.onGap) await this.safely('onGap', this.opts.onGap, gap);
        if (!(await this.safely('onMessage', this.opts.onMessage, msg))) st.handlerErrors++;
      })();
    }
    const done = this.safely('onMessage', this.opts.onMessage, msg);
    if (done === true) return;
    if (done === false) {
      st.handlerErrors++;
      return;
    }
    return done.then((ok) => {
      if (!ok) st.handlerErrors++;
    });
  }

  private async watchEvents(link: Link): Promise<void> {
    const log = this.opts.log;
    const event = (): ZmqConnectionEvent => ({ endpoint: link.endpoint, topics: link.topics, reconnect: link.connects > 1 });
    try {
      for await (const ev of link.socket.events) {
        if (this.stopped) break;
        switch (ev.type) {
          case 'connect':
            link.connected = true;
            link.connects++;
            link.waitingLogged = false;
            log?.info({ endpoint: link.endpoint, topics: link.topics, reconnect: link.connects > 1 }, 'connected to Bitcoin Core ZMQ');
            if (this.opts.onConnect) void this.safely('onConnect', this.opts.onConnect, event());
            break;
          case 'disconnect':
            link.connected = false;
            log?.warn({ endpoint: link.endpoint, topics: link.topics }, 'Bitcoin Core ZMQ disconnected; reconnecting');
            if (this.opts.onDisconnect) void this.safely('onDisconnect', this.opts.onDisconnect, event());
            break;
          case 'connect:retry':
            if (!link.waitingLogged) {
              link.waitingLogged = true;
              log?.warn({ endpoint: link.endpoint, topics: link.topics }, 'no Bitcoin Core ZMQ publisher answers here yet; retrying (check -zmqpub* in bitcoin.conf)');
            }
            break;
          case 'handshake:error:protocol':
          case 'handshake:error:auth':
          case 'handshake:error:other':
            log?.warn({ endpoint: link.endpoint, event: ev.type, err: ev.error }, 'ZMQ handshake with Bitcoin Core failed');
            break;
          default:
            break;
        }
      }
    } catch (err) {
      if (!this.stopped) log?.warn({ err, endpoint: link.endpoint }, 'ZMQ socket events ended');
    }
  }

  /** A callback that throws must not stop the feed: it is logged. Whether `fn` succeeded: at once when it answered without a promise, else when it settles. */
  private safely<T>(name: string, fn: Callback<T>, value: T): boolean | Promise<boolean> {
    try {
      const r = fn(value);
      // Nothing made for a handler that returned at once: the flood's every message.
      return r instanceof Promise ? r.then(() => true, (err: unknown) => this.failed(name, err)) : true;
    } catch (err) {
      return this.failed(name, err);
    }
  }

  private failed(name: string, err: unknown): false {
    this.opts.log?.error({ err, callback: name }, 'ZMQ callback failed; the watcher catch-up covers it');
    return false;
  }
}
