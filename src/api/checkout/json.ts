import { LosslessNumber, stringify } from 'lossless-json';
import { BTC_DECIMALS, minorUnits } from '../../domain/currency.js';
import { formatDecimal, formatScaled, readDecimalText } from '../../domain/decimal.js';
import { TillError } from '../../domain/errors.js';
import type { TillContext } from '../state.js';

/**
 * The checkout seed prints money as JSON numbers (`"amountBtc": 0.0005`). These are
 * written from the exact integers straight into the JSON text as LosslessNumbers, so no
 * amount ever passes through a JS float on its way out.
 */
export type JsonNumber = LosslessNumber;

/** Satoshis as a BTC JSON number: 50000n → 0.0005, 0n → 0. */
export function btcNumber(sats: bigint): JsonNumber {
  return new LosslessNumber(formatScaled(sats, BTC_DECIMALS, { trim: true }));
}

/** Minor units of `currency` as a JSON number: 4999n USD → 49.99, 5000n → 50. */
export function moneyNumber(minor: bigint, currency: string): JsonNumber {
  return new LosslessNumber(formatScaled(minor, minorUnits(currency), { trim: true }));
}

/** A stored decimal string (a locked rate, "99980.00") as its canonical JSON number (99980). */
export function decimalNumber(text: string): JsonNumber {
  const d = readDecimalText(text);
  if (d === undefined) throw new TillError('internal', `not a decimal: ${text}`);
  return new LosslessNumber(formatDecimal(d));
}

/** Answers with `body` as JSON text, its LosslessNumbers written digit for digit. */
export function sendJson(ctx: TillContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = stringify(body) ?? 'null';
}
