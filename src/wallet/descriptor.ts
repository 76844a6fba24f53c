import type { BIP32API } from 'bip32';
import bs58check from 'bs58check';
import { TillError } from '../domain/errors.js';
import {
  CHECKSUM_LENGTH,
  descriptorChecksum,
  invalidDescriptorCharacter,
  verifyDescriptorChecksum,
} from './descriptor-checksum.js';
import { formatPath, isHardened, parsePathStep } from './derivation-path.js';
import { parseExtendedKey } from './extended-key.js';
import type { ParsedExtendedKey } from './extended-key.js';
import { wrapKey } from './script-type.js';
import type { ScriptType } from './script-type.js';

export interface KeyOrigin {
  /** Fingerprint of the key the origin path starts from (usually the master key), lowercase hex. */
  fingerprint: string;
  /** Steps from that key to the extended key, hardened ones with the 0x80000000 bit set. */
  path: readonly number[];
}

/** A single-key, ranged descriptor of one of the script types Till watches. */
export interface WalletDescriptor {
  scriptType: ScriptType;
  origin: KeyOrigin | null;
  key: ParsedExtendedKey;
  /** Unhardened steps from the extended key to the parent of the addresses (`/0/*` → [0]). */
  path: readonly number[];
}

const SUPPORTED = 'pkh(KEY), sh(wpkh(KEY)), wpkh(KEY) or tr(KEY)';

function invalid(message: string): TillError {
  return new TillError('wallet_invalid', message);
}

/**
 * Parses a BIP380-386 output descriptor into the one shape Till watches: a single
 * extended public key with an unhardened path ending in `/*`. A `#checksum`, when
 * present, must match. A BIP389 multipath step (`/<0;1>/*`) is reduced to its first
 * (receive) branch, since Till only hands out receive addresses.
 */
