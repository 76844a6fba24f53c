/**
 * CSV as RFC 4180 writes it, for a merchant's spreadsheet: every field quoted when it holds
 * a quote, comma or line break (quotes doubled), lines ended by CRLF. Customer data may be
 * hostile, so a text field a spreadsheet would run as a formula (starting with = + - @,
 * a tab or a carriage return) gets a leading apostrophe; plain numbers ("-0.50") are left
 * as they are, being no formula.
 */
const NUMBER = /^-?\d+(\.\d+)?$/;
const FORMULA = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type Cell = string | number | null | undefined;

export function csvField(v: Cell): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (FORMULA.test(s) && !NUMBER.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly Cell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** A moment as ISO 8601 UTC ("2026-03-13T18:00:00.000Z"); empty for none. */
export function isoOrEmpty(ms: number | null): string {
  return ms === null ? '' : new Date(ms).toISOString();
}
