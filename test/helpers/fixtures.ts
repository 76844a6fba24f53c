import { readFileSync } from 'node:fs';

/** Every test vector says what it checks; tests use it as (or in) their title. */
export interface Case {
  description: string;
}

/**
 * The one shape of a vector file under test/fixtures/ (see its README): cases that must
 * work and cases that must be refused, either list possibly empty. `Context` is what a
 * file may hold besides its cases: a top-level description, or one key of shared input
 * (email/render.json's `invoice`).
 */
export type Vectors<Valid extends object, Invalid extends object = never, Context extends object = object> = {
  description?: string;
  valid: (Case & Valid)[];
  invalid: (Case & Invalid)[];
} & Context;

const root = new URL('../fixtures/', import.meta.url);

// JSON cannot spell NaN or Infinity; fixtures write them as { "$number": "NaN" }.
function revive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revive);
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const only = entries[0];
    if (entries.length === 1 && only !== undefined && only[0] === '$number') return Number(only[1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, revive(v)]));
  }
  return value;
}

/** Reads test/fixtures/<area>/<name>.json, e.g. fixture('domain', 'decimal/parse-decimal'). */
export function fixture<T>(area: string, name: string): T {
  return revive(JSON.parse(readFileSync(new URL(`${area}/${name}.json`, root), 'utf8'))) as T;
}
