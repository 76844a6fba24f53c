import { createHash, randomBytes as cryptoRandomBytes } from 'node:crypto';
import { TillError } from './errors.js';

/** Source of secure random bytes; tests inject a deterministic one. */
export type RandomBytes = (size: number) => Uint8Array;

const secureRandom: RandomBytes = (size) => cryptoRandomBytes(size);

function take(random: RandomBytes, size: number): Uint8Array {
  const bytes = random(size);
  if (bytes.length !== size) throw new RangeError(`randomBytes returned ${bytes.length} bytes, wanted ${size}`);
  return bytes;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// --- ref: "A1B2C3D4-E5F6A7B8" (the v1 seed's format; 64 random bits) ---

const REF = /^[0-9A-F]{8}-[0-9A-F]{8}$/;

export function newRef(random: RandomBytes = secureRandom): string {
  const h = hex(take(random, 8)).toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8)}`;
}

/** Strict: upper-case hex only, as Till prints it. */
export function isRef(value: unknown): value is string {
  return typeof value === 'string' && REF.test(value);
}

/** The canonical ref for a value a person may have typed in lower case, else null. */
export function normalizeRef(value: string): string | null {
  const upper = value.toUpperCase();
  return REF.test(upper) ? upper : null;
}

// --- invoice number: "INV-0001", "INV-10000" ---

const INVOICE_NUMBER = /^INV-([0-9]{4,16})$/i;

export function formatInvoiceNumber(n: number | bigint): string {
  const value = typeof n === 'bigint' ? n : Number.isSafeInteger(n) ? BigInt(n) : -1n;
  if (value < 1n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TillError('internal', `invoice number must be a positive safe integer, got ${String(n)}`);
  }
  return `INV-${value.toString().padStart(4, '0')}`;
}

/**
 * The sequence number of "INV-0042" (42), or null. Only the canonical spelling parses
 * ("INV-00042" and "INV-42" do not), so one invoice has one number; the prefix is
 * case-insensitive.
 */
export function parseInvoiceNumber(value: string): number | null {
  const match = INVOICE_NUMBER.exec(value);
  const digits = match?.[1];
  if (digits === undefined) return null;
  const n = Number(digits);
  if (!Number.isSafeInteger(n) || n < 1) return null;
  return formatInvoiceNumber(n) === `INV-${digits}` ? n : null;
}

// --- public id: UUID v4, the checkout id and the /i/<id> page capability ---

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newPublicId(random: RandomBytes = secureRandom): string {
  const b = Uint8Array.from(take(random, 16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40; // version 4
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80; // RFC 4122 variant
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Strict: lower-case UUID v4 as Till generates it. */
export function isPublicId(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}

// --- base58 (Bitcoin alphabet), fixed width so every id has the same length ---

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Big-endian bytes as a base58 number left-padded with '1' (zero) to `width` characters. */
function base58Fixed(bytes: Uint8Array, width: number): string {
  let n = bytes.length === 0 ? 0n : BigInt(`0x${hex(bytes)}`);
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE58_ALPHABET.charAt(Number(n % 58n)) + out;
    n /= 58n;
  }
  if (n !== 0n) throw new RangeError(`${bytes.length} bytes do not fit in ${width} base58 characters`);
  return out;
}

// 58^22 > 2^128 and 58^44 > 2^256: the smallest widths that hold 16 and 32 bytes.
const BITPAY_ID = /^[1-9A-HJ-NP-Za-km-z]{22}$/;

/** BitPay-style invoice id like "7MxRGVuBC1XvV138b3AqAR": 128 random bits, 22 base58 chars. */
export function newBitpayId(random: RandomBytes = secureRandom): string {
  return base58Fixed(take(random, 16), 22);
}

export function isBitpayId(value: unknown): value is string {
  return typeof value === 'string' && BITPAY_ID.test(value);
}

/**
 * A BitPay invoice's `token` like the seed's "Hncf45uB…": 376 random bits, 65 base58
 * characters (58^65 > 2^376). Kept with the invoice; Till grants nothing for it.
 */
export function newBitpayToken(random: RandomBytes = secureRandom): string {
  return base58Fixed(take(random, 47), 65);
}

// --- secrets ---

/** Webhook signing secret: "whsec_" + 64 hex characters (256 random bits). */
export function newWebhookSecret(random: RandomBytes = secureRandom): string {
  return `whsec_${hex(take(random, 32))}`;
}

export const API_KEY_PREFIX_LENGTH = 12;
const API_KEY = /^till_[1-9A-HJ-NP-Za-km-z]{44}$/;

export interface NewApiKey {
  /** Shown once; only its hash is stored. */
  readonly key: string;
  /** First 12 characters ("till_" + 7), stored in clear to recognise the key in lists. */
  readonly prefix: string;
}

/** "till_" + 256 random bits in base58 (44 characters). */
export function newApiKey(random: RandomBytes = secureRandom): NewApiKey {
  const key = `till_${base58Fixed(take(random, 32), 44)}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX_LENGTH) };
}

/** Cheap shape check before hashing and looking a presented key up. */
export function isApiKeyFormat(value: unknown): value is string {
  return typeof value === 'string' && API_KEY.test(value);
}

/** sha256 of the key's UTF-8 bytes, lower-case hex: what the api_keys table stores. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

// --- payment link slugs ---

export const MAX_SLUG_LENGTH = 64;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

// Letters NFKD does not decompose into a base letter plus marks.
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ħ: 'h', ŧ: 't',
  ŋ: 'n', ĸ: 'k',
};
const TRANSLITERATE = /[ßæœøđðþłıħŧŋĸ]/g;

/**
 * URL slug from a title: "Donate to the Project!" → "donate-to-the-project",
 * "Crème Brûlée" → "creme-brulee", "Don't panic" → "dont-panic". Lower-case a-z0-9 with
 * single dashes, at most 64 characters. May return "" (e.g. for "!!!" or "日本"): the
 * caller decides what to use then.
 */
export function slugify(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(TRANSLITERATE, (c) => TRANSLITERATIONS[c] ?? '')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['\u2019]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.length <= MAX_SLUG_LENGTH ? slug : slug.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
}

export function isValidSlug(value: unknown): value is string {
  return typeof value === 'string' && SLUG.test(value);
}
