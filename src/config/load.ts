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
 * Umbrel hands an app its node as APP_BITCOIN_* variables. They fill in what TILL_*
 * leaves unset, so the same image runs on Umbrel and anywhere else.
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
  return out;
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

function coerce(spec: SettingSpec, raw: string): unknown {
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

function schemaFor(spec: SettingSpec): object {
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
const validate = ajv.compile({
  type: 'object',
  properties: Object.fromEntries(Object.entries(SETTINGS).map(([k, s]) => [k, schemaFor(s)])),
});

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
  const fileEnv = env.TILL_CONFIG_FILE ? readConfigFile(path.resolve(cwd, env.TILL_CONFIG_FILE)) : {};
  const merged: Env = { ...fileEnv, ...umbrelDefaults(env) };
  for (const [k, v] of Object.entries(env)) if (k.startsWith('TILL_') && v !== undefined) merged[k] = v;

  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec][]) {
    let raw = merged[spec.env];
    const fileVar = merged[`${spec.env}_FILE`];
    if (raw === undefined && spec.fromFile && fileVar) {
      try {
        raw = fs.readFileSync(path.resolve(cwd, fileVar), 'utf8').trim();
      } catch {
        throw new TillError('config_invalid', `config: ${spec.env}_FILE names ${fileVar}, which cannot be read`);
      }
    }
    if (raw === undefined || raw === '') {
      if (spec.default !== undefined) values[key] = spec.default;
      continue;
    }
    values[key] = coerce(spec, raw);
  }
  if (!validate(values)) {
    const err = validate.errors?.[0] as ErrorObject;
    const key = err.instancePath.split('/')[1] as SettingKey;
    const spec = SETTINGS[key] as SettingSpec;
    throw new TillError('config_invalid', describe(err, spec, values[key]));
  }
  const raw = values as RawConfig;
  const dataDir = path.resolve(cwd, raw.dataDir);
  return Object.freeze({
    ...raw,
    dataDir,
    rpcPort: raw.rpcPort ?? defaultRpcPort(raw.chain as Parameters<typeof defaultRpcPort>[0]),
    databaseFile: path.join(dataDir, 'till.sqlite'),
  });
}
