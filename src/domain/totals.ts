import { parseCurrency } from './currency.js';
import { divRoundHalfUp, formatScaled, pow10, toScaled } from './decimal.js';
import { TillError } from './errors.js';
import { formatMoney, MAX_MONEY_MINOR, parseMoney } from './money.js';

/** Quantities may have up to 6 decimals (1.5 hours, 0.125 kg, 0.000001 of anything). */
export const QUANTITY_DECIMALS = 6;
/** A quantity above one billion is a typo, not an order. */
export const MAX_QUANTITY_UNITS = 1_000_000_000n * 10n ** BigInt(QUANTITY_DECIMALS);
/** Tax rate as a percentage with up to 4 decimals ("7.6875"), 0 to 100. */
export const TAX_RATE_DECIMALS = 4;
const MAX_TAX_RATE_UNITS = 100n * 10n ** BigInt(TAX_RATE_DECIMALS);
export const MAX_LINES = 500;
export const MAX_DESCRIPTION_LENGTH = 1000;

/** One line as it arrives from JSON: quantity and unit_price are raw strings or numbers. */
export interface RawInvoiceLine {
  readonly description?: unknown;
  readonly quantity?: unknown;
  readonly unit_price?: unknown;
}

export interface TotalsInput {
  /** Raw user value; must be a non-empty array of line objects. */
  readonly lines: unknown;
  readonly currency: unknown;
  /** Percentage, optional (absent or null = 0). */
  readonly tax_rate?: unknown;
  /** Currency units, optional (absent or null = 0). */
  readonly discount_amount?: unknown;
}

export interface PricedLine {
  readonly description: string;
  /** Canonical decimal string: "2", "1.5", "0.000001". */
  readonly quantity: string;
  /** Minor units of the invoice currency. */
  readonly unitPrice: bigint;
  /** quantity × unitPrice rounded half-up to a minor unit. */
  readonly amount: bigint;
}

export interface InvoiceTotals {
  /** Upper-case code ("usd" in the input becomes "USD"). */
  readonly currency: string;
  readonly lines: readonly PricedLine[];
  /** Canonical percentage string: "0", "10", "7.5". */
  readonly taxRate: string;
  readonly subtotal: bigint;
  readonly tax: bigint;
  readonly discount: bigint;
  /** subtotal + tax − discount, never below 0. */
  readonly total: bigint;
}

function fail(field: string, message: string): TillError {
  return new TillError('validation_failed', `${field} ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function maxMoney(currency: string): string {
  return `${formatMoney(MAX_MONEY_MINOR, currency)} ${currency}`;
}

function parseLine(raw: unknown, index: number, currency: string): PricedLine {
  const at = `lines[${index}]`;
  if (!isRecord(raw)) throw fail(at, 'must be an object');
  const line: RawInvoiceLine = raw;

  const description = line.description;
  if (typeof description !== 'string' || description.trim() === '') {
    throw fail(`${at}.description`, 'is required');
  }
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw fail(`${at}.description`, `must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  if (line.quantity === undefined || line.quantity === null) {
    throw fail(`${at}.quantity`, 'is required');
  }
  if (line.unit_price === undefined || line.unit_price === null) {
    throw fail(`${at}.unit_price`, 'is required');
  }
  const quantity = toScaled(line.quantity, QUANTITY_DECIMALS, `${at}.quantity`, {
    allowZero: false,
    max: MAX_QUANTITY_UNITS,
  });
  const unitPrice = parseMoney(line.unit_price, currency, `${at}.unit_price`);
  const amount = divRoundHalfUp(quantity * unitPrice, pow10(QUANTITY_DECIMALS));
  if (amount > MAX_MONEY_MINOR) {
    throw fail(at, `amount (quantity × unit_price) exceeds the maximum of ${maxMoney(currency)}`);
  }
  return {
    description,
    quantity: formatScaled(quantity, QUANTITY_DECIMALS, { trim: true }),
    unitPrice,
    amount,
  };
}

/**
 * v1 invoice totals, exact in bigint:
 *   amount   = round_half_up(quantity × unit_price)        per line, to the minor unit
 *   subtotal = Σ amount
 *   tax      = round_half_up(subtotal × tax_rate / 100)
 *   total    = max(0, subtotal + tax − discount)
 * Every figure stays ≤ MAX_MONEY_MINOR. Errors are validation_failed naming the exact field
 * (`lines[1].unit_price`, `tax_rate`, ...).
 */
export function computeInvoiceTotals(input: TotalsInput): InvoiceTotals {
  const currency = parseCurrency(input.currency, 'currency');

  const rawLines = input.lines;
  if (!Array.isArray(rawLines) || rawLines.length === 0) {
    throw fail('lines', 'must be a non-empty array');
  }
  if (rawLines.length > MAX_LINES) throw fail('lines', `must have at most ${MAX_LINES} items`);

  const lines: PricedLine[] = [];
  let subtotal = 0n;
  for (const [index, raw] of (rawLines as unknown[]).entries()) {
    const line = parseLine(raw, index, currency);
    subtotal += line.amount;
    if (subtotal > MAX_MONEY_MINOR) {
      throw fail('lines', `add up to more than the maximum of ${maxMoney(currency)}`);
    }
    lines.push(line);
  }

  const taxRateUnits =
    input.tax_rate === undefined || input.tax_rate === null
      ? 0n
      : toScaled(input.tax_rate, TAX_RATE_DECIMALS, 'tax_rate', { max: MAX_TAX_RATE_UNITS });
  const tax = divRoundHalfUp(subtotal * taxRateUnits, 100n * pow10(TAX_RATE_DECIMALS));
  if (subtotal + tax > MAX_MONEY_MINOR) {
    throw fail('tax_rate', `brings subtotal + tax above the maximum of ${maxMoney(currency)}`);
  }

  const discount =
    input.discount_amount === undefined || input.discount_amount === null
      ? 0n
      : parseMoney(input.discount_amount, currency, 'discount_amount');

  const net = subtotal + tax - discount;
  return {
    currency,
    lines,
    taxRate: formatScaled(taxRateUnits, TAX_RATE_DECIMALS, { trim: true }),
    subtotal,
    tax,
    discount,
    total: net > 0n ? net : 0n,
  };
}
