import type { Logger } from '../log.js';
import { startLoop, type Loop } from '../loop.js';
import type { NodeApi, ZmqNotification } from './node-api.js';
import type { NodeReport } from './rpc.js';
import type { ChainWatcher } from './watcher.js';
import { ZmqFeed, type ZmqEndpoints, type ZmqTopic } from './zmq.js';

export interface FollowerOptions {
  node: NodeApi & { checkNode(expectedChain: string): Promise<NodeReport> };
  watcher: ChainWatcher;
  chain: string;
  /** From TILL_ZMQ_*; when empty, the node's own getzmqnotifications are used. */
  zmq: ZmqEndpoints;
  /** False: never subscribe, poll only (TILL_ZMQ_MODE=off). */
  useZmq?: boolean;
  /** The RPC host, to reach ZMQ endpoints the node reports as bound to 0.0.0.0. */
  rpcHost: string;
  log: Logger;
  now: () => number;
  /** Safety-net poll with ZMQ; the only source without it. */
  zmqPollMs?: number;
  pollingMs?: number;
  /** With ZMQ, how often the mempool is re-read anyway (lost `R` notifications). */
  mempoolEveryMs?: number;
}

export type Mode = 'starting' | 'zmq' | 'polling';

const TOPIC_OF: Record<string, ZmqTopic> = {
  pubrawtx: 'rawtx', pubrawblock: 'rawblock', pubhashblock: 'hashblock', pubsequence: 'sequence',
};

/** Endpoints from the node's own ZMQ settings, reachable from here. */
export function endpointsFromNode(list: ZmqNotification[], rpcHost: string): ZmqEndpoints {
  const out: ZmqEndpoints = {};
  for (const n of list) {
    const topic = TOPIC_OF[n.type];
    if (!topic) continue;
    out[topic] = n.address.replace(/^tcp:\/\/(0\.0\.0\.0|\*)(?=:)/, `tcp://${rpcHost}`);
  }
  return out;
}

/**
 * Runs the watcher against a node: checks the node (and keeps trying, with a clear
 * message, while none answers), subscribes to ZMQ when it can and polls when it cannot
 * (saying so loudly), catches up after gaps and reconnects, and reports all of it for
 * /health.
 */
export class ChainFollower {
  private loop: Loop | null = null;
  private feed: ZmqFeed | null = null;
  private ready = false;
  private mode: Mode = 'starting';
  private report: NodeReport | null = null;
  private reachable = false;
  private lastNodeError: string | null = null;
  private lastMempoolAt = 0;
  /** Topics the feed was built from: compared again on every reconnect. */
  private endpoints: ZmqEndpoints = {};
  private readonly o: Required<Pick<FollowerOptions, 'zmqPollMs' | 'pollingMs' | 'mempoolEveryMs'>> & FollowerOptions;

  constructor(opts: FollowerOptions) {
    this.o = { zmqPollMs: 10_000, pollingMs: 2_000, mempoolEveryMs: 60_000, ...opts };
  }

  /** Starts following; after a stop (a process that lost its election, then won again) it connects and catches up afresh. */
  start(): void {
    this.ready = false;
    this.loop = startLoop({
      name: 'chain',
      everyMs: this.mode === 'zmq' ? this.o.zmqPollMs : this.o.pollingMs,
      log: this.o.log,
      runAtOnce: true,
      run: () => this.tick(),
      intervalMs: () => (this.mode === 'zmq' ? this.o.zmqPollMs : this.o.pollingMs),
    });
  }

  async stop(): Promise<void> {
    await this.loop?.stop();
    this.loop = null;
    await this.feed?.stop();
    this.feed = null;
    await this.o.watcher.settled();
  }

  /**
   * One round: first the node check and a full catch-up, then a cheap tip poll. While the
   * node is in initial block download nothing is scanned: its chain and mempool are old,
   * and the catch-up after it reads every block it missed.
   */
  async tick(): Promise<void> {
    const { watcher, log } = this.o;
    try {
      if (!this.ready) {
        await this.connect();
        watcher.paused = this.report?.initialBlockDownload === true;
        if (watcher.paused) {
          this.reachable = true;
          this.lastNodeError = null;
          return;
        }
        await watcher.catchUpAll();
        this.lastMempoolAt = this.o.now();
        this.ready = true;
      } else {
        const info = await this.o.node.getBlockchainInfo();
        if (this.report) {
          this.report = { ...this.report, blocks: info.blocks, headers: info.headers, initialBlockDownload: info.initialblockdownload };
        }
        if (info.initialblockdownload !== watcher.paused) {
          log.warn({ blocks: info.blocks, headers: info.headers }, info.initialblockdownload
            ? 'Bitcoin Core is in initial block download: Till scans nothing until it has caught up'
            : 'Bitcoin Core left initial block download: catching up');
          watcher.paused = info.initialblockdownload;
          if (!watcher.paused) {
            await watcher.catchUpAll();
            this.lastMempoolAt = this.o.now();
          }
        }
        if (watcher.paused) {
          this.reachable = true;
          this.lastNodeError = null;
          return;
        }
        await watcher.syncToTip();
        const now = this.o.now();
        if (this.mode === 'polling' || now - this.lastMempoolAt >= this.o.mempoolEveryMs) {
          this.lastMempoolAt = now;
          await watcher.resyncMempool();
        }
      }
      this.reachable = true;
      this.lastNodeError = null;
    } catch (err) {
      this.reachable = false;
      this.lastNodeError = (err as Error).message;
      log.warn({ err: (err as Error).message }, 'chain: node not usable yet; retrying');
      throw err;
    }
  }

