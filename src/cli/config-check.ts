import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { migrationSource } from '../../migrations/index.js';
import {
  UMBREL_SOURCES, describeUnknown, resolveConfig, unknownVariables, type Config, type SettingError, type SettingSource,
} from '../config/load.js';
import { SETTINGS, type SettingKey, type SettingSpec } from '../config/settings.js';
import { isTillError } from '../domain/errors.js';
import { endpointsFromNode } from '../chain/follower.js';
import { CoreRpc } from '../chain/rpc.js';
import { ZmqFeed, type ZmqEndpoints, type ZmqTopic } from '../chain/zmq.js';
import type { ZmqNotification } from '../chain/node-api.js';
import { describeDatabase, openConfiguredDatabase, openDatabase } from '../db/connection.js';
import { EmailSender, parseSmtpUrl } from '../notify/email/index.js';
import { createRateProviders } from '../rates/index.js';
import { createSocksAgent } from '../net/socks.js';

type Env = Record<string, string | undefined>;

/** One line of the report: what was tried, whether it works, and what to do if not. */
export interface CheckLine {
  name: string;
  ok: boolean;
  /** Neither ok nor broken: not configured, or nothing to try. */
  skipped?: boolean;
  text: string;
}

export interface CheckOptions {
  env?: Env;
  cwd?: string;
  /** How long each ZMQ topic may take to connect. Default 3 s. */
  zmqWaitMs?: number;
  /** Per network check (RPC, SMTP, rate source). Default 5 s. */
  timeoutMs?: number;
  out?: (line: string) => void;
}

/** The topics Till subscribes to, with the setting and bitcoind option of each. */
const TOPICS: { topic: ZmqTopic; env: string; option: string }[] = [
  { topic: 'rawtx', env: 'TILL_ZMQ_RAWTX', option: 'zmqpubrawtx' },
  { topic: 'rawblock', env: 'TILL_ZMQ_RAWBLOCK', option: 'zmqpubrawblock' },
  { topic: 'sequence', env: 'TILL_ZMQ_SEQUENCE', option: 'zmqpubsequence' },
];

function shown(spec: SettingSpec, value: unknown): string {
  const text = Array.isArray(value) ? value.join(',') : value === undefined ? '' : String(value);
  if (spec.secret) return text === '' ? '(not set)' : '******** (hidden)';
  return text === '' ? '(empty)' : text;
}

function sourceLabel(spec: SettingSpec, source: SettingSource): string {
  if (source === 'umbrel') return `umbrel (${UMBREL_SOURCES[spec.env] ?? 'APP_*'})`;
  if (source === 'env file') return `file (${spec.env}_FILE)`;
  if (source === 'config file') return 'config file (TILL_CONFIG_FILE)';
  return source;
}

/** The error's one line: never a stack. */
function oneLine(err: unknown): string {
  const msg = isTillError(err) || err instanceof Error ? (err as Error).message : String(err);
  return msg.split('\n')[0]!.trim();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

async function checkNode(config: Config, timeoutMs: number): Promise<{ line: CheckLine; zmq: ZmqNotification[] | null }> {
  const rpc = new CoreRpc({
    host: config.rpcHost,
    port: config.rpcPort,
    user: config.rpcUser || undefined,
    password: config.rpcPassword || undefined,
    cookieFile: config.rpcCookieFile || undefined,
    timeoutMs,
    warmupRetries: 0,
  });
  try {
    const r = await withTimeout(rpc.checkNode(config.chain), timeoutMs + 1000, `Bitcoin Core at ${config.rpcHost}:${config.rpcPort}`);
    const sync = r.initialBlockDownload ? `, still syncing (${r.blocks} of ${r.headers} blocks): Till waits until it is done` : '';
    const pruned = r.pruned ? ', pruned' : '';
    return {
      line: { name: 'node RPC', ok: true, text: `Bitcoin Core at ${config.rpcHost}:${config.rpcPort} on ${r.chain}, block ${r.blocks}${pruned}${sync}` },
      zmq: r.zmq,
    };
  } catch (err) {
    return { line: { name: 'node RPC', ok: false, text: oneLine(err) }, zmq: null };
  }
}

/** Each topic Till uses: connects a subscriber and waits for the connection (or a message). */
async function checkZmq(config: Config, fromNode: ZmqNotification[] | null, waitMs: number): Promise<CheckLine[]> {
  if (config.zmqMode === 'off') {
    return [{ name: 'ZMQ', ok: true, skipped: true, text: `off (TILL_ZMQ_MODE=off): Till polls the node every ${config.pollMs} ms` }];
  }
  const configured: ZmqEndpoints = {
    ...(config.zmqRawTx && { rawtx: config.zmqRawTx }),
    ...(config.zmqRawBlock && { rawblock: config.zmqRawBlock }),
    ...(config.zmqSequence && { sequence: config.zmqSequence }),
  };
  const fromSettings = Object.keys(configured).length > 0;
  if (!fromSettings && fromNode === null) {
    return [{ name: 'ZMQ', ok: false, text: 'not tried: the node did not answer, and no TILL_ZMQ_* is set to try without it' }];
  }
  const endpoints = fromSettings ? configured : endpointsFromNode(fromNode!, config.rpcHost);
  const origin = fromSettings ? 'set in TILL_ZMQ_*' : 'as the node reports it';
  const lines: CheckLine[] = [];
  const wanted = TOPICS.filter((t) => endpoints[t.topic]);
  for (const t of TOPICS.filter((x) => !endpoints[x.topic])) {
    lines.push({
      name: `ZMQ ${t.topic}`,
      ok: false,
      text: fromSettings
        ? `not set: set ${t.env} too (Till follows the node by polling what ZMQ does not bring)`
        : `the node does not publish it: add ${t.option}=tcp://0.0.0.0:<port> to bitcoin.conf, or set ${t.env}`,
    });
  }
  if (wanted.length === 0) return lines;
  const feed = new ZmqFeed({ endpoints: Object.fromEntries(wanted.map((t) => [t.topic, endpoints[t.topic]])), onMessage: () => undefined });
  feed.start();
  try {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      const st = feed.status();
      if (wanted.every((t) => st[t.topic]?.connected)) break;
      await sleep(50);
    }
    const st = feed.status();
    for (const t of wanted) {
      const s = st[t.topic]!;
      if (s.connected) {
        const heard = s.messages > 0 ? `, ${s.messages} message(s) already` : ' (no message yet: normal while the node is idle)';
        lines.push({ name: `ZMQ ${t.topic}`, ok: true, text: `${s.endpoint} ${origin}: connected${heard}` });
      } else {
        lines.push({
          name: `ZMQ ${t.topic}`,
          ok: false,
          text: `${s.endpoint} ${origin}: no connection within ${Math.round(waitMs / 1000)} s — check ${t.env} (or the node's ${t.option}) and that the port is reachable from here`,
        });
      }
    }
  } finally {
    await feed.stop();
  }
  return lines.sort((a, b) => TOPICS.findIndex((t) => `ZMQ ${t.topic}` === a.name) - TOPICS.findIndex((t) => `ZMQ ${t.topic}` === b.name));
}

