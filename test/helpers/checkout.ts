/** Helpers for the checkout dialect's tests (seed 003): its auth header, exact numbers, QR decoding. */
import { expect } from 'chai';
import jsqrModule from 'jsqr';
import { isLosslessNumber, parse, type LosslessNumber } from 'lossless-json';
import { PNG } from 'pngjs';
import { parseSats } from '../../src/domain/money.js';
import type { Response, TestTill } from './till.js';

export interface CheckoutRequest {
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** jsqr is CommonJS: its function is module.exports, the default import here (its types say `.default`). */
const jsQR = jsqrModule as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

/** A caller of /api/checkout with `X-Api-Key: <key>` (the test key by default) and no Bearer. */
export function checkoutClient(t: TestTill, key: string = t.key) {
  return <T = any>(method: string, path: string, o: CheckoutRequest = {}): Promise<Response<T>> =>
    t.request<T>(method, `/api/checkout${path}`, { ...o, key: null, headers: { 'X-Api-Key': key, ...o.headers } });
}

/** The response text parsed with every number kept as its literal (LosslessNumber). */
export function exact(text: string): any {
  return parse(text);
}

/** The literal of a JSON number field, asserting it is one. */
export function numberText(value: unknown, what = 'value'): string {
  expect(isLosslessNumber(value), `${what} is a JSON number (got ${JSON.stringify(value)})`).to.equal(true);
  return (value as LosslessNumber).toString();
}

/** A BTC JSON number read exactly into satoshis. */
export function satsOf(value: unknown, what = 'value'): bigint {
  return parseSats(numberText(value, what), what);
}

/** The text a `qrCode` data URI's PNG holds, read by a real QR decoder (pngjs → jsQR). */
export function decodeQr(dataUri: string): string {
  const prefix = 'data:image/png;base64,';
  expect(dataUri.startsWith(prefix), 'a PNG data URI').to.equal(true);
  const png = PNG.sync.read(Buffer.from(dataUri.slice(prefix.length), 'base64'));
  const code = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  expect(code, 'the QR code decodes').to.not.equal(null);
  return code!.data;
}

/** ISO-8601 UTC with milliseconds, as the seed prints times. */
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The fields of the seed's create example, in its order. */
export const CREATE_FIELDS = [
  'id', 'amountUsd', 'amountBtc', 'btcRate', 'btcAddress', 'qrCode', 'status', 'productName', 'redirectUrl',
  'expiresAt', 'ttlMinutes', 'createdAt',
] as const;

/** The fields of the seed's status example, exactly. */
export const STATUS_FIELDS = [
  'status', 'confirmations', 'txHash', 'txHashes', 'paidAt', 'confirmedAt', 'paymentState', 'receivedBtc',
  'remainingBtc', 'overpaidBtc', 'timeRemainingSeconds',
] as const;

/** Every JSON type of a status poll answer as the seed prints it. */
export function expectStatusShape(text: string): any {
  const s = exact(text);
  expect(Object.keys(s)).to.deep.equal([...STATUS_FIELDS]);
  expect(s.status).to.be.oneOf(['pending', 'paid', 'confirmed', 'expired', 'cancelled', 'underpaid']);
  expect(s.paymentState).to.be.oneOf(['unpaid', 'partial', 'exact', 'overpaid']);
  for (const f of ['confirmations', 'receivedBtc', 'remainingBtc', 'overpaidBtc', 'timeRemainingSeconds']) numberText(s[f], f);
  expect(Number.isInteger(JSON.parse(text).confirmations)).to.equal(true);
  expect(Number.isInteger(JSON.parse(text).timeRemainingSeconds)).to.equal(true);
  if (s.txHash !== null) expect(s.txHash).to.match(/^[0-9a-f]{64}$/);
  expect(s.txHashes).to.be.an('array');
  expect(s.txHash).to.equal(s.txHashes[0] ?? null);
  for (const f of ['paidAt', 'confirmedAt']) if (s[f] !== null) expect(s[f]).to.match(ISO_MS);
  return s;
}
