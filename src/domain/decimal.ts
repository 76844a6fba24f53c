import { TillError } from './errors.js';

/**
 * An exact decimal: (negative ? -1 : 1) × digits × 10^-scale.
 * Always normalised: no trailing zeros in the fraction (scale is as small as possible),
 * zero is `{ negative: false, digits: 0n, scale: 0 }`.
 */
export interface Decimal {
  readonly negative: boolean;
  readonly digits: bigint;
  readonly scale: number;
}

/**
 * Bounds that keep parsing cheap and every value far inside what money code needs:
 * at most 30 digits in total (integer digits + decimal places) and 30 decimal places.
 * "1e+29" passes, "1e+30" (31 digits) does not; "1e-30" passes, "1e-31" does not.
 */
export const MAX_DECIMAL_DIGITS = 30;
export const MAX_DECIMAL_SCALE = 30;
// Longest raw literal looked at; anything longer is refused before any regex runs.
const MAX_LITERAL_LENGTH = 100;

/**
 * ASCII digits with an optional sign, fraction and exponent. A digit is required on both
 * sides of the point ("5." and ".5" are refused) so that what a person wrote and what is
 * stored cannot drift apart. The exponent covers `String(n)` of numbers ("1e-7", "1e+21")
 * and unsafe JSON number literals the JSON layer hands over as strings.
 */
const DECIMAL_LITERAL = /^([+-]?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]{1,4}))?$/;

function invalid(field: string, message: string): TillError {
  return new TillError('validation_failed', `${field} ${message}`, { field });
}

function notADecimal(field: string): TillError {
  return invalid(field, 'must be a decimal number (e.g. "12.34")');
}

export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

const ZERO: Decimal = { negative: false, digits: 0n, scale: 0 };

/** The decimal `units` × 10^-scale, normalised. */
export function fromUnits(units: bigint, scale: number): Decimal {
  let digits = units < 0n ? -units : units;
  if (digits === 0n) return ZERO;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  return { negative: units < 0n, digits, scale };
}

