import type { Decimal } from '../domain/decimal.js';
import {
  MAX_DECIMAL_SCALE,
  compareDecimals,
  formatDecimal,
  fromUnits,
  pow10,
  readDecimalText,
  roundDecimal,
  unitsOf,
} from '../domain/decimal.js';

/** Places Till quotes a rate with (one satoshi's worth of precision per fiat unit). */
export const RATE_PLACES = 8;
// A BTC price with more than 15 integer digits is garbage even in the weakest currency
// (BTC in IRR or VND stays far below 10^15).
const MAX_INTEGER_DIGITS = 15;
// Sources send at most a float's worth of digits; anything longer is not a price.
const MAX_LITERAL_LENGTH = 48;

/**
 * Reads a price as a source wrote it ("70862.71", "30303.20000", "7.086271e4"). Returns
 * undefined for anything that is not a sane positive price: signs, spaces, "NaN",
 * "Infinity", zero, a value that rounds to zero at 8 places, more than 15 integer digits.
 */
export function parseRateDecimal(text: string): Decimal | undefined {
  // A sign is refused: a source that sends one is not sending a price.
  if (text.length > MAX_LITERAL_LENGTH || !/^[0-9]/.test(text)) return undefined;
  const d = readDecimalText(text, MAX_INTEGER_DIGITS + MAX_DECIMAL_SCALE);
  if (d === undefined || d.digits === 0n) return undefined;
  if (d.digits / pow10(d.scale) >= pow10(MAX_INTEGER_DIGITS)) return undefined;
  if (roundRate(d).digits === 0n) return undefined;
  return d;
}

/** The canonical text of a price a source sent, or undefined when it is garbage. */
export function normalizeRateText(text: string): string | undefined {
  const d = parseRateDecimal(text);
  return d === undefined ? undefined : formatDecimal(d);
}

/** Median, exact: for an even count the mean of the two middle values, with no rounding. */
export function medianRateDecimal(values: readonly Decimal[]): Decimal {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort(compareDecimals);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as Decimal;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[mid - 1] as Decimal;
  // One more place than either makes the halving exact: the sum is then a multiple of 10.
  const scale = Math.max(lower.scale, upper.scale) + 1;
  return fromUnits((unitsOf(lower, scale) + unitsOf(upper, scale)) / 2n, scale);
}

/** True when `value` is more than `percent` % away from `reference` (reference > 0). */
export function deviatesBeyond(value: Decimal, reference: Decimal, percent: number): boolean {
  const scale = Math.max(value.scale, reference.scale);
  const v = unitsOf(value, scale);
  const r = unitsOf(reference, scale);
  const diff = v > r ? v - r : r - v;
  return diff * 100n > r * BigInt(percent);
}

/** Rounds half-up to at most 8 decimal places (values are positive). */
export function roundRate(d: Decimal): Decimal {
  return roundDecimal(d, RATE_PLACES);
}
