import type { ChainFollower } from './chain/follower.js';
import type { Cluster } from './cluster.js';
import type { Database } from './db/connection.js';
import type { Role } from './db/leader.js';
import { longestUnpaidRun, unpaidRunKey, type UnpaidRun } from './db/wallets.js';

/** The usual gap limit of wallets restoring from a seed (BIP44). */
const GAP_LIMIT = 20;

export type Health = Omit<ReturnType<ChainFollower['health']>, 'mode'> & {
  ok: boolean;
  /** What the chain follower does: 'standby' in a process another one leads. */
  mode: ReturnType<ChainFollower['health']>['mode'] | 'standby';
  /** 'leader' runs the chain watcher, notifications and expiry; a 'standby' serves requests. */
  role: Role;
  /** The database; `news`: whether the other processes' changes reach this one. */
  database: { engine: Database['engine']; reachable: boolean; news: boolean };
  warnings: string[];
  /**
   * The wallet's gap: the longest run of handed-out addresses that received nothing, and
   * the gap limit a wallet needs to find every payment (at most 20 is the usual wallet's).
   */
  gap: { longest_unused_run: number; gap_limit_needed: number; usual_gap_limit: number };
};

export interface HealthDeps {
  db: Database;
  follower: ChainFollower;
  /** False: no chain follower (API tests with no node): the chain counts as fine. */
  followChain: boolean;
  /** The cluster once made (null before: this process alone, leading). */
  cluster: () => Cluster | null;
}

/**
 * What /health answers, and the merchant UI's dashboard shows: the database, this
 * process's role, the node and its feeds, the wallet's gap, and a sentence for each thing
 * an operator should fix. `ok` is what orchestrators read (503 when false).
 */
export function healthReport(d: HealthDeps): () => Promise<Health> {
  const { db, follower } = d;
  // The run reads every paid address (about 100 ms at 100,000): worked out again only when
  // what it depends on has moved, which a key read in well under a millisecond tells.
  let lastRun: { key: string; run: UnpaidRun | null } | null = null;
  return async () => {
    const chain = follower.health();
    const warnings: string[] = [];
    const cluster = d.cluster();
    const role = cluster?.role ?? 'leader';
    let run: UnpaidRun | null = null;
    let database: Health['database'] = { engine: db.engine, reachable: true, news: cluster?.listening ?? true };
    try {
      const key = await unpaidRunKey(db.read);
      if (lastRun?.key !== key) lastRun = { key, run: await longestUnpaidRun(db.read) };
      run = lastRun.run;
    } catch (err) {
      database = { ...database, reachable: false };
      warnings.push(`The database cannot be reached (${(err as Error).message.split('\n')[0]}): Till answers nothing that needs it until it is back.`);
    }
    if (!database.news) warnings.push('The news of the other Till processes (LISTEN/NOTIFY) is cut off: caches are off until it is back.');
    const needed = run ? run.length + (run.paidAfter ? 1 : 0) : 0;
    if (run && needed > GAP_LIMIT) {
      warnings.push(
        `${run.length} addresses in a row (indexes ${run.start}–${run.start + run.length - 1}) have received nothing${run.paidAfter ? ', though a later one has' : ''}: a wallet restored with the usual gap limit of ${GAP_LIMIT} stops looking after ${GAP_LIMIT} unused addresses and may not see payments beyond them. Raise its gap limit to at least ${needed}.`,
      );
    }
    const gap = { longest_unused_run: run?.length ?? 0, gap_limit_needed: needed, usual_gap_limit: GAP_LIMIT };
    if (role === 'standby') {
      // Another process follows the chain; this one serves the API and the pages. It asks
      // the node nothing: what it would say of the node is unknown, not "unreachable".
      const node = { ...chain.node, reachable: null as unknown as boolean };
      return { ok: database.reachable, role, database, ...chain, node, mode: 'standby', warnings, gap };
    }
    if (chain.mode === 'polling') warnings.push('ZMQ is not configured: payments are found by polling, seconds later than they could be.');
    warnings.push(...chain.zmq_warnings);
    if (chain.node.initial_block_download || chain.syncing) {
      warnings.push('Bitcoin Core is syncing (initial block download): Till scans nothing, and confirms nothing, until it has caught up.');
    }
    if (chain.mempool_loading) {
      warnings.push('Bitcoin Core is loading its mempool after a restart: Till waits for it before it trusts what the mempool lacks.');
    }
    const chainOk = !d.followChain || (follower.healthy && (chain.blocks_behind ?? 0) <= 1);
    return { ok: database.reachable && chainOk, role, database, ...chain, warnings, gap };
  };
}
