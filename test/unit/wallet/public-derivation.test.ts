import { expect } from 'chai';
import { payments, networks } from 'bitcoinjs-lib';
import type { BIP32Interface } from 'bip32';
import { bip32Api, ensureEcc } from '../../../src/wallet/ecc.js';
import { parseExtendedKey } from '../../../src/wallet/extended-key.js';
import { wrapKey } from '../../../src/wallet/script-type.js';
import type { ScriptType } from '../../../src/wallet/script-type.js';
import { parseWallet } from '../../../src/wallet/watch-only-wallet.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { hex } from './helpers.js';

const steps = fixture<Vectors<{ parent: string; path: number[]; child: string }>>('wallet', 'bip32-public');
const bip32 = bip32Api();

function nodeOf(key: string): BIP32Interface {
  return parseExtendedKey(key, bip32).node;
}

describe('wallet/public-derivation (BIP32 CKDpub)', () => {
  describe('BIP32 test vectors: public derivation steps', () => {
    for (const f of steps.valid) {
      it(f.description, () => {
        const expected = parseExtendedKey(f.child, bip32).node;
        const derived = f.path.reduce((node, step) => node.derive(step), nodeOf(f.parent));
        expect(hex(derived.publicKey)).to.equal(hex(expected.publicKey));
        expect(hex(derived.chainCode)).to.equal(hex(expected.chainCode));
      });

      it(`${f.description}, through descriptors: pkh(parent/${f.path.join('/')}/*) = pkh(child/*)`, () => {
        const viaParent = parseWallet(`pkh(${f.parent}/${f.path.join('/')}/*)`, 'main');
        const viaChild = parseWallet(`pkh(${f.child}/*)`, 'main');
        for (const i of [0, 1, 1000]) {
          expect(viaParent.derive(i)).to.deep.equal(viaChild.derive(i));
        }
      });
    }
  });

  describe('each script type pays the key bip32 derives, as bitcoinjs-lib payments builds it', () => {
    ensureEcc();
    const parents = [...new Set(steps.valid.flatMap((f) => [f.parent, f.child]))];
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
        const reference = nodeOf(key);
        const wallets = types.map((type) => [type, parseWallet(wrapKey(type, `${key}/*`), 'main')] as const);
        for (const index of indexes) {
          const expected = reference.derive(index);
          for (const [type, wallet] of wallets) {
            const out = wallet.derive(index);
            expect(`${out.address}:${out.scriptHex}`, `${type} index ${index}`).to.equal(referenceOutput(type, expected));
          }
        }
      });
    }
  });

  it('refuses hardened and malformed indexes', () => {
    const wallet = parseWallet(`pkh(${steps.valid[0]?.parent ?? ''}/*)`, 'main');
    for (const index of [2 ** 31, -1, 0.5]) {
      expect(() => wallet.derive(index)).to.throw('index must be an integer');
    }
  });
});
