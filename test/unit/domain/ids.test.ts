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
import { fixture, type Vectors } from '../../helpers/fixtures.js';

const ids = <T>(name: string): T => fixture<T>('domain', `ids/${name}`);
const newIds = ids<
  Vectors<{ bytes: string; ref: string; publicId: string; bitpayId: string; webhookSecret: string; apiKey: string; apiKeyPrefix: string }>
>('new-ids');
const hashes = ids<Vectors<{ key: string; sha256: string }>>('hash-api-key');
const slugs = ids<Vectors<{ title: string; slug: string }>>('slugify');
const validSlugs = ids<Vectors<{ slug: string }, { slug: string }>>('is-valid-slug');
/** Valid: format and parse agree, or (parseOnly) parse alone. Invalid: text parse refuses, or n format refuses. */
const invoiceNumbers = ids<Vectors<{ n: number; text: string; parseOnly?: true }, { text: string } | { n: number }>>('invoice-number');
const refs = ids<Vectors<{ ref: string }, { ref: string }>>('is-ref');
const normalized = ids<Vectors<{ text: string; ref: string }, { text: string }>>('normalize-ref');
const publicIds = ids<Vectors<{ id: string }, { id: string }>>('is-public-id');
const bitpayIds = ids<Vectors<{ id: string }, { id: string }>>('is-bitpay-id');
const apiKeys = ids<Vectors<never, { key: string }>>('is-api-key-format');

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
    for (const v of newIds.valid) {
      it(v.description, () => {
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
    for (const v of hashes.valid) {
      it(v.description, () => {
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
    for (const { description, n, text, parseOnly } of invoiceNumbers.valid) {
      if (parseOnly) {
        it(description, () => expect(parseInvoiceNumber(text)).to.equal(n));
        continue;
      }
      it(description, () => {
        expect(formatInvoiceNumber(n)).to.equal(text);
        expect(formatInvoiceNumber(BigInt(n))).to.equal(text);
        expect(parseInvoiceNumber(text)).to.equal(n);
      });
    }
    for (const c of invoiceNumbers.invalid) {
      if ('text' in c) it(c.description, () => expect(parseInvoiceNumber(c.text)).to.equal(null));
      else it(c.description, () => expect(() => formatInvoiceNumber(c.n)).to.throw(TillError));
    }
  });

  describe('refs', () => {
    for (const c of refs.valid) it(c.description, () => expect(isRef(c.ref)).to.equal(true));
    for (const c of refs.invalid) it(c.description, () => expect(isRef(c.ref)).to.equal(false));
    for (const c of normalized.valid) it(c.description, () => expect(normalizeRef(c.text)).to.equal(c.ref));
    for (const c of normalized.invalid) it(c.description, () => expect(normalizeRef(c.text)).to.equal(null));
  });

  describe('public and BitPay ids', () => {
    for (const c of publicIds.valid) it(c.description, () => expect(isPublicId(c.id)).to.equal(true));
    for (const c of publicIds.invalid) it(c.description, () => expect(isPublicId(c.id)).to.equal(false));
    for (const c of bitpayIds.valid) it(c.description, () => expect(isBitpayId(c.id)).to.equal(true));
    for (const c of bitpayIds.invalid) it(c.description, () => expect(isBitpayId(c.id)).to.equal(false));
    for (const c of apiKeys.invalid) it(c.description, () => expect(isApiKeyFormat(c.key)).to.equal(false));
  });

  describe('slugs', () => {
    for (const { description, title, slug } of slugs.valid) {
      it(description, () => {
        expect(slugify(title)).to.equal(slug);
        if (slug !== '') expect(isValidSlug(slug)).to.equal(true);
      });
    }
    for (const c of validSlugs.valid) it(c.description, () => expect(isValidSlug(c.slug)).to.equal(true));
    for (const c of validSlugs.invalid) it(c.description, () => expect(isValidSlug(c.slug)).to.equal(false));
  });
});
