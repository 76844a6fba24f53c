import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import type { ErrorCode } from '../../../src/domain/errors.js';

/** Runs `fn`, expects a TillError with `code` whose message contains `message`, and returns it. */
export function expectTillError(fn: () => unknown, code: ErrorCode, message: string): TillError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a TillError to be thrown').to.be.instanceOf(TillError);
  const error = caught as TillError;
  expect(error.code).to.equal(code);
  expect(error.message).to.include(message);
  return error;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
