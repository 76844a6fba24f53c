import type { Database } from './db/connection.js';
import type { Logger } from './log.js';
import { startLoop, type Loop } from './loop.js';
import type { ChainFollower } from './chain/follower.js';
import type { ChainWatcher } from './chain/watcher.js';
import type { NotifyWorker } from './notify/worker.js';
import type { InvoiceService } from './invoicing/invoices.js';
import { pruneIdempotencyKeys } from './api/idempotency.js';
import type { BackgroundWork } from './cluster.js';

export interface BackgroundDeps {
  db: Database;
  log: Logger;
  invoices: InvoiceService;
  watcher: ChainWatcher;
  follower: ChainFollower;
  notify: NotifyWorker;
  now: () => number;
  /** False: no chain follower (API tests with no node). */
  followChain: boolean;
  /** False: no notification worker. */
  notifyOn: boolean;
  expiryEveryMs: number;
}

/**
 * The work that must run in one process only: following the chain, sending
 * notifications, expiring invoices, pruning idempotency keys. Started when this process
 * is the one (always on SQLite, when elected on PostgreSQL), stopped when it no longer is.
 */
export function backgroundWork(d: BackgroundDeps): BackgroundWork {
  let loops: Loop[] = [];
  let running = false;
  return {
    async start() {
      if (running) return;
      running = true;
      // A process elected after another led reads what that one stored: every address
      // handed out and the tip, from which the follower catches up.
      if (d.db.engine === 'postgres') await d.watcher.load();
      loops = [
        // Deadlines are judged only on a chain Till has caught up with: after downtime, an
        // invoice paid in time must not expire before the catch-up finds its payment.
        startLoop({
          name: 'expiry',
          everyMs: d.expiryEveryMs,
          log: d.log,
          run: async () => {
            if (!d.followChain || d.follower.caughtUp) await d.invoices.expireDue();
          },
        }),
        startLoop({ name: 'idempotency', everyMs: 60_000, log: d.log, run: () => pruneIdempotencyKeys(d.db, d.now()) }),
      ];
      if (d.followChain) d.follower.start();
      if (d.notifyOn) d.notify.start();
    },
    async stop() {
      if (!running) return;
      running = false;
      const stopping = loops;
      loops = [];
      await Promise.all(stopping.map((l) => l.stop()));
      await d.follower.stop();
      await d.notify.stop();
    },
  };
}
