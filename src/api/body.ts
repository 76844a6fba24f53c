import type { TillMiddleware } from './state.js';
import getRawBody from 'raw-body';
import { parse, isSafeNumber } from 'lossless-json';
import { TillError } from '../domain/errors.js';

/**
 * A JSON number whose literal a double cannot hold exactly (1e400, 150.000000000000000001,
 * 12345678901234567890). Kept as its text so money parsing can refuse it precisely instead
 * of rounding it, and so that a field wanting a plain number or string refuses it too.
 */
export class UnsafeNumber {
  constructor(readonly literal: string) {}
}

function parseNumber(text: string): number | UnsafeNumber {
  return isSafeNumber(text) ? Number(text) : new UnsafeNumber(text);
}

/** Deeper than any real request (metadata is a flat bag); deep enough for any client. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The deepest nesting of objects and arrays in a JSON text, stopping as soon as it
 * passes `limit`. One pass over the bytes with no recursion, so the parser (and
 * everything that walks the parsed value recursively) never sees a body deep enough to
 * overflow the stack. Brackets inside strings are text; UTF-8 continuation bytes are
 * all >= 0x80 and never look like ASCII punctuation. Malformed input is the parser's
 * business: this only counts.
 */
export function jsonDepthExceeds(raw: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/** True when `path` is `mount` or below it (`/api/invoice`, `/api/invoice/…`), case as given. */
export function under(path: string, mount: string): boolean {
  return path === mount || path.startsWith(`${mount}/`);
}

/**
 * An `application/x-www-form-urlencoded` body as an object of strings: every value stays
 * the text it was (numbers too, for the same exact parsing as a JSON string). A name
 * given twice is refused: one field, one value.
 */
export function parseFormBody(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.prototype.hasOwnProperty.call(out, name)) {
      throw new TillError('validation_failed', `Field ${name.slice(0, 100)} is given more than once`);
    }
    out[name] = value;
  }
  // A plain object from here on, as JSON.parse would give.
  return { ...out };
}

/**
 * Whether any string of a parsed body, value or name, holds U+0000. PostgreSQL cannot
 * store NUL in text (SQLite can): refused here, the request gets the same 400 on either
 * engine instead of a 500 from the database on one. Bodies are no deeper than
 * MAX_JSON_DEPTH, so the walk cannot overflow the stack.
 */
export function holdsNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some(holdsNul);
  if (typeof v === 'object' && v !== null) return Object.entries(v).some(([k, x]) => k.includes('\u0000') || holdsNul(x));
  return false;
}

const NUL_REFUSED = 'Text in the request body may not contain the NUL character (U+0000)';

/**
 * Reads a JSON request body with a hard size limit. An empty body reads as `{}` only
 * where the route allows it; anything that is not JSON is a 400, a body over the limit
 * a 413, a body that is not declared JSON a 415. Under `formMounts` (the mounts of a
 * dialect whose old clients post HTML forms: BitPay's /api/invoice) an
 * `application/x-www-form-urlencoded` body is read too, as an object of strings.
 */
export function jsonBody(maxBytes: number, formMounts: readonly string[] = []): TillMiddleware {
  return async (ctx, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) return next();
    const length = ctx.request.length;
    if (length !== undefined && length > maxBytes) {
      throw new TillError('body_too_large', `Request body is larger than ${maxBytes} bytes`);
    }
    let raw: Buffer;
    try {
      raw = await getRawBody(ctx.req, { limit: maxBytes, length: ctx.request.length });
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type === 'entity.too.large') throw new TillError('body_too_large', `Request body is larger than ${maxBytes} bytes`);
      throw new TillError('validation_failed', `Could not read the request body (${(e as Error).message})`);
    }
    ctx.state.rawBody = raw;
    if (raw.length === 0 || raw.toString('utf8').trim() === '') {
      ctx.request.body = undefined;
      return next();
    }
    if (formMounts.some((m) => under(ctx.path, m)) && ctx.is('application/x-www-form-urlencoded')) {
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        throw new TillError('validation_failed', 'Request body is not valid UTF-8');
      }
      const form = parseFormBody(text);
      if (holdsNul(form)) throw new TillError('validation_failed', NUL_REFUSED);
      ctx.request.body = form;
      return next();
    }
    if (!ctx.is('application/json', '+json')) {
      throw new TillError(
        'unsupported_media_type',
        formMounts.some((m) => under(ctx.path, m))
          ? 'Request body must be JSON (Content-Type: application/json) or a form (application/x-www-form-urlencoded)'
          : 'Request body must be JSON (Content-Type: application/json)',
      );
    }
    if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
      throw new TillError('validation_failed', `Request body is JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
    let body: unknown;
    try {
      body = parse(raw.toString('utf8'), null, parseNumber);
    } catch (e) {
      throw new TillError('malformed_json', `Malformed JSON body: ${(e as Error).message}`);
    }
    if (holdsNul(body)) throw new TillError('validation_failed', NUL_REFUSED);
    ctx.request.body = body;
    return next();
  };
}

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}

/** Free-form JSON (metadata) with any UnsafeNumber turned back into its exact text. */
export function toPlainJson(value: unknown): unknown {
  if (value instanceof UnsafeNumber) return value.literal;
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlainJson(v);
    return out;
  }
  return value;
}
