import { expect } from 'chai';
import { reencodeWitnessAddress, scriptHexForAddress } from '../../../src/wallet/address.js';
import type { Chain } from '../../../src/wallet/chain.js';
import { deriveRange, parseWallet } from '../../../src/wallet/watch-only-wallet.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { expectTillError } from './helpers.js';

const scriptHex = fixture<Vectors<{ address: string; chain: Chain; scriptHex: string }, { address: string; chain: Chain; message: string }>>(
  'wallet',
  'addresses/script-hex-for-address',
);
const reencode = fixture<Vectors<{ address: string; hrp: string; expected: string }, { address: string; hrp: string; message: string }>>(
  'wallet',
  'addresses/reencode-witness-address',
);

describe('wallet/address', () => {
  describe('scriptHexForAddress: valid', () => {
    for (const f of scriptHex.valid) {
      it(`${f.description} [${f.chain}]`, () => {
        expect(scriptHexForAddress(f.address, f.chain)).to.equal(f.scriptHex);
      });
    }
  });

  describe('scriptHexForAddress: invalid', () => {
    for (const f of scriptHex.invalid) {
      it(`${f.description} [${f.chain}]`, () => {
        expectTillError(() => scriptHexForAddress(f.address, f.chain), 'validation_failed', f.message);
      });
    }
  });

  describe('reencodeWitnessAddress: valid', () => {
    for (const f of reencode.valid) {
      it(`${f.description}: → ${f.hrp}`, () => {
        expect(reencodeWitnessAddress(f.address, f.hrp)).to.equal(f.expected);
      });
    }
  });

  describe('reencodeWitnessAddress: invalid', () => {
    for (const f of reencode.invalid) {
      it(f.description, () => {
        expectTillError(() => reencodeWitnessAddress(f.address, f.hrp), 'validation_failed', f.message);
      });
    }
  });

  describe('round trips', () => {
    const wallets: [string, Chain][] = [
      ['vpub5YvMuJNjRSYon44z9QmCfdf8SqJRVNvz6m55Qy5iVjZQxDfUgtiQjnc7CC1fAbED2tAGCZRERUfvtn2DstZGU6HMns6dXXH2wujSc2wfi2x', 'regtest'],
      ['tr(tpubDC3pD7UZXnsgh3EBjbtBQiB1FnLask7UHBSunZ1DPK4dCFFZoFRkgxHB8gt42FvLzx1DpxfHWxAsYaY6b643RVcGjDxXxns7wKKYnnfEcbB/0/*)', 'regtest'],
      ['zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs', 'main'],
    ];
    for (const [input, chain] of wallets) {
      it(`bcrt1/bc1 → rltc1 → back, and the script is unchanged: ${input.slice(0, 12)}… [${chain}]`, () => {
        const hrp = chain === 'main' ? 'bc' : 'bcrt';
        for (const derived of deriveRange(parseWallet(input, chain), 0, 5)) {
          const litecoin = reencodeWitnessAddress(derived.address, 'rltc');
          expect(litecoin.startsWith('rltc1')).to.equal(true);
          expect(reencodeWitnessAddress(litecoin, hrp)).to.equal(derived.address);
          expect(scriptHexForAddress(derived.address, chain)).to.equal(derived.scriptHex);
        }
      });
    }
  });
});
