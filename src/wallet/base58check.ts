import { createHash } from 'node:crypto';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const DIGIT = new Map<string, number>([...ALPHABET].map((c, i) => [c, i]));

export type Base58CheckResult =
  | { ok: true; payload: Uint8Array }
  | { ok: false; reason: 'not_base58' | 'bad_checksum' | 'too_short' };

function doubleSha256(data: Uint8Array): Uint8Array {
  const once = createHash('sha256').update(data).digest();
  return createHash('sha256').update(once).digest();
}

function decodeBase58(text: string): Uint8Array | null {
  if (text.length === 0) return null;
  let value = 0n;
  for (const c of text) {
    const digit = DIGIT.get(c);
    if (digit === undefined) return null;
    value = value * 58n + BigInt(digit);
  }
  const bytes: number[] = [];
  while (value > 0n) {
    bytes.push(Number(value & 0xffn));
    value >>= 8n;
  }
  // Each leading '1' stands for one leading zero byte.
  for (const c of text) {
    if (c !== '1') break;
    bytes.push(0);
  }
  return Uint8Array.from(bytes.reverse());
}

function encodeBase58(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = '1' + out;
  }
  return out;
}

/**
 * Decodes base58check without throwing, so that callers can tell the user which of
 * "not base58", "typo" (checksum) or "wrong kind of string" went wrong.
 */
export function decodeBase58Check(text: string): Base58CheckResult {
  const raw = decodeBase58(text);
  if (raw === null) return { ok: false, reason: 'not_base58' };
  if (raw.length < 4) return { ok: false, reason: 'too_short' };
  const payload = raw.subarray(0, raw.length - 4);
  const checksum = raw.subarray(raw.length - 4);
  const expected = doubleSha256(payload);
  for (let i = 0; i < 4; i++) {
    if (checksum[i] !== expected[i]) return { ok: false, reason: 'bad_checksum' };
  }
  return { ok: true, payload };
}

export function encodeBase58Check(payload: Uint8Array): string {
  const checksum = doubleSha256(payload).subarray(0, 4);
  const full = new Uint8Array(payload.length + 4);
  full.set(payload, 0);
  full.set(checksum, payload.length);
  return encodeBase58(full);
}
