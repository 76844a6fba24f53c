import { describeUnknown, resolveConfig, unknownVariables, type Config } from '../config/load.js';
import { createTill } from '../main.js';
import { describeDatabase } from '../db/connection.js';

/**
 * The longest a stop may take. Till stops its HTTP side within seconds, but the
 * background work waits for a webhook being sent, up to its timeout. Exiting mid-way is
 * safe (every change is one transaction; a leased delivery is sent again), and StartOS
 * kills a service 30 s after SIGTERM: better to exit first and say why.
 */
export const STOP_LIMIT_MS = 20_000;

export async function runServe(config: Config, _opts: { migrate: boolean }): Promise<void> {
  // Where each setting came from, for the settings page of the merchant UI.
  const till = await createTill({ config, sources: resolveConfig(process.env).sources });
  // A typo such as TILL_CONFIRMATION would otherwise be silently ignored.
  for (const u of unknownVariables(process.env)) till.log.warn({ variable: u.name, nearest: u.nearest }, describeUnknown(u));
  const port = await till.listen();
  till.log.info({ host: config.host, port, chain: config.chain, db: describeDatabase(config) }, 'Till is listening');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    till.log.info({ signal }, 'shutting down');
    // Not unref'd: a stop left waiting on nothing Node counts still ends here, with its line.
    setTimeout(() => {
      till.log.warn({ afterMs: STOP_LIMIT_MS }, 'still stopping: exiting now; what was in flight (a webhook being sent, a block being read) is taken up again at the next start');
      process.exit(1);
    }, STOP_LIMIT_MS);
    till.close().then(
      () => process.exit(0),
      (err: unknown) => {
        till.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
