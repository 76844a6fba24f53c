import type { Database } from './db/connection.js';
import { WorkerElection, type Role } from './db/leader.js';
import { NewsListener } from './db/news.js';
import type { Logger } from './log.js';

/** The work one process of many must do alone: the chain, notifications, expiry. */
export interface BackgroundWork {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What the news of other processes changes in this one. */
export interface NewsTargets {
  /** Drops cached copies and tells this process's open pages. */
  invoicesChanged(ids: number[]): void;
  /** Watch an address another process handed out (only the leader watches). */
  addressAssigned(scriptHex: string, addressId: number): void;
  /** A block moved the tip: confirmations on open pages. */
  tipMoved(): void;
  /** An event reached the outbox: notify now rather than at the next poll. */
  outboxEvent(): void;
  /** The merchant's settings changed in another process: read them again. */
  settingsChanged(): void;
  /** An API key was revoked or changed elsewhere: forget the cached ones. */
  apiKeysChanged(): void;
  /** Whether the news arrives: caches must not be trusted while it cannot. */
  newsHeard(heard: boolean): void;
  /** News was lost: whatever it keeps fresh, read again. */
  resync(): Promise<void>;
}

export interface Cluster {
  /** Whether this process runs the background work now. */
  readonly role: Role;
  /** Whether the news of other processes reaches this one (always, on SQLite: there are none). */
  readonly listening: boolean;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite: one process, which does everything. PostgreSQL: any number of processes share
 * the database; an advisory lock elects the one that runs the background work, and
 * LISTEN/NOTIFY carries every commit's news to the rest.
 */
export function joinCluster(db: Database, work: BackgroundWork, news: NewsTargets, log: Logger, opts: { electEveryMs?: number } = {}): Cluster {
  if (db.engine !== 'postgres') {
    return {
      role: 'leader',
      listening: true,
      start: () => work.start(),
      close: () => work.stop(),
    };
  }
  let role: Role = 'standby';
  const election = new WorkerElection(db.url!, db.name, {
    elected: async () => {
      log.info('elected to run the chain watcher, notifications and expiry: this process leads');
      role = 'leader';
      await work.start();
    },
    demoted: async (reason) => {
      if (role === 'leader') log.warn({ reason }, 'no longer the leader: stopping the background work (another process may take it)');
      role = 'standby';
      await work.stop();
    },
  }, { tryEveryMs: opts.electEveryMs });
  const listener = new NewsListener(db.url!, db.name, {
    invoice: (id) => news.invoicesChanged([id]),
    address: (scriptHex, id) => {
      if (role === 'leader') news.addressAssigned(scriptHex, id);
    },
    tip: () => news.tipMoved(),
    outbox: () => {
      if (role === 'leader') news.outboxEvent();
    },
    settings: () => news.settingsChanged(),
    apiKey: () => news.apiKeysChanged(),
    connected: () => {
      news.newsHeard(true);
      news.resync().catch((err: unknown) => log.warn({ err }, 'could not read again what the lost news may have changed'));
    },
    lost: (err) => {
      news.newsHeard(false);
      log.warn({ err: err.message }, 'lost the news of other processes (LISTEN); reading from the database until it is back');
    },
  });
  return {
    get role() {
      return election.role;
    },
    get listening() {
      return listener.listening;
    },
    async start() {
      news.newsHeard(false);
      // Listening first: an address handed out while the leader loads is then not missed.
      await listener.start();
      await election.start();
    },
    async close() {
      // Deaf from here, while the last requests run out: read from the database, as when the news is lost.
      news.newsHeard(false);
      await election.close();
      await listener.close();
    },
  };
}