export function parseDescriptor(text: string, bip32: BIP32API): WalletDescriptor {
  const body = stripChecksum(text);
  if (/\b(sorted)?multi(_a)?\(/.test(body)) {
    throw invalid('Multisig descriptors (multi, sortedmulti) are not supported yet: Till watches single-key wallets');
  }
  const outer = splitCall(body);
  switch (outer.name) {
    case 'pkh':
      return keyDescriptor('p2pkh', outer.args, bip32);
    case 'wpkh':
      return keyDescriptor('p2wpkh', outer.args, bip32);
    case 'tr':
      if (topLevelComma(outer.args)) {
        throw invalid('Taproot script trees are not supported: use tr(KEY) alone, a key-path-only (BIP86) output');
      }
      return keyDescriptor('p2tr', outer.args, bip32);
    case 'sh': {
      const inner = splitCall(outer.args);
      if (inner.name !== 'wpkh') {
        throw invalid(`sh(${inner.name}(...)) is not supported: inside sh() Till only takes wpkh(KEY)`);
      }
      return keyDescriptor('p2sh-p2wpkh', inner.args, bip32);
    }
    case 'combo':
      throw invalid(`combo() stands for several script types at once: pick one of ${SUPPORTED}`);
    case 'addr':
    case 'raw':
    case 'rawtr':
      throw invalid(
        `${outer.name}() names a fixed script; Till needs an extended public key to derive a fresh address per invoice`,
      );
    case 'pk':
      throw invalid(`pk() (bare public key outputs) is not supported: use ${SUPPORTED}`);
    case 'wsh':
      throw invalid(`wsh() script descriptors are not supported: use ${SUPPORTED}`);
    default:
      throw invalid(`Unsupported descriptor function ${outer.name}(): Till takes ${SUPPORTED}`);
  }
}

/** The canonical text of a descriptor: `h` for hardened, xpub/tpub version bytes, lowercase fingerprint, with checksum. */
export function formatDescriptor(descriptor: WalletDescriptor): string {
  const origin =
    descriptor.origin === null
      ? ''
      : `[${[descriptor.origin.fingerprint, formatPath(descriptor.origin.path)].filter((s) => s !== '').join('/')}]`;
  const path = [...descriptor.path.map(String), '*'].join('/');
  return addDescriptorChecksum(wrapKey(descriptor.scriptType, `${origin}${descriptor.key.standard}/${path}`));
}

/** Appends `#checksum` to a descriptor given without one. */
export function addDescriptorChecksum(body: string): string {
  const checksum = descriptorChecksum(body);
  if (checksum === null) throw invalid('The descriptor contains characters outside the descriptor character set');
  return `${body}#${checksum}`;
}

/** Returns the descriptor without its `#checksum`, after checking the checksum if there is one. */
function stripChecksum(text: string): string {
  const bad = invalidDescriptorCharacter(text);
  if (bad !== null) {
    throw invalid(`The descriptor contains a character that descriptors never use (${JSON.stringify(bad)})`);
  }
  const hash = text.indexOf('#');
  if (hash < 0) return text;
  const body = text.slice(0, hash);
  const checksum = text.slice(hash + 1);
  if (checksum.length !== CHECKSUM_LENGTH) {
    throw invalid(
      `The descriptor checksum after '#' must be ${CHECKSUM_LENGTH} characters, got ${checksum.length}`,
    );
  }
  if (!verifyDescriptorChecksum(body, checksum)) {
    throw invalid('The descriptor checksum does not match: the descriptor was probably mistyped or altered');
  }
  return body;
}

function splitCall(text: string): { name: string; args: string } {
  const match = /^([a-z_]+)\((.*)\)$/s.exec(text);
  if (match === null) {
    throw invalid(`Not a descriptor: expected ${SUPPORTED}`);
  }
  return { name: match[1] as string, args: match[2] as string };
}

function topLevelComma(args: string): boolean {
  let depth = 0;
  for (const c of args) {
    if (c === '(' || c === '{' || c === '[' || c === '<') depth++;
    else if (c === ')' || c === '}' || c === ']' || c === '>') depth--;
    else if (c === ',' && depth === 0) return true;
  }
  return false;
}

function keyDescriptor(scriptType: ScriptType, expression: string, bip32: BIP32API): WalletDescriptor {
  if (/[()]/.test(expression)) {
    throw invalid(`Expected a key inside ${wrapKey(scriptType, 'KEY')}, found a nested script`);
  }
  let rest = expression;
  let origin: KeyOrigin | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid("The key origin is missing its closing ']'");
    origin = parseOrigin(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  if (rest.includes('[') || rest.includes(']')) {
    throw invalid('A key expression has at most one [fingerprint/path] origin, written before the key');
  }
  const slash = rest.indexOf('/');
  const keyText = slash < 0 ? rest : rest.slice(0, slash);
  const key = parseKeyText(keyText, bip32);
  const path = parseKeyPath(slash < 0 ? [] : rest.slice(slash + 1).split('/'));
  return { scriptType, origin, key, path };
}

function parseOrigin(inside: string): KeyOrigin {
  const [fingerprint = '', ...steps] = inside.split('/');
  if (!/^[0-9a-fA-F]{8}$/.test(fingerprint)) {
    throw invalid('The key origin must start with an 8-hex-digit fingerprint, as in [d34db33f/84h/0h/0h]');
  }
  return {
    fingerprint: fingerprint.toLowerCase(),
    path: steps.map((step) => parsePathStep(step, 'the key origin')),
  };
}

function parseKeyText(text: string, bip32: BIP32API): ParsedExtendedKey {
  if (text === '') throw invalid('The descriptor has no key');
  if (/^[0-9a-fA-F]+$/.test(text) && [64, 66, 130].includes(text.length)) {
    throw invalid(
      'A single public key cannot give a fresh address per invoice: use an extended public key (xpub) with a /0/* path',
    );
  }
  const wif = bs58check.decodeUnsafe(text);
  if (wif !== undefined && (wif.length === 33 || wif.length === 34)) {
    throw invalid('This is a private key (WIF). Till only ever holds public keys: never paste a private key here');
  }
  return parseExtendedKey(text, bip32);
}

/** The steps after the key: unhardened numbers, at most one multipath step, then a final `*`. */
function parseKeyPath(steps: readonly string[]): number[] {
  const last = steps[steps.length - 1];
  if (last === undefined) {
    throw invalid('The key must end in /* (for example xpub.../0/*) so that Till can derive one address per invoice');
  }
  if (/^\*['hH]$/.test(last)) {
    throw invalid('Hardened wildcards (/*h) need the private key; Till only has the public key, so use /*');
  }
  if (last !== '*') {
    throw invalid('The key must end in /* (for example xpub.../0/*) so that Till can derive one address per invoice');
  }
  const path: number[] = [];
  let sawMultipath = false;
  for (const step of steps.slice(0, -1)) {
    if (step.startsWith('<') || step.endsWith('>')) {
      if (sawMultipath) throw invalid('A key may have only one multipath step such as /<0;1>');
      sawMultipath = true;
      path.push(parseMultipath(step));
      continue;
    }
    if (step === '*' || step === "*'" || step === '*h' || step === '*H') {
      throw invalid('The wildcard /* may only be the last step of the key path');
    }
    path.push(unhardened(parsePathStep(step, 'the key path'), step));
  }
  return path;
}

function parseMultipath(step: string): number {
  const match = /^<([^<>]*)>$/.exec(step);
  if (match === null) throw invalid(`Malformed multipath step '${step}': expected something like <0;1>`);
  const values = (match[1] as string).split(';').map((v) => unhardened(parsePathStep(v, 'the multipath step'), v));
  if (values.length < 2) throw invalid(`A multipath step needs at least two branches, as in <0;1>`);
  if (new Set(values).size !== values.length) throw invalid(`The multipath step '${step}' repeats a branch`);
  // The first branch is the receive chain (BIP389); change addresses are never handed out.
  return values[0] as number;
}

function unhardened(index: number, step: string): number {
  if (isHardened(index)) {
    throw invalid(`Hardened step '${step}' after the key needs the private key; Till only has the public key`);
  }
  return index;
}
