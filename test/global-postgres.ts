/**
 * Mocha global fixtures (loaded by .mocharc.json and test/postgres-run.ts): the run's one
 * PostgreSQL cluster, started in mocha's main process and stopped and removed there after
 * the last file. Parallel workers only make databases in it; mocha kills a worker soon
 * after its last file, often before an exit handler of its own could remove a cluster.
 */
import { postgresBin, SHARED_CLUSTER_ENV, startPostgres, type PgCluster } from './helpers/postgres.js';

let cluster: PgCluster | null = null;

const stopNow = (): void => {
  // Synchronous under the hood (pg_ctl, rm): safe on the way out of a signal.
  void cluster?.stop();
  cluster = null;
};

export async function mochaGlobalSetup(): Promise<void> {
  // No binaries: the suites that need them skip or fail with the reason themselves.
  if (!postgresBin() || process.env[SHARED_CLUSTER_ENV]) return;
  cluster = await startPostgres();
  process.env[SHARED_CLUSTER_ENV] = cluster.url;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      stopNow();
      process.kill(process.pid, signal);
    });
  }
  process.once('exit', stopNow);
}

export async function mochaGlobalTeardown(): Promise<void> {
  stopNow();
}
