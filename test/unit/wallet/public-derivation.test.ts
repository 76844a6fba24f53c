import { expect } from 'chai';
import { crypto, payments, networks } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import type { BIP32Interface } from 'bip32';
import { bip32Api, ensureEcc } from '../../../src/wallet/ecc.js';
import { parseExtendedKey } from '../../../src/wallet/extended-key.js';
import {
  addGeneratorMultiple,
  compress,
  publicChild,
  publicNode,
  withEvenY,
} from '../../../src/wallet/public-derivation.js';
import type { PublicNode } from '../../../src/wallet/public-derivation.js';
import { outputForKey } from '../../../src/wallet/script-type.js';
import type { ScriptType } from '../../../src/wallet/script-type.js';
import { parseWallet } from '../../../src/wallet/watch-only-wallet.js';
import { hex, loadFixture } from './helpers.js';

interface Bip32Fixture {
  valid: { source: string; parent: string; path: number[]; child: string }[];
}

const fixture = loadFixture<Bip32Fixture>('bip32-public.json');
const bip32 = bip32Api();

function nodeOf(key: string): PublicNode {
  const parsed = parseExtendedKey(key, bip32).node;
  return publicNode(parsed.publicKey, parsed.chainCode);
}

describe('wallet/public-derivation (BIP32 CKDpub)', () => {
  describe('BIP32 test vectors: public derivation steps', () => {
    for (const f of fixture.valid) {
      it(f.source, () => {
        const expected = parseExtendedKey(f.child, bip32).node;
        const derived = f.path.reduce((node, step) => publicChild(node, step), nodeOf(f.parent));
        expect(hex(compress(derived.point))).to.equal(hex(expected.publicKey));
        expect(hex(derived.chainCode)).to.equal(hex(expected.chainCode));
      });

      it(`${f.source}, through descriptors: pkh(parent/${f.path.join('/')}/*) = pkh(child/*)`, () => {
        const viaParent = parseWallet(`pkh(${f.parent}/${f.path.join('/')}/*)`, 'main');
        const viaChild = parseWallet(`pkh(${f.child}/*)`, 'main');
        for (const i of [0, 1, 1000]) {
          expect(viaParent.derive(i)).to.deep.equal(viaChild.derive(i));
        }
      });
    }
  });

  describe('agrees with the bip32 library and bitcoinjs-lib payments', () => {
    ensureEcc();
    const parents = [...new Set(fixture.valid.flatMap((f) => [f.parent, f.child]))];
    const indexes = [0, 1, 2, 3, 17, 255, 256, 65_535, 1_000_000, 2 ** 31 - 1];
    const types: ScriptType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

    function referenceOutput(type: ScriptType, child: BIP32Interface): string {
      const pubkey = child.publicKey;
      const network = networks.bitcoin;
      const payment =
        type === 'p2pkh'
          ? payments.p2pkh({ pubkey, network })
          : type === 'p2sh-p2wpkh'
            ? payments.p2sh({ redeem: payments.p2wpkh({ pubkey, network }), network })
            : type === 'p2wpkh'
              ? payments.p2wpkh({ pubkey, network })
              : payments.p2tr({ internalPubkey: pubkey.subarray(1, 33), network });
      return `${payment.address}:${hex(payment.output ?? new Uint8Array())}`;
    }

    for (const key of parents) {
      it(`children of ${key.slice(0, 16)}…`, () => {
        const reference = parseExtendedKey(key, bip32).node;
        const mine = nodeOf(key);
        for (const index of indexes) {
          const expected = reference.derive(index);
          const child = publicChild(mine, index);
          expect(hex(compress(child.point)), `index ${index}`).to.equal(hex(expected.publicKey));
          expect(hex(child.chainCode), `index ${index}`).to.equal(hex(expected.chainCode));
          for (const type of types) {
            const out = outputForKey(type, child.point, networks.bitcoin);
            expect(`${out.address}:${hex(out.output)}`, `${type} index ${index}`).to.equal(referenceOutput(type, expected));
          }
        }
      });
    }
  });

  describe('withEvenY and addGeneratorMultiple', () => {
    it('lift the x-only key and tweak it exactly as xOnlyPointAddTweak does', () => {
      let odd = 0;
      for (let i = 1; i <= 40; i++) {
        const scalar = crypto.sha256(Buffer.from(`key ${i}`));
        const point = ecc.pointFromScalar(scalar, false);
        if (point === null) throw new Error('test key out of range');
        if ((point[64] as number) & 1) odd++;
        const even = withEvenY(point);
        expect(hex(compress(even)).slice(0, 2)).to.equal('02');
        expect(hex(even.subarray(1, 33))).to.equal(hex(point.subarray(1, 33)));
        expect(ecc.isPoint(even)).to.equal(true);

        const tweak = crypto.sha256(Buffer.from(`tweak ${i}`));
        const mine = addGeneratorMultiple(even, tweak);
        const reference = ecc.xOnlyPointAddTweak(point.subarray(1, 33), tweak);
        expect(hex((mine as Uint8Array).subarray(1, 33))).to.equal(hex(reference?.xOnlyPubkey ?? new Uint8Array()));
      }
      // Both parities were exercised.
      expect(odd).to.be.within(1, 39);
    });

    it('returns null for a zero scalar or one not below the curve order', () => {
      const point = nodeOf(fixture.valid[0]?.parent ?? '').point;
      expect(addGeneratorMultiple(point, new Uint8Array(32))).to.equal(null);
      expect(addGeneratorMultiple(point, new Uint8Array(32).fill(0xff))).to.equal(null);
    });
  });

  it('refuses hardened and malformed indexes', () => {
    const node = nodeOf(fixture.valid[0]?.parent ?? '');
    for (const index of [2 ** 31, -1, 0.5]) {
      expect(() => publicChild(node, index)).to.throw('Cannot derive index');
    }
  });
});
