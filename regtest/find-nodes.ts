/**
 * Which regtest nodes this machine can run, and a mocha helper that runs a suite once per
 * node. A node that is missing, or lacks a capability the suite needs, is skipped with a
 * printed reason — except litecoind under TILL_TEST_REQUIRE_ALL=1 (CI), where a missing
 * litecoind fails the suite. bitcoind stays optional everywhere (CI has none).
 */
import { BITCOIND_CAPS, findBitcoind, startBitcoind } from './bitcoind.js';
import { LITECOIND_CAPS, findLitecoind, startLitecoind } from './litecoind.js';
import type { Capabilities, NodeKind, RegtestNode } from './node.js';

export interface AvailableNode {
  kind: NodeKind;
  /** Known before starting for the real daemons; the simulator reports its own once started. */
  caps?: Readonly<Capabilities>;
  start(): Promise<RegtestNode>;
  /** Why this node cannot run here. Absent when it can — or when it must, and `start` fails loudly. */
  skipReason?: string;
}

export interface FindNodesOptions {
  /** Default: process.env (read when called, never on import). */
  env?: Readonly<Record<string, string | undefined>>;
}

export function availableNodes(opts: FindNodesOptions = {}): AvailableNode[] {
  const env = opts.env ?? process.env;
  return [bitcoindEntry(env), litecoindEntry(env), simEntry()];
}

function bitcoindEntry(env: Readonly<Record<string, string | undefined>>): AvailableNode {
  const binary = findBitcoind(env);
  const named = env.BITCOIND?.trim() ?? '';
  if (binary !== undefined) return { kind: 'bitcoind', caps: BITCOIND_CAPS, start: () => startBitcoind({ binary }) };
  if (named !== '') {
    // Asked for explicitly and wrong: a mistake to report, not a reason to skip quietly.
    return { kind: 'bitcoind', caps: BITCOIND_CAPS, start: () => Promise.reject(new Error(`$BITCOIND is '${named}', which is not an executable file`)) };
  }
  return { kind: 'bitcoind', caps: BITCOIND_CAPS, start: () => startBitcoind(), skipReason: 'bitcoind is not on PATH and $BITCOIND is not set' };
}

function litecoindEntry(env: Readonly<Record<string, string | undefined>>): AvailableNode {
  const binary = findLitecoind(env.PATH);
  if (binary !== undefined) return { kind: 'litecoind', caps: LITECOIND_CAPS, start: () => startLitecoind({ binary }) };
  if (env.TILL_TEST_REQUIRE_ALL === '1') {
    return {
      kind: 'litecoind',
      caps: LITECOIND_CAPS,
      start: () => Promise.reject(new Error('TILL_TEST_REQUIRE_ALL=1 but litecoind is not on PATH (apt-get install litecoind)')),
    };
  }
  return { kind: 'litecoind', caps: LITECOIND_CAPS, start: () => startLitecoind(), skipReason: 'litecoind is not on PATH (apt-get install litecoind)' };
}

function simEntry(): AvailableNode {
  return {
    kind: 'sim',
    // Imported on demand: a suite for the real daemons never loads the simulator.
    start: async () => {
      const { startSimNode } = await import('./sim-node.js');
      return startSimNode();
    },
  };
}

/** The capabilities in `needs` that `caps` lacks, as a skip reason; undefined when none. */
export function missingCapabilities(caps: Readonly<Capabilities>, needs: readonly (keyof Capabilities)[]): string | undefined {
  const missing = needs.filter((need) => !caps[need]);
  return missing.length === 0 ? undefined : `lacks ${missing.join(', ')}`;
}

export interface EachNodeOptions {
  /** Only these kinds (default: every kind). */
  kinds?: readonly NodeKind[];
  /** Default: availableNodes(). */
  nodes?: readonly AvailableNode[];
  /** For starting the node in `before` (default 120 s) and closing it in `after` (60 s). */
  startTimeoutMs?: number;
}

/**
 * `describe(title [kind])` once per node: the node is started in `before` and closed in
 * `after`; `getNode()` returns it inside tests and hooks. A missing node or capability
 * skips the whole suite with `this.skip()` and a printed reason.
 */
export function describeEachNode(
  title: string,
  needs: readonly (keyof Capabilities)[],
  fn: (getNode: () => RegtestNode, kind: NodeKind) => void,
  opts: EachNodeOptions = {},
): void {
  const entries = (opts.nodes ?? availableNodes()).filter((entry) => opts.kinds === undefined || opts.kinds.includes(entry.kind));
  for (const entry of entries) {
    describe(`${title} [${entry.kind}]`, function () {
      let node: RegtestNode | undefined;

      before(async function () {
        this.timeout(opts.startTimeoutMs ?? 120_000);
        const reason = entry.skipReason ?? (entry.caps === undefined ? undefined : missingCapabilities(entry.caps, needs));
        if (reason !== undefined) skipWith(this, title, entry.kind, reason);
        const started = await entry.start();
        const missing = missingCapabilities(started.caps, needs);
        if (missing !== undefined) {
          await started.close();
          skipWith(this, title, entry.kind, missing);
        }
        node = started;
      });

      after(async function () {
        this.timeout(60_000);
        const running = node;
        node = undefined;
        await running?.close();
      });

      fn(() => {
        if (node === undefined) throw new Error(`${entry.kind} is not running (its before hook failed or skipped)`);
        return node;
      }, entry.kind);
    });
  }
}

function skipWith(ctx: Mocha.Context, title: string, kind: NodeKind, reason: string): never {
  console.log(`      skipping "${title}" on ${kind}: ${reason}`);
  ctx.skip();
}
