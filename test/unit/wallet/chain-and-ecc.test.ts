import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { payments } from 'bitcoinjs-lib';
import { CHAINS, describeChain, isChain, keyNetworkFor, networkFor } from '../../../src/wallet/chain.js';
import type { Chain } from '../../../src/wallet/chain.js';
import { ensureEcc } from '../../../src/wallet/ecc.js';
import { expectTillError } from './helpers.js';

describe('wallet/chain', () => {
  const expected: Record<Chain, { hrp: string; keys: string }> = {
    main: { hrp: 'bc', keys: 'mainnet' },
    test: { hrp: 'tb', keys: 'testnet' },
    testnet4: { hrp: 'tb', keys: 'testnet' },
    signet: { hrp: 'tb', keys: 'testnet' },
    regtest: { hrp: 'bcrt', keys: 'testnet' },
  };

  for (const chain of CHAINS) {
    it(`${chain}: HRP ${expected[chain].hrp}, ${expected[chain].keys} keys`, () => {
      expect(networkFor(chain).bech32).to.equal(expected[chain].hrp);
      expect(keyNetworkFor(chain)).to.equal(expected[chain].keys);
      expect(isChain(chain)).to.equal(true);
    });
  }

  it('uses the xpub/tpub version bytes of bitcoinjs-lib for each chain', () => {
    expect(networkFor('main').bip32.public).to.equal(0x0488b21e);
    expect(networkFor('regtest').bip32.public).to.equal(0x043587cf);
    expect(networkFor('signet').pubKeyHash).to.equal(0x6f);
  });

  it('knows only the Bitcoin Core chain names', () => {
    for (const name of ['mainnet', 'testnet', 'testnet3', 'bitcoin', '', 'Main']) {
      expect(isChain(name), name).to.equal(false);
    }
    expectTillError(() => networkFor('mainnet' as Chain), 'validation_failed', "Unknown chain 'mainnet'");
  });

  it('names chains for people', () => {
    expect(describeChain('main')).to.equal('mainnet');
    expect(describeChain('test')).to.equal('testnet3');
    expect(describeChain('regtest')).to.equal('regtest');
  });
});

describe('wallet/ecc', () => {
  it('ensureEcc is idempotent and enables p2tr in bitcoinjs-lib', () => {
    ensureEcc();
    ensureEcc();
    const internalPubkey = Buffer.from('cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115', 'hex');
    // BIP86 receive 0.
    expect(payments.p2tr({ internalPubkey }).address).to.equal(
      'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
    );
  });

  it('importing the wallet module registers nothing with bitcoinjs-lib', function () {
    this.timeout(20_000);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const script = `
      await import('./src/wallet/index.ts');
      const { payments } = await import('bitcoinjs-lib');
      let registered = true;
      try { payments.p2tr({ internalPubkey: Buffer.alloc(32, 1) }); } catch (e) { registered = !/No ECC Library/.test(String(e)); }
      process.stdout.write(registered ? 'registered' : 'clean');
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).to.equal('clean');
  });
});
