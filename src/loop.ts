import type { Logger } from './log.js';

export interface Loop {
  /** Errors in a row; /health shows a loop that keeps failing. */
  readonly failures: number;
  readonly lastError: string | null;
  stop(): Promise<void>;
}

/**
 * A background loop that never dies: each run is awaited before the next is scheduled,
 * a failure is logged and backs off (doubling, up to ten times the period), and stop()
 * waits for a run in progress.
 */
export function startLoop(opts: {
  name: string;
  everyMs: number;
  log: Logger;
  run: () => Promise<unknown>;
  /** Run once straight away rather than after the first period. */
  runAtOnce?: boolean;
  /** The period, asked before each wait (a loop whose pace depends on its state). */
  intervalMs?: () => number;
}): Loop {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const state = { failures: 0, lastError: null as string | null };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = () => {
    running = (async () => {
      try {
        await opts.run();
        state.failures = 0;
        state.lastError = null;
      } catch (err) {
        state.failures++;
        state.lastError = (err as Error).message;
        opts.log.error({ err, loop: opts.name, failures: state.failures }, 'background loop failed');
      }
    })();
    void running.then(() => {
      running = null;
      const every = opts.intervalMs?.() ?? opts.everyMs;
      const backoff = state.failures === 0 ? every : Math.min(every * 2 ** state.failures, every * 10);
      schedule(backoff);
    });
  };
  schedule(opts.runAtOnce ? 0 : opts.everyMs);

  return {
    get failures() {
      return state.failures;
    },
    get lastError() {
      return state.lastError;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (running) await running;
    },
  };
}