async function checkPostgres(config: Config): Promise<CheckLine> {
  const where = describeDatabase(config);
  try {
    const db = await openConfiguredDatabase(config);
    try {
      const [, pending] = (await db.read.migrate.list({ migrationSource })) as [unknown[], unknown[]];
      const schema = pending.length === 0 ? 'schema up to date' : `${pending.length} migration(s) pending: \`till migrate\` (or the next start) applies them`;
      return { name: 'database', ok: true, text: `${where}: ${schema}` };
    } finally {
      await db.close();
    }
  } catch (err) {
    return { name: 'database', ok: false, text: oneLine(err) };
  }
}

async function checkDatabase(config: Config): Promise<CheckLine> {
  if (config.databaseUrl) return checkPostgres(config);
  const file = config.databaseFile;
  try {
    if (!fs.existsSync(file)) {
      let dir = path.dirname(file);
      while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
      fs.accessSync(dir, fs.constants.W_OK);
      return { name: 'database', ok: true, text: `${file} does not exist yet: Till creates it at the first start (${dir} is writable)` };
    }
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
    const db = openDatabase({ filename: file, readers: 1 });
    try {
      await db.read.raw('SELECT 1');
      const [, pending] = (await db.read.migrate.list({ migrationSource })) as [unknown[], unknown[]];
      const schema = pending.length === 0 ? 'schema up to date' : `${pending.length} migration(s) pending: \`till migrate\` (or the next start) applies them`;
      return { name: 'database', ok: true, text: `SQLite ${file}: ${schema}` };
    } finally {
      await db.close();
    }
  } catch (err) {
    return { name: 'database', ok: false, text: `SQLite ${file}: ${oneLine(err)} — check TILL_DATA_DIR and that Till's user may write there` };
  }
}

async function checkSmtp(config: Config, timeoutMs: number): Promise<CheckLine> {
  if (!config.smtpUrl) return { name: 'SMTP', ok: true, skipped: true, text: 'not configured (TILL_SMTP_URL): no email notifications' };
  try {
    const settings = parseSmtpUrl(config.smtpUrl, { from: config.smtpFrom || undefined, timeoutMs });
    const r = await new EmailSender(settings).verify();
    const at = `${settings.host}:${settings.port}`;
    if (r.status === 'ok') return { name: 'SMTP', ok: true, text: `${at} accepted the connection and login` };
    if (r.status === 'failed') return { name: 'SMTP', ok: false, text: `${at}: ${oneLine(r.error)} — check TILL_SMTP_URL` };
    return { name: 'SMTP', ok: true, skipped: true, text: 'not configured (TILL_SMTP_URL)' };
  } catch (err) {
    return { name: 'SMTP', ok: false, text: `${oneLine(err)} — check TILL_SMTP_URL` };
  }
}

