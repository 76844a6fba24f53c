import type { BIP32API, BIP32Interface } from 'bip32';
import { networks } from 'bitcoinjs-lib';
import bs58check from 'bs58check';
import { TillError } from '../domain/errors.js';
import type { KeyNetwork } from './chain.js';
import type { ScriptType } from './script-type.js';

/** What the four version bytes of a serialized extended key say (SLIP-132). */
export interface ExtendedKeyVersion {
  prefix: string;
  network: KeyNetwork;
  isPrivate: boolean;
  /** The script type the version bytes imply; null for multisig versions (Ypub, Zpub...). */
  impliedScriptType: ScriptType | null;
}

const VERSIONS: ReadonlyMap<number, ExtendedKeyVersion> = new Map(
  (
    [
      [0x0488b21e, 'xpub', 'mainnet', false, 'p2pkh'],
      [0x0488ade4, 'xprv', 'mainnet', true, 'p2pkh'],
      [0x049d7cb2, 'ypub', 'mainnet', false, 'p2sh-p2wpkh'],
      [0x049d7878, 'yprv', 'mainnet', true, 'p2sh-p2wpkh'],
      [0x04b24746, 'zpub', 'mainnet', false, 'p2wpkh'],
      [0x04b2430c, 'zprv', 'mainnet', true, 'p2wpkh'],
      [0x0295b43f, 'Ypub', 'mainnet', false, null],
      [0x0295b005, 'Yprv', 'mainnet', true, null],
      [0x02aa7ed3, 'Zpub', 'mainnet', false, null],
      [0x02aa7a99, 'Zprv', 'mainnet', true, null],
      [0x043587cf, 'tpub', 'testnet', false, 'p2pkh'],
      [0x04358394, 'tprv', 'testnet', true, 'p2pkh'],
      [0x044a5262, 'upub', 'testnet', false, 'p2sh-p2wpkh'],
      [0x044a4e28, 'uprv', 'testnet', true, 'p2sh-p2wpkh'],
      [0x045f1cf6, 'vpub', 'testnet', false, 'p2wpkh'],
      [0x045f18bc, 'vprv', 'testnet', true, 'p2wpkh'],
      [0x024289ef, 'Upub', 'testnet', false, null],
      [0x024285b5, 'Uprv', 'testnet', true, null],
      [0x02575483, 'Vpub', 'testnet', false, null],
      [0x02575048, 'Vprv', 'testnet', true, null],
    ] as const
  ).map(([version, prefix, network, isPrivate, impliedScriptType]) => [
    version,
    { prefix, network, isPrivate, impliedScriptType },
  ]),
);

/** The plain BIP32 versions, which descriptors always use. */
const STANDARD_PUBLIC_VERSION: Record<KeyNetwork, number> = { mainnet: 0x0488b21e, testnet: 0x043587cf };

const SERIALIZED_LENGTH = 78;

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

export interface ParsedExtendedKey {
  version: ExtendedKeyVersion;
  /** The same key re-encoded with xpub/tpub version bytes, as descriptors write it. */
  standard: string;
  /** The key as a bip32 node on bitcoinjs-lib's network for its chain family. */
  node: BIP32Interface;
}

function invalid(message: string): TillError {
  return new TillError('wallet_invalid', message);
}

/**
 * Parses a serialized extended public key of any SLIP-132 flavour. Refuses private
 * keys (Till only ever holds public keys), multisig versions, typos and garbage, each
 * with a message that says which. The message never echoes the key itself.
 */
export function parseExtendedKey(text: string, bip32: BIP32API): ParsedExtendedKey {
  const payload = bs58check.decodeUnsafe(text);
  if (payload === undefined) {
    // bs58check says only "no": a string of base58 letters that fails is a typo, anything else is not a key.
    if (BASE58.test(text)) {
      throw invalid('The extended key has a bad checksum: it was probably mistyped or cut short');
    }
    throw invalid('Not an extended public key: it is not valid base58check');
  }
  if (payload.length !== SERIALIZED_LENGTH) {
    throw invalid(
      `Not an extended public key: it decodes to ${payload.length} bytes, an extended key has ${SERIALIZED_LENGTH}`,
    );
  }
  const versionNumber = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, false);
  const version = VERSIONS.get(versionNumber);
  if (version === undefined) {
    throw invalid(
      `Unknown extended key version 0x${versionNumber.toString(16).padStart(8, '0')}: ` +
        'expected xpub, ypub, zpub (mainnet) or tpub, upub, vpub (testnet)',
    );
  }
  if (version.isPrivate) {
    throw invalid(
      `This is an extended private key (${version.prefix}). Till only ever holds public keys: ` +
        `give it the matching ${version.prefix.slice(0, 1)}pub instead, and treat this private key as exposed`,
    );
  }
  if (version.impliedScriptType === null) {
    throw invalid(`${version.prefix} keys belong to multisig wallets, and multisig is not supported yet`);
  }

  const standardPayload = Uint8Array.from(payload);
  new DataView(standardPayload.buffer).setUint32(0, STANDARD_PUBLIC_VERSION[version.network], false);
  const standard = bs58check.encode(standardPayload);
  let node: BIP32Interface;
  try {
    node = bip32.fromBase58(standard, version.network === 'mainnet' ? networks.bitcoin : networks.testnet);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw invalid(`Malformed extended key (${reason})`);
  }
  return { version, standard, node };
}
