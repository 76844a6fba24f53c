import { expect } from 'chai';
import type { RandomBytes } from '../../../src/domain/ids.js';
import {
  API_KEY_PREFIX_LENGTH,
  formatInvoiceNumber,
  hashApiKey,
  isApiKeyFormat,
  isBitpayId,
  isPublicId,
  isRef,
  isValidSlug,
  newApiKey,
  newBitpayId,
  newPublicId,
  newRef,
  newWebhookSecret,
  normalizeRef,
  parseInvoiceNumber,
  slugify,
} from '../../../src/domain/ids.js';
import { TillError } from '../../../src/domain/errors.js';
import { loadFixture } from './helpers.js';

interface IdsFixture {
  random: {
    name: string;
    bytes: string;
    ref: string;
    publicId: string;
    bitpayId: string;
    webhookSecret: string;
    apiKey: string;
    apiKeyPrefix: string;
  }[];
  hashApiKey: { key: string; sha256: string }[];
  slugify: { title: string; slug: string }[];
  isValidSlug: { valid: string[]; invalid: string[] };
  invoiceNumber: {
    valid: { n: number; text: string }[];
    parseCaseInsensitive: { text: string; n: number }[];
    parseInvalid: string[];
    formatInvalid: number[];
  };
  ref: { valid: string[]; invalid: string[]; normalize: { text: string; ref: string | null }[] };
  publicId: { valid: string[]; invalid: string[] };
  bitpayId: { valid: string[]; invalid: string[] };
  apiKey: { invalid: string[] };
}

const fixture = loadFixture<IdsFixture>('ids.json');

/** Hands out the start of a fixed byte string, as much as asked for. */
function fixedRandom(hex: string): RandomBytes {
  const bytes = Buffer.from(hex, 'hex');
  return (size) => Uint8Array.from(bytes.subarray(0, size));
}

const MANY = 300;

// Plain loops and one assertion each: chai per id would dominate the run time.
function expectUnique(make: () => string, shape: (s: string) => boolean): void {
  const ids = Array.from({ length: MANY }, make);
  expect(ids.filter((id) => !shape(id))).to.deep.equal([]);
  expect(new Set(ids).size).to.equal(MANY);
}

describe('domain/ids', () => {
  describe('with injected random bytes', () => {
    for (const v of fixture.random) {
      it(`${v.name} bytes give fixed ids`, () => {
        const random = fixedRandom(v.bytes);
        expect(newRef(random)).to.equal(v.ref);
        expect(newPublicId(random)).to.equal(v.publicId);
        expect(newBitpayId(random)).to.equal(v.bitpayId);
        expect(newWebhookSecret(random)).to.equal(v.webhookSecret);
        expect(newApiKey(random)).to.deep.equal({ key: v.apiKey, prefix: v.apiKeyPrefix });
      });
    }
    it('refuses a random source that returns the wrong length', () => {
      expect(() => newRef(() => new Uint8Array(7))).to.throw(RangeError);
    });
  });

  describe('fresh ids have the right shape and do not repeat', () => {
    it('ref', () => expectUnique(() => newRef(), isRef));
    it('public id (UUID v4)', () => expectUnique(() => newPublicId(), isPublicId));
    it('BitPay id (22 base58 characters)', () => expectUnique(() => newBitpayId(), isBitpayId));
    it('webhook secret', () => expectUnique(() => newWebhookSecret(), (s) => /^whsec_[0-9a-f]{64}$/.test(s)));
    it('API key and prefix', () => {
      const keys = Array.from({ length: MANY }, () => newApiKey());
      expect(keys.filter(({ key, prefix }) => !isApiKeyFormat(key) || prefix !== key.slice(0, API_KEY_PREFIX_LENGTH))).to.deep.equal([]);
      expect(keys[0]?.prefix).to.have.length(12);
      expect(new Set(keys.map((k) => k.key)).size).to.equal(MANY);
    });
  });

  describe('hashApiKey', () => {
    for (const v of fixture.hashApiKey) {
      it(`sha256 of ${JSON.stringify(v.key)}`, () => {
        expect(hashApiKey(v.key)).to.equal(v.sha256);
      });
    }
    it('is stable and differs between keys', () => {
      const a = newApiKey().key;
      const b = newApiKey().key;
      expect(hashApiKey(a)).to.equal(hashApiKey(a));
      expect(hashApiKey(a)).to.not.equal(hashApiKey(b));
    });
  });

  describe('invoice numbers', () => {
    for (const { n, text } of fixture.invoiceNumber.valid) {
      it(`${n} ⇄ ${text}`, () => {
        expect(formatInvoiceNumber(n)).to.equal(text);
        expect(formatInvoiceNumber(BigInt(n))).to.equal(text);
        expect(parseInvoiceNumber(text)).to.equal(n);
      });
    }
    for (const { text, n } of fixture.invoiceNumber.parseCaseInsensitive) {
      it(`parses ${text} as ${n}`, () => expect(parseInvoiceNumber(text)).to.equal(n));
    }
    for (const text of fixture.invoiceNumber.parseInvalid) {
      it(`does not parse ${JSON.stringify(text)}`, () => expect(parseInvoiceNumber(text)).to.equal(null));
    }
    for (const n of fixture.invoiceNumber.formatInvalid) {
      it(`refuses to format ${n}`, () => expect(() => formatInvoiceNumber(n)).to.throw(TillError));
    }
  });

  describe('refs', () => {
    for (const s of fixture.ref.valid) it(`accepts ${s}`, () => expect(isRef(s)).to.equal(true));
    for (const s of fixture.ref.invalid) it(`refuses ${JSON.stringify(s)}`, () => expect(isRef(s)).to.equal(false));
    for (const { text, ref } of fixture.ref.normalize) {
      it(`normalizes ${text} to ${String(ref)}`, () => expect(normalizeRef(text)).to.equal(ref));
    }
  });

  describe('public and BitPay ids', () => {
    for (const s of fixture.publicId.valid) it(`accepts UUID ${s}`, () => expect(isPublicId(s)).to.equal(true));
    for (const s of fixture.publicId.invalid) it(`refuses UUID ${JSON.stringify(s)}`, () => expect(isPublicId(s)).to.equal(false));
    for (const s of fixture.bitpayId.valid) it(`accepts BitPay id ${s}`, () => expect(isBitpayId(s)).to.equal(true));
    for (const s of fixture.bitpayId.invalid) it(`refuses BitPay id ${JSON.stringify(s)}`, () => expect(isBitpayId(s)).to.equal(false));
    for (const s of fixture.apiKey.invalid) it(`refuses API key ${JSON.stringify(s)}`, () => expect(isApiKeyFormat(s)).to.equal(false));
  });

  describe('slugs', () => {
    for (const { title, slug } of fixture.slugify) {
      it(`${JSON.stringify(title.length > 40 ? `${title.slice(0, 37)}...` : title)} → ${JSON.stringify(slug)}`, () => {
        expect(slugify(title)).to.equal(slug);
        if (slug !== '') expect(isValidSlug(slug)).to.equal(true);
      });
    }
    for (const s of fixture.isValidSlug.valid) it(`valid slug ${JSON.stringify(s)}`, () => expect(isValidSlug(s)).to.equal(true));
    for (const s of fixture.isValidSlug.invalid) it(`invalid slug ${JSON.stringify(s)}`, () => expect(isValidSlug(s)).to.equal(false));
  });
});
