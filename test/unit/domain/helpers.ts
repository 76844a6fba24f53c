import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';

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
