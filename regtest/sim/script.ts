/**
 * Addresses and output scripts the way Bitcoin Core names them on regtest: address ↔
 * scriptPubKey, Core's script type names, its `asm` rendering and its inferred output
 * descriptors (with the BIP380 checksum).
 */
import { address as baddress, networks, opcodes, script as bscript } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { addDescriptorChecksum } from '../../src/wallet/descriptor.js';
import { ensureEcc } from '../../src/wallet/ecc.js';
import { hex } from './bytes.js';

export { descriptorChecksum } from '../../src/wallet/descriptor-checksum.js';

export const REGTEST_HRP = networks.regtest.bech32;

export type ScriptType =
  | 'nonstandard'
  | 'anchor'
  | 'pubkey'
  | 'pubkeyhash'
  | 'scripthash'
  | 'multisig'
  | 'nulldata'
  | 'witness_v0_keyhash'
  | 'witness_v0_scripthash'
  | 'witness_v1_taproot'
  | 'witness_unknown';

export class AddressError extends Error {}

/** A regtest address (bcrt1… of any witness version, 2… P2SH, m/n… P2PKH) → its output script. */
export function addressToScript(address: string): Buffer {
  // Taproot addresses are checked against the curve.
  ensureEcc();
  try {
    return Buffer.from(baddress.toOutputScript(address, networks.regtest));
  } catch (err) {
    throw new AddressError(`invalid address ${address}: ${(err as Error).message}`);
  }
}

function witnessProgram(s: Uint8Array): { version: number; program: Uint8Array } | undefined {
  if (s.length < 4 || s.length > 42) return undefined;
  const op = s[0] as number;
  if (op !== opcodes.OP_0 && (op < opcodes.OP_1 || op > opcodes.OP_16)) return undefined;
  if ((s[1] as number) + 2 !== s.length) return undefined;
  return { version: op === opcodes.OP_0 ? 0 : op - opcodes.OP_1 + 1, program: s.subarray(2) };
}

function isPushOnly(chunks: (number | Uint8Array)[]): boolean {
  return chunks.every((c) => typeof c !== 'number' || c <= opcodes.OP_16);
}

export function classifyScript(s: Uint8Array): ScriptType {
  const h = hex(s);
  if (s.length === 25 && h.startsWith('76a914') && h.endsWith('88ac')) return 'pubkeyhash';
  if (s.length === 23 && h.startsWith('a914') && h.endsWith('87')) return 'scripthash';
  const wp = witnessProgram(s);
  if (wp !== undefined) {
    if (wp.version === 0 && wp.program.length === 20) return 'witness_v0_keyhash';
    if (wp.version === 0 && wp.program.length === 32) return 'witness_v0_scripthash';
    if (wp.version === 0) return 'nonstandard';
    if (wp.version === 1 && wp.program.length === 32) return 'witness_v1_taproot';
    if (wp.version === 1 && hex(wp.program) === '4e73') return 'anchor';
    return 'witness_unknown';
  }
  if ((s.length === 35 && s[0] === 33) || (s.length === 67 && s[0] === 65)) {
    if (s[s.length - 1] === opcodes.OP_CHECKSIG) return 'pubkey';
  }
  const chunks = bscript.decompile(s);
  if (chunks === null) return 'nonstandard';
  if (s[0] === opcodes.OP_RETURN && isPushOnly(chunks.slice(1))) return 'nulldata';
  const last = chunks[chunks.length - 1];
  const m = chunks[0];
  const n = chunks[chunks.length - 2];
  if (
    last === opcodes.OP_CHECKMULTISIG &&
    typeof m === 'number' && typeof n === 'number' &&
    m >= opcodes.OP_1 && n <= opcodes.OP_16 && m <= n &&
    chunks.length === n - opcodes.OP_1 + 1 + 3 &&
    chunks.slice(1, -2).every((k) => typeof k !== 'number' && (k.length === 33 || k.length === 65))
  ) {
    return 'multisig';
  }
  return 'nonstandard';
}

/** The regtest address of an output script, when it has one. */
export function scriptToAddress(s: Uint8Array): string | undefined {
  const type = classifyScript(s);
  if (type === 'pubkeyhash' || type === 'scripthash') return baddress.fromOutputScript(s, networks.regtest);
  // Every witness program Core names gets an address, anchors and unknown versions included,
  // which bitcoinjs-lib's fromOutputScript does not give (or warns about).
  const wp = witnessProgram(s);
  if (wp !== undefined && type !== 'nonstandard') return baddress.toBech32(wp.program, wp.version, REGTEST_HRP);
  return undefined;
}

const OP_NAMES: Record<number, string> = (() => {
  const names: Record<number, string> = {};
  for (const [name, code] of Object.entries(opcodes)) if (typeof code === 'number') names[code] = name;
  names[opcodes.OP_CHECKLOCKTIMEVERIFY] = 'OP_CHECKLOCKTIMEVERIFY';
  names[opcodes.OP_CHECKSEQUENCEVERIFY] = 'OP_CHECKSEQUENCEVERIFY';
  return names;
})();

const SIGHASH_NAMES: Record<number, string> = {
  0x01: 'ALL',
  0x02: 'NONE',
  0x03: 'SINGLE',
  0x81: 'ALL|ANYONECANPAY',
  0x82: 'NONE|ANYONECANPAY',
  0x83: 'SINGLE|ANYONECANPAY',
};

/**
 * Core's ScriptToAsmStr: small pushes as numbers, OP_0…OP_16 as 0…16, other pushes as
 * hex; in a scriptSig, DER signatures end in their sighash name ("[ALL]").
 */
export function scriptAsm(s: Uint8Array, decodeSighash = false): string {
  const chunks = bscript.decompile(s);
  if (chunks === null) return '[error]';
  return chunks
    .map((c) => {
      if (typeof c === 'number') {
        if (c === opcodes.OP_0) return '0';
        if (c === opcodes.OP_1NEGATE) return '-1';
        if (c >= opcodes.OP_1 && c <= opcodes.OP_16) return String(c - opcodes.OP_1 + 1);
        return OP_NAMES[c] ?? 'OP_UNKNOWN';
      }
      if (c.length <= 4) return String(bscript.number.decode(Buffer.from(c), 4, false));
      if (decodeSighash && bscript.isCanonicalScriptSignature(c)) {
        const name = SIGHASH_NAMES[c[c.length - 1] as number];
        if (name !== undefined) return `${hex(c.subarray(0, -1))}[${name}]`;
      }
      return hex(c);
    })
    .join(' ');
}

/** Core's InferDescriptor for a bare scriptPubKey (no wallet knowledge). */
export function inferDescriptor(s: Uint8Array): string {
  const type = classifyScript(s);
  let desc: string;
  if (type === 'pubkey') desc = `pk(${hex(s.subarray(1, -1))})`;
  else if (type === 'witness_v1_taproot' && ecc.isXOnlyPoint(s.subarray(2))) desc = `rawtr(${hex(s.subarray(2))})`;
  else if (type === 'multisig') {
    const chunks = bscript.decompile(s) ?? [];
    const keys = chunks.slice(1, -2).map((k) => hex(k as Uint8Array));
    desc = `multi(${(chunks[0] as number) - opcodes.OP_1 + 1},${keys.join(',')})`;
  } else {
    const address = scriptToAddress(s);
    desc = address !== undefined ? `addr(${address})` : `raw(${hex(s)})`;
  }
  return addDescriptorChecksum(desc);
}