  private async connect(): Promise<void> {
    const { node, log } = this.o;
    const report = await node.checkNode(this.o.chain);
    this.report = report;
    if (report.initialBlockDownload) {
      log.warn({ blocks: report.blocks, headers: report.headers }, 'Bitcoin Core is still in initial block download: payments confirm only once it has caught up');
    }
    if (this.feed) return;
    const endpoints = this.wantedEndpoints(report.zmq);
    this.endpoints = endpoints;
    if (!endpoints.rawtx || !(endpoints.rawblock || endpoints.hashblock)) {
      this.mode = 'polling';
      log.warn(
        { endpoints },
        'ZMQ is not configured (need rawtx and rawblock or hashblock): Till falls back to polling the node over RPC every ' +
          `${this.o.pollingMs / 1000} s. Payments are seen later than they could be. Set -zmqpubrawtx/-zmqpubrawblock/-zmqpubsequence ` +
          'in bitcoin.conf (and TILL_ZMQ_* if the node reports unreachable addresses).',
      );
      return;
    }
    this.mode = 'zmq';
    this.startFeed(endpoints);
  }

  /** From TILL_ZMQ_*, else what the node says it publishes (its 0.0.0.0 made reachable). */
  private wantedEndpoints(fromNode: ZmqNotification[]): ZmqEndpoints {
    if (this.o.useZmq === false) return {};
    const configured = Object.values(this.o.zmq).some(Boolean);
    return configured ? this.o.zmq : endpointsFromNode(fromNode, this.o.rpcHost);
  }

  private startFeed(endpoints: ZmqEndpoints): void {
    const { log } = this.o;
    this.feed = new ZmqFeed({
      endpoints,
      log,
      onMessage: (m) => this.o.watcher.handle(m),
      onGap: async (g) => {
        log.warn(g, 'ZMQ messages were lost; catching up over RPC');
        await this.refreshZmq();
        await this.o.watcher.catchUpAll();
      },
      onConnect: async (e) => {
        if (e.reconnect) {
          log.warn({ endpoint: e.endpoint }, 'ZMQ reconnected; catching up over RPC');
          await this.refreshZmq();
          await this.o.watcher.catchUpAll();
        }
      },
    });
    this.feed.start();
    log.info({ endpoints }, 'following Bitcoin Core over ZMQ');
  }

  /**
   * A reconnect may be a node restarted with other ZMQ settings: read them again, and
   * follow the new endpoints when they moved.
   */
  private async refreshZmq(): Promise<void> {
    if (this.o.useZmq === false || Object.values(this.o.zmq).some(Boolean)) return;
    const fresh = this.wantedEndpoints(await this.o.node.getZmqNotifications());
    if (JSON.stringify(fresh) === JSON.stringify(this.endpoints)) return;
    this.o.log.warn({ before: this.endpoints, after: fresh }, 'the node publishes on other ZMQ endpoints now; following them');
    this.endpoints = fresh;
    const old = this.feed;
    this.feed = null;
    await old?.stop();
    if (fresh.rawtx && (fresh.rawblock || fresh.hashblock)) this.startFeed(fresh);
    else this.mode = 'polling';
  }

  /**
   * What /health should warn about the node's ZMQ. Following over ZMQ needs rawtx and a
   * block topic (else Till polls, and says so); without sequence it learns of replaced and
   * evicted payments only at its next mempool read.
   */
  private zmqWarnings(): string[] {
    if (this.mode !== 'zmq' || this.endpoints.sequence) return [];
    return [
      'The node publishes no ZMQ sequence: Till learns of replaced or evicted payments only at its mempool re-read ' +
        '(TILL_MEMPOOL_RESYNC_SECONDS). Add -zmqpubsequence to bitcoin.conf (or set TILL_ZMQ_SEQUENCE).',
    ];
  }

  health() {
    const tip = this.o.watcher.currentTip;
    const headers = this.report?.headers ?? null;
    const zmq = this.feed?.status() ?? {};
    const now = this.o.now();
    const topics: Record<string, unknown> = {};
    for (const [topic, s] of Object.entries(zmq)) {
      topics[topic] = {
        endpoint: s.endpoint,
        connected: s.connected,
        messages: s.messages,
        gaps: s.gaps,
        // Messages whose handling failed (a malformed body, a block the node would not give):
        // the catch-up covers them, but an operator should see they happen.
        handler_errors: s.handlerErrors,
        last_message_age_seconds: s.lastMessageAt ? Math.round((now - s.lastMessageAt.getTime()) / 1000) : null,
      };
    }
    const progress = this.o.watcher.progress;
    return {
      node: {
        reachable: this.reachable,
        chain: this.report?.chain ?? null,
        initial_block_download: this.report?.initialBlockDownload ?? null,
        pruned: this.report?.pruned ?? null,
        error: this.lastNodeError,
      },
      mode: this.mode,
      tip: tip ? { height: tip.height, hash: tip.hash } : null,
      blocks_behind: tip && headers !== null ? Math.max(0, headers - tip.height) : null,
      zmq: topics,
      catch_up: progress ? { from: progress.from, to: progress.to, at: progress.at } : null,
      watched_addresses: this.o.watcher.watch.size,
      syncing: this.o.watcher.paused,
      mempool_loading: this.o.watcher.mempoolLoading,
      zmq_warnings: this.zmqWarnings(),
    };
  }

  /** Whether the node's view is recent enough to trust: for /health's `ok`. */
  get healthy(): boolean {
    return this.ready && this.reachable && !this.o.watcher.paused;
  }

  /**
   * Whether what Till has not seen can be taken as not having happened: the chain is
   * followed and the node's mempool is loaded. Deadlines are judged only then.
   */
  get caughtUp(): boolean {
    return this.healthy && !this.o.watcher.mempoolLoading;
  }
}
