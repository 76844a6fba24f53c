import { expect } from 'chai';
import { bip32Api } from '../../../src/wallet/ecc.js';
import { parseExtendedKey } from '../../../src/wallet/extended-key.js';
import { parseWallet } from '../../../src/wallet/watch-only-wallet.js';
import { expectTillError, loadFixture } from './helpers.js';

interface KeyFixture {
  valid: { source: string; key: string; prefix: string; network: string; scriptType: string; standard: string }[];
  fingerprints: { source: string; key: string; fingerprint: string }[];
  invalid: { source: string; key: string; message: string }[];
}

const fixture = loadFixture<KeyFixture>('extended-keys.json');
const bip32 = bip32Api();

describe('wallet/extended-key (SLIP-132)', () => {
  describe('valid', () => {
    for (const f of fixture.valid) {
      it(`${f.prefix}: ${f.source}`, () => {
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
    for (const f of fixture.fingerprints) {
      it(`${f.fingerprint}: ${f.source}`, () => {
        expect(parseWallet(f.key, 'main').fingerprint).to.equal(f.fingerprint);
      });
    }
  });

  describe('invalid', () => {
    for (const f of fixture.invalid) {
      it(`${f.source} → "${f.message}"`, () => {
        const error = expectTillError(() => parseExtendedKey(f.key, bip32), 'wallet_invalid', f.message);
        // A pasted key, private or not, must not be echoed into logs or responses.
        if (f.key.length > 20) expect(error.message).to.not.include(f.key.slice(4, 20));
      });
    }
  });
});
