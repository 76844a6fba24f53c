import { expect } from 'chai';
import { bip32Api } from '../../../src/wallet/ecc.js';
import { parseExtendedKey } from '../../../src/wallet/extended-key.js';
import { parseWallet } from '../../../src/wallet/watch-only-wallet.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectTillError } from './helpers.js';

const keys = fixture<Vectors<{ key: string; prefix: string; network: string; scriptType: string; standard: string }, { key: string; message: string }>>(
  'wallet',
  'extended-keys/parse-extended-key',
);
const fingerprints = fixture<Vectors<{ key: string; fingerprint: string }>>('wallet', 'extended-keys/fingerprint');
const bip32 = bip32Api();

describe('wallet/extended-key (SLIP-132)', () => {
  describe('valid', () => {
    for (const f of keys.valid) {
      it(`${f.prefix}: ${f.description}`, () => {
        const parsed = parseExtendedKey(f.key, bip32);
        expect(parsed.version.prefix).to.equal(f.prefix);
        expect(parsed.version.network).to.equal(f.network);
        expect(parsed.version.impliedScriptType).to.equal(f.scriptType);
        expect(parsed.version.isPrivate).to.equal(false);
        expect(parsed.standard).to.equal(f.standard);
        expect(parsed.node.toBase58()).to.equal(f.standard);
      });
    }
  });

  describe('fingerprint of the key', () => {
    for (const f of fingerprints.valid) {
      it(`${f.fingerprint}: ${f.description}`, () => {
        expect(parseWallet(f.key, 'main').fingerprint).to.equal(f.fingerprint);
      });
    }
  });

  describe('invalid', () => {
    for (const f of keys.invalid) {
      it(`${f.description} → "${f.message}"`, () => {
        const error = expectTillError(() => parseExtendedKey(f.key, bip32), 'wallet_invalid', f.message);
        // A pasted key, private or not, must not be echoed into logs or responses.
        if (f.key.length > 20) expect(error.message).to.not.include(f.key.slice(4, 20));
      });
    }
  });
});
