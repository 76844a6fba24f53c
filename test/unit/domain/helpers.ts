import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';

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

export function loadFixture<T>(name: string): T {
  const url = new URL(`../../fixtures/domain/${name}`, import.meta.url);
  return revive(JSON.parse(readFileSync(url, 'utf8'))) as T;
}

/** Describes a fixture value in a test title, keeping "1e-7" and "" readable. */
export function show(value: unknown): string {
  if (typeof value === 'number') return `number ${String(value)}`;
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Asserts `fn` throws TillError('validation_failed') whose message starts with the field
 * name, whose details name the field, and whose message contains `fragment`.
 */
export function expectValidationError(fn: () => unknown, field: string, fragment?: string): TillError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  if (thrown === undefined) expect.fail(`expected a validation_failed error for ${field}`);
  expect(thrown).to.be.instanceOf(TillError);
  const err = thrown as TillError;
  expect(err.code).to.equal('validation_failed');
  expect(err.message.startsWith(`${field} `), `"${err.message}" should start with "${field} "`).to.equal(true);
  expect(err.details).to.deep.equal({ field });
  if (fragment !== undefined) expect(err.message).to.contain(fragment);
  return err;
}