async function checkRates(config: Config, timeoutMs: number): Promise<CheckLine> {
  try {
    const agent = config.proxy ? createSocksAgent(config.proxy) : undefined;
    const [provider] = createRateProviders({ sources: config.rateSources, fixedRates: config.ratesFixed, agent, timeoutMs });
    const currency = config.defaultCurrency;
    const ctl = new AbortController();
    const got = await withTimeout(provider!.fetchRates([currency], ctl.signal), timeoutMs, `rate source ${provider!.name}`).finally(() => ctl.abort());
    const rate = got.get(currency);
    if (rate === undefined) {
      return { name: 'rates', ok: false, text: `${provider!.name} answered but has no ${currency} rate — pick another TILL_RATE_SOURCES or TILL_DEFAULT_CURRENCY` };
    }
    const via = config.proxy ? ' through TILL_PROXY' : '';
    return { name: 'rates', ok: true, text: `${provider!.name}${via}: 1 BTC = ${rate} ${currency}` };
  } catch (err) {
    const hint = config.proxy ? 'is TILL_PROXY (Tor) running?' : 'is this machine online? (TILL_PROXY sends it through Tor)';
    return { name: 'rates', ok: false, text: `${oneLine(err)} — ${hint}` };
  }
}

/** The settings each check uses: with one of them invalid, the check is not tried. */
const NEEDS: Record<'node' | 'zmq' | 'database' | 'smtp' | 'rates', SettingKey[]> = {
  node: ['chain', 'rpcHost', 'rpcPort', 'rpcUser', 'rpcPassword', 'rpcCookieFile'],
  zmq: ['zmqMode', 'zmqRawTx', 'zmqRawBlock', 'zmqSequence', 'pollMs'],
  database: ['dataDir'],
  smtp: ['smtpUrl', 'smtpFrom'],
  rates: ['rateSources', 'ratesFixed', 'proxy', 'defaultCurrency'],
};

/** A FAIL line instead of the check, when a setting it needs is invalid; null when it can run. */
function notTried(name: string, needs: SettingKey[], errors: SettingError[]): CheckLine | null {
  const bad = needs.filter((k) => errors.some((e) => e.key === k)).map((k) => SETTINGS[k].env);
  if (bad.length === 0) return null;
  return { name, ok: false, text: `not tried: ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} invalid (see the settings line above)` };
}

/**
 * `till config check`: prints the resolved settings (secrets hidden, each with where it
 * came from), the TILL_* variables that are not settings, then tries the node's RPC, each
 * ZMQ topic, the database, SMTP and one rate source, one line each. Resolves to the exit
 * code: 0 when everything tried works, 1 otherwise.
 */
export async function runConfigCheck(opts: CheckOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const out = opts.out ?? ((line: string) => console.log(line));
  let unknown: ReturnType<typeof unknownVariables> = [];
  try {
    unknown = unknownVariables(env, cwd);
  } catch {
    // An unreadable TILL_CONFIG_FILE: resolveConfig says so below.
  }
  for (const u of unknown) out(`warning: ${describeUnknown(u)}`);

  // Leniently: a bad value is a FAIL line of its own, its default stands in, and everything
  // else is still shown and tried.
  const { config, sources, errors } = resolveConfig(env, cwd, { lenient: true });
  out('Settings (secrets hidden):');
  const keys = Object.keys(SETTINGS) as SettingKey[];
  const width = Math.max(...keys.map((k) => SETTINGS[k].env.length));
  for (const key of keys) {
    const spec = SETTINGS[key] as SettingSpec;
    const value = key === 'rpcPort' ? config.rpcPort : config[key as keyof Config];
    const text = errors.some((e) => e.key === key) ? '(invalid: see FAIL settings below)' : shown(spec, value);
    out(`  ${spec.env.padEnd(width)}  ${text}  [${sourceLabel(spec, sources[key])}]`);
  }
  out('');
  out('Checks:');
  const timeoutMs = opts.timeoutMs ?? 5000;
  const lines: CheckLine[] = errors.map((e) => ({ name: 'settings', ok: false, text: oneLine(e.message) }));
  const nodeSkipped = notTried('node RPC', NEEDS.node, errors);
  const node = nodeSkipped ? { line: nodeSkipped, zmq: null } : await checkNode(config, timeoutMs);
  lines.push(node.line);
  const zmqSkipped = notTried('ZMQ', NEEDS.zmq, errors);
  lines.push(...(zmqSkipped ? [zmqSkipped] : await checkZmq(config, node.zmq, opts.zmqWaitMs ?? 3000)));
  lines.push(notTried('database', NEEDS.database, errors) ?? (await checkDatabase(config)));
  lines.push(notTried('SMTP', NEEDS.smtp, errors) ?? (await checkSmtp(config, timeoutMs)));
  lines.push(notTried('rates', NEEDS.rates, errors) ?? (await checkRates(config, timeoutMs)));
  const nameWidth = Math.max(...lines.map((l) => l.name.length));
  for (const l of lines) out(`  ${l.skipped ? '--  ' : l.ok ? 'ok  ' : 'FAIL'}  ${l.name.padEnd(nameWidth)}  ${l.text}`);
  const failed = lines.filter((l) => !l.ok).length;
  out('');
  out(failed === 0 ? 'Everything Till was able to try works.' : `${failed} check(s) failed: see the FAIL lines above.`);
  return failed === 0 ? 0 : 1;
}
