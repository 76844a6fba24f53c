import { expect } from 'chai';
import { Block, Transaction, script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { genesisBlock, blockSubsidy } from '../../../regtest/sim/consensus.js';
import { btc, writeJson } from '../../../regtest/sim/json.js';
import { addressToScript, classifyScript, descriptorChecksum, inferDescriptor, scriptAsm, scriptToAddress } from '../../../regtest/sim/script.js';
import { syntheticBlock, fillerScript } from '../../../regtest/sim/synthetic.js';
import { txRecordFromRaw } from '../../../regtest/sim/tx.js';
import { txToJson } from '../../../regtest/sim/tx-json.js';
import { dustThreshold, estimateVsize, SimWallet } from '../../../regtest/sim/wallet.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

const addresses = fixture<Vectors<{ address: string; script: string; type: string }, { address: string }>>('sim', 'addresses');
const scripts = fixture<Vectors<{ hex: string; asm: string; desc: string; address?: string; type: string }>>('sim', 'scripts/decode-script');
const checksums = fixture<Vectors<{ desc: string; checksum: string }>>('sim', 'scripts/descriptor-checksum');
const decodes = fixture<Vectors<{ hex: string; amounts: string[]; json: unknown }>>('sim', 'decode');
const amounts = fixture<Vectors<{ sats: string; text: string }>>('sim', 'amounts');

describe('sim node: building blocks', function () {
  describe('addresses', function () {
    for (const v of addresses.valid) {
      it(`${v.type} ${v.address} ↔ ${v.script}`, function () {
        expect(addressToScript(v.address).toString('hex')).to.equal(v.script);
        expect(scriptToAddress(Buffer.from(v.script, 'hex'))).to.equal(v.address);
        expect(classifyScript(Buffer.from(v.script, 'hex'))).to.equal(v.type);
      });
    }
    for (const v of addresses.invalid) {
      it(`rejects ${v.address} (${v.description})`, function () {
        expect(() => addressToScript(v.address)).to.throw(/invalid address/);
      });
    }
  });

  describe('scripts as Core prints them (asm, desc, address, type)', function () {
    for (const v of scripts.valid) {
      it(v.description, function () {
        const s = Buffer.from(v.hex, 'hex');
        expect(scriptAsm(s)).to.equal(v.asm);
        expect(inferDescriptor(s)).to.equal(v.desc);
        expect(scriptToAddress(s)).to.equal(v.address);
        expect(classifyScript(s)).to.equal(v.type);
      });
    }
    for (const v of checksums.valid) {
      it(v.description, function () {
        expect(descriptorChecksum(v.desc)).to.equal(v.checksum);
      });
    }
  });

  describe('transaction JSON', function () {
    for (const v of decodes.valid) {
      it(v.description, function () {
        const text = writeJson(txToJson(txRecordFromRaw(Buffer.from(v.hex, 'hex')), { includeHex: false }));
        expect(JSON.parse(text)).to.deep.equal(v.json);
        for (const a of v.amounts) expect(text).to.contain(`"value":${a},`);
      });
    }
  });

  describe('amounts', function () {
    for (const v of amounts.valid) {
      it(v.description, function () {
        expect(btc(BigInt(v.sats)).text).to.equal(v.text);
      });
    }
  });

  it('the genesis block is regtest’s, byte for byte', function () {
    const g = genesisBlock();
    const parsed = Block.fromBuffer(g.raw);
    expect(g.hash).to.equal('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
    expect(parsed.getId()).to.equal(g.hash);
    expect(parsed.checkTxRoots()).to.equal(true);
  });

  it('subsidy halves every 150 blocks on regtest', function () {
    expect(blockSubsidy(0)).to.equal(5_000_000_000n);
    expect(blockSubsidy(149)).to.equal(5_000_000_000n);
    expect(blockSubsidy(150)).to.equal(2_500_000_000n);
    expect(blockSubsidy(150 * 64)).to.equal(0n);
  });

  it('dust thresholds match Core (3 sat/vB)', function () {
    const byType: [string, bigint][] = [
      ['0014751e76e8199196d454941c45d1b3a323f1433bd6', 294n],
      ['00204ae81572f06e1b88fd5ced7a1a000945432e83e1551e6f721ee9c00b8cc33260', 330n],
      ['5120da4710964f7852695de2da025290e24af6d8c281de5a0b902b7135fd9fd74d21', 330n],
      ['76a914751e76e8199196d454941c45d1b3a323f1433bd688ac', 546n],
      ['a914da1745e9b549bd0bfa1a569971c77eba30cd5a4b87', 540n],
    ];
    for (const [hex, dust] of byType) expect(dustThreshold(Buffer.from(hex, 'hex')), hex).to.equal(dust);
  });

  it('a synthetic block parses, ids and roots check, PoW is valid, payments land', function () {
    const payTo = [
      { script: fillerScript(1000), sats: 12_345n },
      { script: addressToScript('bcrt1pmfr3p9j00pfxjh0zmgp99y8zftmd3s5pmedqhyptwy6lm87hf5ssm803es'), sats: 99_999n },
    ];
    const sb = syntheticBlock({ count: 50, payTo });
    const block = Block.fromHex(sb.hex);
    expect(block.getId()).to.equal(sb.hash);
    expect(block.checkTxRoots()).to.equal(true);
    expect(block.checkProofOfWork()).to.equal(true);
    expect(block.transactions?.map((t) => t.getId())).to.deep.equal(sb.txids);
    expect(block.transactions).to.have.length(51);
    const outs = (block.transactions ?? []).flatMap((t) => t.outs.map((o) => `${Buffer.from(o.script).toString('hex')}:${o.value}`));
    for (const p of payTo) expect(outs).to.include(`${Buffer.from(p.script).toString('hex')}:${p.sats}`);
  });

  it('the wallet signs P2WPKH spends that verify, and estimates vsize from above', function () {
    const wallet = new SimWallet();
    expect(wallet.address).to.match(/^bcrt1q/);
    const tx = new Transaction();
    tx.version = 2;
    tx.addInput(Buffer.alloc(32, 1), 0, 0xfffffffd);
    tx.addOutput(fillerScript(1), 10_000n);
    wallet.sign(tx, [20_000n]);
    const [sig, pub] = tx.ins[0]?.witness ?? [];
    expect(Buffer.from(pub as Uint8Array)).to.deep.equal(Buffer.from(wallet.publicKey));
    const decoded = bscript.signature.decode(sig as Uint8Array);
    expect(decoded.hashType).to.equal(Transaction.SIGHASH_ALL);
    const scriptCode = Buffer.concat([Buffer.from('76a914', 'hex'), wallet.script.subarray(2), Buffer.from('88ac', 'hex')]);
    const sighash = tx.hashForWitnessV0(0, scriptCode, 20_000n, Transaction.SIGHASH_ALL);
    expect(ecc.verify(sighash, wallet.publicKey, decoded.signature, true), 'valid low-S signature').to.equal(true);
    expect(ecc.verify(sighash, wallet.publicKey, decoded.signature.map((b) => b ^ 1), true)).to.equal(false);
    expect(estimateVsize(1, [fillerScript(1)])).to.be.at.least(tx.virtualSize());
  });
});
