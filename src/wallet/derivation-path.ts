import { TillError } from '../domain/errors.js';

export const HARDENED = 0x80000000;

/** One BIP32 step written as NUM or NUMh/NUMH/NUM'; returns the child index with the hardened bit set if hardened. */
export function parsePathStep(step: string, where: string): number {
  const match = /^(\d+)(['hH]?)$/.exec(step);
  if (match === null) {
    throw new TillError('wallet_invalid', `Invalid derivation step '${step}' in ${where}: expected a number, optionally followed by h`);
  }
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value) || value >= HARDENED) {
    throw new TillError('wallet_invalid', `Derivation step '${step}' in ${where} is out of range (must be below 2^31)`);
  }
  return match[2] === '' ? value : value + HARDENED;
}

export function isHardened(index: number): boolean {
  return index >= HARDENED;
}

/** Writes steps the way descriptors are normalized here: `84h/0h/0h`. */
export function formatPath(steps: readonly number[]): string {
  return steps.map((i) => (isHardened(i) ? `${i - HARDENED}h` : String(i))).join('/');
}
