import { expect } from 'chai';
import { address as bitcoinAddress } from 'bitcoinjs-lib';
import type { Chain } from '../../../src/wallet/chain.js';
import { networkFor } from '../../../src/wallet/chain.js';
import { verifyDescriptorChecksum } from '../../../src/wallet/descriptor-checksum.js';
import { scriptHexForAddress } from '../../../src/wallet/address.js';
import {
  INDEX_LIMIT,
  deriveAddress,
  deriveRange,
  parseWallet,
} from '../../../src/wallet/watch-only-wallet.js';
import type { ErrorCode } from '../../../src/domain/errors.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectTillError } from './helpers.js';

interface ValidWallet {
  input: string;
  chain: Chain;
  scriptType: string;
  descriptor: string;
  checksum?: string;
  origin: { fingerprint: string; path: string } | null;
  addresses: { index: number; address?: string; scriptHex?: string }[];
}

const wallets = fixture<Vectors<ValidWallet, { input: string; chain: Chain; code: ErrorCode; message: string }>>('wallet', 'wallets');

const BIP84_ZPUB =
  'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs';

describe('wallet/watch-only-wallet', () => {
  describe('parseWallet: valid', () => {
    for (const f of wallets.valid) {
      it(`${f.description} [${f.chain}]`, () => {
        const wallet = parseWallet(f.input, f.chain);
        expect(wallet.scriptType).to.equal(f.scriptType);
        expect(wallet.chain).to.equal(f.chain);
        expect(wallet.origin).to.deep.equal(f.origin);
        expect(wallet.fingerprint).to.match(/^[0-9a-f]{8}$/);

        const [body = '', checksum = ''] = wallet.descriptor.split('#');
        expect(body).to.equal(f.descriptor);
        expect(verifyDescriptorChecksum(body, checksum)).to.equal(true);
        if (f.checksum !== undefined) expect(checksum).to.equal(f.checksum);

        for (const a of f.addresses) {
          const derived = deriveAddress(wallet, a.index);
          expect(derived.index).to.equal(a.index);
          if (a.address !== undefined) expect(derived.address).to.equal(a.address);
          if (a.scriptHex !== undefined) expect(derived.scriptHex).to.equal(a.scriptHex);
          // Address and script must agree by bitcoinjs-lib's own decoding and encoding.
          expect(scriptHexForAddress(derived.address, f.chain)).to.equal(derived.scriptHex);
          expect(
            bitcoinAddress.fromOutputScript(Buffer.from(derived.scriptHex, 'hex'), networkFor(f.chain)),
          ).to.equal(derived.address);
        }
      });
    }
  });

  describe('parseWallet: the canonical descriptor parses back to the same wallet', () => {
    for (const f of wallets.valid) {
      it(f.description, () => {
        const wallet = parseWallet(f.input, f.chain);
        const again = parseWallet(wallet.descriptor, f.chain);
        expect(again.descriptor).to.equal(wallet.descriptor);
        expect(again.scriptType).to.equal(wallet.scriptType);
        expect(again.fingerprint).to.equal(wallet.fingerprint);
        expect(again.origin).to.deep.equal(wallet.origin);
        expect(deriveRange(again, 0, 3)).to.deep.equal(deriveRange(wallet, 0, 3));
      });
    }
  });

  describe('parseWallet: invalid', () => {
    for (const f of wallets.invalid) {
      it(`${f.description} [${f.chain}] → ${f.code}`, () => {
        expectTillError(() => parseWallet(f.input, f.chain), f.code, f.message);
      });
    }
  });

  describe('deriveRange', () => {
    const wallet = parseWallet(BIP84_ZPUB, 'main');

    it('returns `count` consecutive addresses from `from`, in order', () => {
      const range = deriveRange(wallet, 5, 3);
      expect(range.map((a) => a.index)).to.deep.equal([5, 6, 7]);
      expect(range).to.deep.equal([5, 6, 7].map((i) => deriveAddress(wallet, i)));
      expect(new Set(range.map((a) => a.scriptHex)).size).to.equal(3);
    });

    it('starts with the BIP84 vectors', () => {
      expect(deriveRange(wallet, 0, 2).map((a) => a.address)).to.deep.equal([
        'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu',
        'bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g',
      ]);
    });

    it('returns nothing for count 0', () => {
      expect(deriveRange(wallet, 10, 0)).to.deep.equal([]);
    });

    it('may end exactly at the last non-hardened index', () => {
      const range = deriveRange(wallet, INDEX_LIMIT - 2, 2);
      expect(range.map((a) => a.index)).to.deep.equal([INDEX_LIMIT - 2, INDEX_LIMIT - 1]);
    });

    it('refuses a range that goes past 2^31 - 1', () => {
      expectTillError(() => deriveRange(wallet, INDEX_LIMIT - 1, 2), 'validation_failed', 'goes past the last index');
    });

    for (const [from, count] of [
      [-1, 1],
      [1.5, 1],
      [0, -1],
      [0, 2.5],
      [Number.NaN, 1],
      [0, Number.POSITIVE_INFINITY],
    ] as const) {
      it(`refuses from=${from} count=${count}`, () => {
        expectTillError(() => deriveRange(wallet, from, count), 'validation_failed', 'must be');
      });
    }
  });

  describe('index bounds', () => {
    const wallet = parseWallet(BIP84_ZPUB, 'main');

    it('INDEX_LIMIT is 2^31', () => {
      expect(INDEX_LIMIT).to.equal(2 ** 31);
    });

    it('derives index 2^31 - 1', () => {
      const last = deriveAddress(wallet, INDEX_LIMIT - 1);
      expect(last.index).to.equal(INDEX_LIMIT - 1);
      expect(last.address).to.match(/^bc1q/);
    });

    for (const index of [-1, 2 ** 31, 2 ** 32, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`refuses index ${index}`, () => {
        expectTillError(() => deriveAddress(wallet, index), 'validation_failed', 'index must be an integer from 0 to 2147483647');
      });
    }
  });

  describe('the wallet object', () => {
    it('derives the same address from wallet.derive and deriveAddress', () => {
      const wallet = parseWallet(BIP84_ZPUB, 'main');
      expect(wallet.derive(7)).to.deep.equal(deriveAddress(wallet, 7));
    });

    it('keeps receive and change chains apart', () => {
      const receive = parseWallet(
        'wpkh([73c5da0a/84h/0h/0h]xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V/0/*)',
        'main',
      );
      const change = parseWallet(
        'wpkh([73c5da0a/84h/0h/0h]xpub6CatWdiZiodmUeTDp8LT5or8nmbKNcuyvz7WyksVFkKB4RHwCD3XyuvPEbvqAQY3rAPshWcMLoP2fMFMKHPJ4ZeZXYVUhLv1VMrjPC7PW6V/1/*)',
        'main',
      );
      expect(receive.fingerprint).to.equal(change.fingerprint);
      expect(receive.derive(0).address).to.not.equal(change.derive(0).address);
    });

    it('derives 1,000 addresses well within a generous time budget', function () {
      this.timeout(20_000);
      const wallet = parseWallet(BIP84_ZPUB, 'main');
      const started = performance.now();
      const range = deriveRange(wallet, 0, 1000);
      const elapsed = performance.now() - started;
      expect(range).to.have.length(1000);
      expect(new Set(range.map((a) => a.scriptHex)).size).to.equal(1000);
      expect(elapsed).to.be.below(5_000);
    });
  });
});
