/**
 * Exact decimal arithmetic for BTC prices, on bigint: a value is `coef / 10^scale`.
 * Only what rates need: read a price a source sent, order, median, a deviation check
 * and half-up rounding to 8 places. No float ever touches a price.
 */
export interface RateDecimal {
  readonly coef: bigint;
  readonly scale: number;
}

/** Places Till quotes a rate with (one satoshi's worth of precision per fiat unit). */
export const RATE_PLACES = 8;
// A BTC price with more than 15 integer digits is garbage even in the weakest currency
// (BTC in IRR or VND stays far below 10^15).
const MAX_INTEGER_DIGITS = 15;
// Sources send at most a float's worth of digits; anything longer is not a price.
const MAX_LITERAL_LENGTH = 48;
const MAX_SCALE = 30;
const LITERAL = /^([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]{1,3}))?$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/**
 * Reads a price as a source wrote it ("70862.71", "30303.20000", "7.086271e4"). Returns
 * undefined for anything that is not a sane positive price: signs, spaces, "NaN",
 * "Infinity", zero, a value that rounds to zero at 8 places, more than 15 integer digits.
 */
export function parseRateDecimal(text: string): RateDecimal | undefined {
  if (text.length === 0 || text.length > MAX_LITERAL_LENGTH) return undefined;
  const m = LITERAL.exec(text);
  if (!m) return undefined;
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? '';
  const exponent = m[3] === undefined ? 0 : Number(m[3]);
  let coef = BigInt(intPart + fracPart);
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    coef *= pow10(-scale);
    scale = 0;
  }
  if (scale > MAX_SCALE) return undefined;
  const d = trim({ coef, scale });
  if (d.coef <= 0n) return undefined;
  if (d.coef / pow10(d.scale) >= pow10(MAX_INTEGER_DIGITS)) return undefined;
  if (roundRate(d).coef === 0n) return undefined;
  return d;
}

/** The canonical text of a price a source sent, or undefined when it is garbage. */
export function normalizeRateText(text: string): string | undefined {
  const d = parseRateDecimal(text);
  return d === undefined ? undefined : formatRateDecimal(d);
}

function trim(d: RateDecimal): RateDecimal {
  let { coef, scale } = d;
  while (scale > 0 && coef % 10n === 0n) {
    coef /= 10n;
    scale -= 1;
  }
  return { coef, scale };
}

function align(a: RateDecimal, b: RateDecimal): [bigint, bigint, number] {
  if (a.scale === b.scale) return [a.coef, b.coef, a.scale];
  if (a.scale > b.scale) return [a.coef, b.coef * pow10(a.scale - b.scale), a.scale];
  return [a.coef * pow10(b.scale - a.scale), b.coef, b.scale];
}

export function compareRateDecimal(a: RateDecimal, b: RateDecimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Median, exact: for an even count the mean of the two middle values, with no rounding. */
export function medianRateDecimal(values: readonly RateDecimal[]): RateDecimal {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort(compareRateDecimal);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] as RateDecimal;
  if (sorted.length % 2 === 1) return upper;
  const lower = sorted[mid - 1] as RateDecimal;
  const [x, y, scale] = align(lower, upper);
  const sum = x + y;
  // Halving adds at most one decimal place: s/2 = 5s/10.
  return trim(sum % 2n === 0n ? { coef: sum / 2n, scale } : { coef: sum * 5n, scale: scale + 1 });
}

/** True when `value` is more than `percent` % away from `reference` (reference > 0). */
export function deviatesBeyond(value: RateDecimal, reference: RateDecimal, percent: number): boolean {
  const [v, r] = align(value, reference);
  const diff = v > r ? v - r : r - v;
  return diff * 100n > r * BigInt(percent);
}

/** Rounds half-up to at most 8 decimal places (values are positive). */
export function roundRate(d: RateDecimal): RateDecimal {
  if (d.scale <= RATE_PLACES) return d;
  const div = pow10(d.scale - RATE_PLACES);
  let q = d.coef / div;
  if ((d.coef % div) * 2n >= div) q += 1n;
  return trim({ coef: q, scale: RATE_PLACES });
}

/** Plain decimal text with no exponent and no trailing zeros: "70862.7", "61000". */
export function formatRateDecimal(d: RateDecimal): string {
  const t = trim(d);
  const digits = t.coef.toString();
  if (t.scale === 0) return digits;
  const padded = digits.padStart(t.scale + 1, '0');
  return `${padded.slice(0, padded.length - t.scale)}.${padded.slice(padded.length - t.scale)}`;
}