/** `d` as a signed count of 10^-scale units; `scale` must be at least `d.scale`. */
export function unitsOf(d: Decimal, scale: number): bigint {
  const units = d.digits * pow10(scale - d.scale);
  return d.negative ? -units : units;
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = unitsOf(a, scale);
  const y = unitsOf(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Rounds half away from zero to at most `places` decimal places. */
export function roundDecimal(d: Decimal, places: number): Decimal {
  if (d.scale <= places) return d;
  return fromUnits(divRoundHalfUp(unitsOf(d, d.scale), pow10(d.scale - places)), places);
}

/**
 * Parses user input exactly. Accepts a string like "150.00", "-2", "+0.5", "1.5e3"; a JS
 * number (read through its shortest round-trip form, so 0.1 is exactly 1/10 and 1e21 is
 * exactly 10^21); or a bigint. Anything else — empty, spaces, commas, hex, "NaN",
 * "Infinity", "5.", ".5", too many digits — is a validation_failed error naming `field`.
 */
export function parseDecimal(value: unknown, field: string): Decimal {
  let literal: string;
  if (typeof value === 'string') {
    literal = value;
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notADecimal(field);
    literal = String(value);
  } else if (typeof value === 'bigint') {
    literal = value.toString();
  } else {
    throw notADecimal(field);
  }
  const d = readDecimal(literal, MAX_DECIMAL_DIGITS);
  if (d === 'syntax') throw notADecimal(field);
  if (d === 'scale') throw invalid(field, `must have at most ${MAX_DECIMAL_SCALE} decimal places`);
  if (d === 'digits') throw tooManyDigits(field);
  return d;
}

/**
 * Reads a decimal literal without throwing, for numbers another system wrote (a rate
 * source's price) where the caller only needs to know whether it is one. At most
 * MAX_DECIMAL_SCALE places and `maxDigits` digits in all.
 */
export function readDecimalText(text: string, maxDigits = MAX_DECIMAL_DIGITS): Decimal | undefined {
  const d = readDecimal(text, maxDigits);
  return typeof d === 'string' ? undefined : d;
}

function readDecimal(literal: string, maxDigits: number): Decimal | 'syntax' | 'scale' | 'digits' {
  if (literal.length > MAX_LITERAL_LENGTH) return 'digits';
  const match = DECIMAL_LITERAL.exec(literal);
  if (!match) return 'syntax';
  const sign = match[1] ?? '';
  const intPart = match[2] ?? '';
  const fracPart = match[3] ?? '';
  const exponent = match[4] === undefined ? 0 : Number(match[4]);

  // All digits as one string, scale = places after the point once the exponent applies.
  let mantissa = (intPart + fracPart).replace(/^0+/, '');
  let scale = fracPart.length - exponent;
  if (mantissa === '') return ZERO;

  if (scale > 0) {
    const trimmed = mantissa.replace(/0+$/, '');
    const dropped = Math.min(mantissa.length - trimmed.length, scale);
    mantissa = mantissa.slice(0, mantissa.length - dropped);
    scale -= dropped;
  }
  if (scale > MAX_DECIMAL_SCALE) return 'scale';
  // A negative scale means the mantissa is followed by -scale zeros ("1e+21").
  const totalDigits = scale < 0 ? mantissa.length - scale : Math.max(mantissa.length, scale);
  if (totalDigits > maxDigits) return 'digits';

  const digits = scale < 0 ? BigInt(mantissa) * pow10(-scale) : BigInt(mantissa);
  return { negative: sign === '-', digits, scale: Math.max(scale, 0) };
}

function tooManyDigits(field: string): TillError {
  return invalid(field, `must be a decimal number with at most ${MAX_DECIMAL_DIGITS} digits`);
}

/** Canonical text of a decimal: "2", "1.5", "-0.000001" (no exponent, no trailing zeros). */
export function formatDecimal(d: Decimal): string {
  return formatScaled(unitsOf(d, d.scale), d.scale, { trim: true });
}

/**
 * Formats integer `units` of 10^-decimals: formatScaled(22000n, 2) → "220.00",
 * formatScaled(-5n, 3) → "-0.005". With `trim`, trailing fraction zeros and a bare point
 * are dropped ("220", "0.0031").
 */
export function formatScaled(units: bigint, decimals: number, opts: { trim?: boolean } = {}): string {
  const negative = units < 0n;
  const abs = (negative ? -units : units).toString();
  let text: string;
  if (decimals === 0) {
    text = abs;
  } else {
    const padded = abs.padStart(decimals + 1, '0');
    const whole = padded.slice(0, padded.length - decimals);
    let frac = padded.slice(padded.length - decimals);
    if (opts.trim) frac = frac.replace(/0+$/, '');
    text = frac === '' ? whole : `${whole}.${frac}`;
  }
  return negative ? `-${text}` : text;
}

export interface ScaleOptions {
  /** Smallest allowed value, in units of 10^-decimals. */
  min?: bigint;
  /** Largest allowed value, in units of 10^-decimals. */
  max?: bigint;
  /** Refuse negative values unless true (default false). */
  allowNegative?: boolean;
  /** Refuse zero when false (default true): "must be greater than 0". */
  allowZero?: boolean;
}

/**
 * Parses `value` into an integer count of 10^-decimals units, e.g. toScaled("220.1", 2) →
 * 22010n. Never rounds user input: more significant decimal places than `decimals` is an
 * error ("220.001" for USD). Trailing zeros are not significant ("220.100" → 22010n)
 * because the value is exactly representable and no information is lost.
 */
export function toScaled(
  value: unknown,
  decimals: number,
  field: string,
  opts: ScaleOptions = {},
): bigint {
  const d = parseDecimal(value, field);
  if (d.scale > decimals) {
    throw invalid(
      field,
      decimals === 0 ? 'must be a whole number' : `must have at most ${decimals} decimal places`,
    );
  }
  const units = unitsOf(d, decimals);
  if (units < 0n && !opts.allowNegative) throw invalid(field, 'must not be negative');
  if (units === 0n && opts.allowZero === false) throw invalid(field, 'must be greater than 0');
  if (opts.min !== undefined && units < opts.min) {
    throw invalid(field, `must be at least ${formatScaled(opts.min, decimals, { trim: true })}`);
  }
  if (opts.max !== undefined && units > opts.max) {
    throw invalid(field, `must be at most ${formatScaled(opts.max, decimals, { trim: true })}`);
  }
  return units;
}

/** Exact integer division rounded half away from zero (commercial "half-up"). */
export function divRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}

/** Exact integer division rounded toward +infinity. */
export function divCeil(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const q = numerator / denominator;
  // bigint division truncates toward zero; bump up when a positive quotient lost a fraction.
  return numerator % denominator !== 0n && numerator < 0n === denominator < 0n ? q + 1n : q;
}
