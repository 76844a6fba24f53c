import fs from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { SETTINGS, defaultRpcPort, type SettingKey, type SettingSpec } from './settings.js';
import { TillError } from '../domain/errors.js';

type ValueOf<S extends SettingSpec> = S['type'] extends 'integer'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'list'
      ? string[]
      : string;

export type RawConfig = { [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> };

export interface Config extends Omit<RawConfig, 'rpcPort'> {
  rpcPort: number;
  /** Absolute path of the SQLite file. */
  databaseFile: string;
}

type Env = Record<string, string | undefined>;

const UMBREL_NETWORKS: Record<string, string> = {
  mainnet: 'main', main: 'main', testnet: 'test', test: 'test', testnet4: 'testnet4',
  signet: 'signet', regtest: 'regtest',
};

/**
 * Umbrel hands an app its node as APP_BITCOIN_* variables (testnet there is testnet3) and
 * its onion address as APP_HIDDEN_SERVICE. They fill in what TILL_* leaves unset, so the
 * same image runs on Umbrel and anywhere else. (Its per-app secret APP_SEED is not read:
 * merchant UI sessions are server-side, a random token whose hash the database keeps, so
 * there is no key to sign them with.)
 */
function umbrelDefaults(env: Env): Env {
  const out: Env = {};
  const ip = env.APP_BITCOIN_NODE_IP;
  if (ip) out.TILL_RPC_HOST = ip;
  if (env.APP_BITCOIN_RPC_PORT) out.TILL_RPC_PORT = env.APP_BITCOIN_RPC_PORT;
  if (env.APP_BITCOIN_RPC_USER) out.TILL_RPC_USER = env.APP_BITCOIN_RPC_USER;
  if (env.APP_BITCOIN_RPC_PASS) out.TILL_RPC_PASSWORD = env.APP_BITCOIN_RPC_PASS;
  if (env.APP_BITCOIN_NETWORK) out.TILL_CHAIN = UMBREL_NETWORKS[env.APP_BITCOIN_NETWORK] ?? env.APP_BITCOIN_NETWORK;
  const zmq = (port: string | undefined) => (ip && port ? `tcp://${ip}:${port}` : undefined);
  out.TILL_ZMQ_RAWTX = zmq(env.APP_BITCOIN_ZMQ_RAWTX_PORT);
  out.TILL_ZMQ_RAWBLOCK = zmq(env.APP_BITCOIN_ZMQ_RAWBLOCK_PORT);
  out.TILL_ZMQ_SEQUENCE = zmq(env.APP_BITCOIN_ZMQ_SEQUENCE_PORT);
  // Umbrel writes "notyetset.onion" until Tor has made the address: no onion yet, then.
  const onion = env.APP_HIDDEN_SERVICE?.trim().toLowerCase();
  if (onion && /^[a-z2-7]{56}\.onion$/.test(onion)) out.TILL_ONION_URL = `http://${onion}`;
  return out;
}

/** Where a setting's value came from, as `till config check` shows it. */
export type SettingSource = 'env' | 'env file' | 'config file' | 'umbrel' | 'default';

/** The Umbrel variable each TILL_* name is filled from, for messages. */
export const UMBREL_SOURCES: Readonly<Record<string, string>> = {
  TILL_RPC_HOST: 'APP_BITCOIN_NODE_IP',
  TILL_RPC_PORT: 'APP_BITCOIN_RPC_PORT',
  TILL_RPC_USER: 'APP_BITCOIN_RPC_USER',
  TILL_RPC_PASSWORD: 'APP_BITCOIN_RPC_PASS',
  TILL_CHAIN: 'APP_BITCOIN_NETWORK',
  TILL_ZMQ_RAWTX: 'APP_BITCOIN_ZMQ_RAWTX_PORT',
  TILL_ZMQ_RAWBLOCK: 'APP_BITCOIN_ZMQ_RAWBLOCK_PORT',
  TILL_ZMQ_SEQUENCE: 'APP_BITCOIN_ZMQ_SEQUENCE_PORT',
  TILL_ONION_URL: 'APP_HIDDEN_SERVICE',
};

/** TILL_* names that are not settings but are fine to have around. */
const NOT_SETTINGS = new Set(['TILL_CONFIG_FILE', 'TILL_KEY', 'TILL_CHROMIUM']);

/** Every TILL_* name Till reads: the settings, their `_FILE` forms and TILL_CONFIG_FILE. */
export function knownVariables(): string[] {
  const names = new Set<string>(NOT_SETTINGS);
  for (const spec of Object.values(SETTINGS) as SettingSpec[]) {
    names.add(spec.env);
    if (spec.fromFile) names.add(`${spec.env}_FILE`);
  }
  return [...names].sort();
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

export interface UnknownVariable {
  name: string;
  /** The known name closest to it. */
  nearest: string;
  /** Where it was set: the environment or TILL_CONFIG_FILE. */
  where: 'env' | 'config file';
}

/**
 * TILL_* names in the environment (or the TILL_CONFIG_FILE) that Till does not read — a
 * typo such as TILL_CONFIRMATION — each with the nearest name it does read. TILL_TEST_*
 * belongs to the test suite and is left alone.
 */
export function unknownVariables(env: Env = process.env, cwd: string = process.cwd()): UnknownVariable[] {
  const known = knownVariables();
  const fileEnv = env.TILL_CONFIG_FILE ? readConfigFile(path.resolve(cwd, env.TILL_CONFIG_FILE)) : {};
  const out: UnknownVariable[] = [];
  const seen = new Set<string>();
  const consider = (name: string, where: UnknownVariable['where']) => {
    const upper = name.toUpperCase();
    if (!upper.startsWith('TILL_') || upper.startsWith('TILL_TEST_') || known.includes(name) || seen.has(name)) return;
    seen.add(name);
    let nearest = known[0]!;
    let best = Infinity;
    for (const k of known) {
      const d = editDistance(upper, k);
      if (d < best) [best, nearest] = [d, k];
    }
    out.push({ name, nearest, where });
  };
  for (const k of Object.keys(env)) consider(k, 'env');
  for (const k of Object.keys(fileEnv)) consider(k, 'config file');
  return out;
}

/** One line per unknown variable: `TILL_CONFIRMATION is not a Till setting (did you mean TILL_CONFIRMATIONS?)`. */
export function describeUnknown(u: UnknownVariable): string {
  const where = u.where === 'env' ? '' : ' (in TILL_CONFIG_FILE)';
  return `${u.name}${where} is not a Till setting and is ignored — did you mean ${u.nearest}?`;
}

function readConfigFile(file: string): Env {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TillError('config_invalid', `config: TILL_CONFIG_FILE ${file} is not readable JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TillError('config_invalid', `config: TILL_CONFIG_FILE ${file} must hold a JSON object of TILL_* settings`);
  }
  const out: Env = {};
  for (const [k, v] of Object.entries(parsed)) {
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/** An environment string as the setting's type (a list split on commas); the schema judges it after. */
export function coerce(spec: SettingSpec, raw: string): unknown {
  switch (spec.type) {
    case 'integer':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      return raw;
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return raw;
  }
}

/** The ajv schema of one setting. */
export function schemaFor(spec: SettingSpec): object {
  switch (spec.type) {
    case 'integer':
      return { type: 'integer', ...(spec.min !== undefined && { minimum: spec.min }), ...(spec.max !== undefined && { maximum: spec.max }) };
    case 'boolean':
      return { type: 'boolean' };
    case 'list':
      return {
        type: 'array',
        items: { type: 'string', ...(spec.enum && { enum: spec.enum }), ...(spec.pattern && { pattern: spec.pattern }) },
      };
    default:
      return { type: 'string', ...(spec.enum && { enum: spec.enum }), ...(spec.pattern && { pattern: spec.pattern }) };
  }
}

const ajv = new Ajv({ allErrors: false });
/** One validator per setting: a bad value is judged on its own, the others still resolve. */
const validators = Object.fromEntries(
  Object.entries(SETTINGS).map(([k, s]) => [k, ajv.compile(schemaFor(s))]),
) as Record<SettingKey, ReturnType<Ajv['compile']>>;

function describe(err: ErrorObject, spec: SettingSpec, value: unknown): string {
  const shown = JSON.stringify(spec.secret ? '<hidden>' : value);
  let what: string;
  if (err.keyword === 'enum') what = `must be one of ${(err.params as { allowedValues: string[] }).allowedValues.join(', ')}`;
  else if (err.keyword === 'pattern') what = `must be ${spec.hint ?? `of the form ${spec.pattern}`}`;
  else if (err.keyword === 'type') what = `must be ${err.params.type === 'integer' ? 'a whole number' : `a ${String(err.params.type)}`}`;
  else what = err.message ?? 'is invalid';
  return `config: ${spec.env} ${what} (got ${shown})`;
}

/**
 * Reads settings from the environment (and an optional JSON file named by
 * TILL_CONFIG_FILE), validates them once, and returns a frozen config. Throws a
 * TillError('config_invalid') whose message is the one line to print.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  return resolveConfig(env, cwd).config;
}

/** A setting `resolveConfig` could not take (its default stands in), or an unreadable TILL_CONFIG_FILE (key null). */
export interface SettingError {
  key: SettingKey | null;
  /** The one line to print: `config: TILL_X must be … (got …)`. */
  message: string;
}

export interface ResolveOptions {
  /**
   * Go on past bad values: each is reported in `errors` and its default used, so the
   * other settings still resolve (`till config check`). Default false: the first bad
   * value throws.
   */
  lenient?: boolean;
}

/** loadConfig, and where each setting's value came from. */
export function resolveConfig(
  env: Env = process.env,
  cwd: string = process.cwd(),
  opts: ResolveOptions = {},
): { config: Config; sources: Record<SettingKey, SettingSource>; errors: SettingError[] } {
  const errors: SettingError[] = [];
  const fail = (key: SettingKey | null, message: string) => {
    if (!opts.lenient) throw new TillError('config_invalid', message);
    errors.push({ key, message });
  };
  let fileEnv: Env = {};
  try {
    fileEnv = env.TILL_CONFIG_FILE ? readConfigFile(path.resolve(cwd, env.TILL_CONFIG_FILE)) : {};
  } catch (err) {
    fail(null, (err as Error).message);
  }
  const umbrel = umbrelDefaults(env);
  const merged: Env = { ...fileEnv, ...umbrel };
  for (const [k, v] of Object.entries(env)) if (k.startsWith('TILL_') && v !== undefined) merged[k] = v;
  const origin = (name: string): SettingSource =>
    env[name] !== undefined ? 'env' : umbrel[name] !== undefined ? 'umbrel' : 'config file';

  const values: Record<string, unknown> = {};
  const sources = {} as Record<SettingKey, SettingSource>;
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
    let raw = merged[spec.env];
    let source: SettingSource = raw === undefined ? 'default' : origin(spec.env);
    const fileVar = merged[`${spec.env}_FILE`];
    if (raw === undefined && spec.fromFile && fileVar) {
      try {
        raw = fs.readFileSync(path.resolve(cwd, fileVar), 'utf8').trim();
        source = 'env file';
      } catch {
        fail(key, `config: ${spec.env}_FILE names ${fileVar}, which cannot be read`);
        raw = undefined;
        source = 'env file';
      }
    }
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) values[key] = spec.default;
      sources[key] = raw === '' || source === 'env file' ? source : 'default';
      continue;
    }
    sources[key] = source;
    const value = coerce(spec, raw);
    const validate = validators[key];
    if (validate(value)) {
      values[key] = value;
      continue;
    }
    fail(key, describe(validate.errors![0] as ErrorObject, spec, value));
    if (spec.default !== undefined) values[key] = spec.default;
  }
  const raw = values as RawConfig;
  const dataDir = path.resolve(cwd, raw.dataDir);
  const config: Config = Object.freeze({
    ...raw,
    dataDir,
    rpcPort: raw.rpcPort ?? defaultRpcPort(raw.chain as Parameters<typeof defaultRpcPort>[0]),
    databaseFile: path.join(dataDir, 'till.sqlite'),
  });
  return { config, sources, errors };
}
