/**
 * Mocha global fixtures (npm test loads them in both passes: .mocharc.json's `require`,
 * and `--require` in test/postgres-run.ts): the run's one PostgreSQL cluster, started in
 * mocha's main process and stopped and removed there after the last file. Parallel
 * workers only make databases in it; mocha kills a worker soon after its last file, often
 * before an exit handler of its own could remove a cluster.
 */
import { failedClusterNote, postgresBin, SHARED_CLUSTER_ENV, startPostgres, type PgCluster } from './helpers/postgres.js';

let cluster: PgCluster | null = null;
let leaving = false;

function stopNow(): void {
  leaving = true;
  cluster?.stopNow();
  cluster = null;
}

export async function mochaGlobalSetup(): Promise<void> {
  // No binaries: the suites that need them skip or fail with the reason themselves.
  if (!postgresBin() || process.env[SHARED_CLUSTER_ENV]) return;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopNow();
      // Mocha's own listener, if it has one, ends the run; otherwise the signal does.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
  process.once('exit', stopNow);
  try {
    const started = await startPostgres();
    // A signal that came while it started: startPostgres has nothing to stop yet then.
    if (leaving) started.stopNow();
    else cluster = started;
    process.env[SHARED_CLUSTER_ENV] = started.url;
  } catch (err) {
    // Only the files that use PostgreSQL fail, with this reason; the rest still run.
    process.env[SHARED_CLUSTER_ENV] = failedClusterNote(err instanceof Error ? err.message : String(err));
  }
}

export async function mochaGlobalTeardown(): Promise<void> {
  const c = cluster;
  cluster = null;
  await c?.stop();
}
