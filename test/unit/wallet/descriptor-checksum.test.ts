import { expect } from 'chai';
import { descriptorChecksum, verifyDescriptorChecksum } from '../../../src/wallet/descriptor-checksum.js';
import { addDescriptorChecksum } from '../../../src/wallet/descriptor.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

const checksums = fixture<Vectors<{ descriptor: string; checksum: string }, { descriptor: string; checksum: string }>>('wallet', 'descriptor-checksum');

describe('wallet/descriptor-checksum (BIP380)', () => {
  describe('valid', () => {
    for (const f of checksums.valid) {
      it(`${f.description}: ${f.descriptor.slice(0, 40)}… → #${f.checksum}`, () => {
        expect(descriptorChecksum(f.descriptor)).to.equal(f.checksum);
        expect(verifyDescriptorChecksum(f.descriptor, f.checksum)).to.equal(true);
        expect(addDescriptorChecksum(f.descriptor)).to.equal(`${f.descriptor}#${f.checksum}`);
      });
    }
  });

  describe('invalid', () => {
    for (const f of checksums.invalid) {
      it(`${f.description}: ${f.descriptor}#${f.checksum}`, () => {
        expect(verifyDescriptorChecksum(f.descriptor, f.checksum)).to.equal(false);
      });
    }
  });

  it('has no checksum for characters outside the descriptor set', () => {
    expect(descriptorChecksum('raw(Ü)')).to.equal(null);
    expect(descriptorChecksum('wpkh(\t)')).to.equal(null);
  });

  it('detects every single-character substitution in a descriptor', () => {
    const body = checksums.valid[4]?.descriptor ?? '';
    const checksum = descriptorChecksum(body) ?? '';
    expect(body).to.include('xpub');
    for (let i = 0; i < body.length; i += 7) {
      const replacement = body[i] === '0' ? '1' : '0';
      const mutated = body.slice(0, i) + replacement + body.slice(i + 1);
      expect(verifyDescriptorChecksum(mutated, checksum), `position ${i}`).to.equal(false);
    }
  });
});
