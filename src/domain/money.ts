import { BTC, BTC_DECIMALS, minorUnits } from './currency.js';
import type { Decimal, ScaleOptions } from './decimal.js';
import { divCeil, divRoundHalfUp, formatScaled, parseDecimal, pow10, toScaled } from './decimal.js';
import { TillError } from './errors.js';

/**
 * Largest amount of money (any price, line, subtotal, tax, discount or total) in minor
 * units: 10^15, i.e. 10 000 000 000 000.00 USD. It sits below Number.MAX_SAFE_INTEGER
 * (≈ 9.007 × 10^15), so a value stored as a 64-bit integer and read back through a JS
 * number database driver is still exact.
 */
export const MAX_MONEY_MINOR = 1_000_000_000_000_000n;

/** 21 million BTC in satoshis; also below Number.MAX_SAFE_INTEGER. */
export const MAX_SATS = 2_100_000_000_000_000n;

export const SATS_PER_BTC = 100_000_000n;

export type MoneyOptions = Omit<ScaleOptions, 'max'> & {
  /** A tighter maximum than MAX_MONEY_MINOR / MAX_SATS (never a looser one). */
  max?: bigint;
};

function capped(limit: bigint, max: bigint | undefined): bigint {
  return max !== undefined && max < limit ? max : limit;
}

/**
 * Parses a user amount in `currency` ("220.10" USD → 22010n, "1500" JPY → 1500n) into minor
 * units. Refuses more decimals than the currency has, negatives (unless allowed) and
 * anything above MAX_MONEY_MINOR, with validation_failed naming `field`.
 */
export function parseMoney(
  value: unknown,
  currency: string,
  field: string,
  opts: MoneyOptions = {},
): bigint {
  return toScaled(value, minorUnits(currency), field, {
    ...opts,
    max: capped(MAX_MONEY_MINOR, opts.max),
  });
}

/** "220.00" for 22000n USD, "1500" JPY, "1.250" BHD, "-0.50" USD: always every minor digit. */
export function formatMoney(minor: bigint, currency: string): string {
  return formatScaled(minor, minorUnits(currency));
}

/** Parses a BTC amount ("0.0031", 0.0031) into satoshis; at most 8 decimals, ≤ 21M BTC. */
export function parseSats(value: unknown, field: string, opts: MoneyOptions = {}): bigint {
  return toScaled(value, BTC_DECIMALS, field, { ...opts, max: capped(MAX_SATS, opts.max) });
}

/** "0.00310521": satoshis as BTC with all 8 decimals (the v1 dialect's format). */
export function formatBtc(sats: bigint): string {
  return formatScaled(sats, BTC_DECIMALS);
}

/** "0.0031", "1", "0": BTC without trailing zeros, as BIP21 `amount=` wants it. */
export function formatBtcTrimmed(sats: bigint): string {
  return formatScaled(sats, BTC_DECIMALS, { trim: true });
}

/**
 * Reads an exchange rate: the price of 1 BTC in the currency's major unit ("70862.71").
 * Must be a decimal greater than zero.
 */
export function parseRate(rate: unknown, field = 'rate'): Decimal {
  const d = parseDecimal(rate, field);
  if (d.negative || d.digits === 0n) {
    throw new TillError('validation_failed', `${field} must be greater than 0`, { field });
  }
  return d;
}

function assertNonNegative(amount: bigint, field: string): void {
  if (amount < 0n) {
    throw new TillError('validation_failed', `${field} must not be negative`, { field });
  }
}

/**
 * Satoshis due for a fiat total: ceil(total × 1e8 / rate), exact in bigint, so the payer
 * never pays less than the price. For a BTC-priced invoice the total already is in sats
 * and the rate is ignored.
 */
export function fiatToSats(totalMinor: bigint, currency: string, rate: string): bigint {
  const decimals = minorUnits(currency);
  assertNonNegative(totalMinor, 'total');
  let sats: bigint;
  if (currency === BTC) {
    sats = totalMinor;
  } else {
    const r = parseRate(rate);
    // total/10^decimals × 10^8 / (digits/10^scale), all brought into one integer fraction.
    sats = divCeil(totalMinor * pow10(BTC_DECIMALS + r.scale), pow10(decimals) * r.digits);
  }
  if (sats > MAX_SATS) {
    throw new TillError('validation_failed', 'total exceeds 21 million BTC at this rate', {
      field: 'total',
    });
  }
  return sats;
}

/**
 * The fiat value of `sats` at `rate`, rounded half-up (away from zero) to the currency's
 * minor unit; for showing amount_paid / amount_due. Negative sats give a negative value.
 * For BTC the sats are returned unchanged.
 */
export function satsToFiatMinor(sats: bigint, currency: string, rate: string): bigint {
  const decimals = minorUnits(currency);
  if (currency === BTC) return sats;
  const r = parseRate(rate);
  return divRoundHalfUp(sats * r.digits * pow10(decimals), pow10(BTC_DECIMALS + r.scale));
}
