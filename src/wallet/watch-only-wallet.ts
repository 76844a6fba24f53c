import type { BIP32API, BIP32Interface } from 'bip32';
import { TillError } from '../domain/errors.js';
import { describeChain, keyNetworkFor, networkFor } from './chain.js';
import type { Chain } from './chain.js';
import { formatDescriptor, parseDescriptor } from './descriptor.js';
import type { WalletDescriptor } from './descriptor.js';
import { HARDENED, formatPath } from './derivation-path.js';
import { bip32Api, ensureEcc } from './ecc.js';
import { parseExtendedKey } from './extended-key.js';
import { outputForKey } from './script-type.js';
import type { ScriptType } from './script-type.js';

export interface DerivedAddress {
  index: number;
  address: string;
  /** The scriptPubKey, lowercase hex: what the chain watcher matches outputs against. */
  scriptHex: string;
}

export interface WalletOrigin {
  /** Fingerprint of the key the origin path starts from (usually the master key), lowercase hex. */
  fingerprint: string;
  /** `m/84h/0h/0h` style. */
  path: string;
}

export interface WatchOnlyWallet {
  /** Canonical descriptor with checksum: xpub/tpub version bytes, `h` hardened markers, receive branch only. */
  readonly descriptor: string;
  readonly scriptType: ScriptType;
  readonly chain: Chain;
  /** BIP32 fingerprint of the extended key itself, lowercase hex. */
  readonly fingerprint: string;
  readonly origin: WalletOrigin | null;
  /** Address number `index` of the receive chain. */
  readonly derive: (index: number) => DerivedAddress;
}

/** 2^31: indexes at or above it are hardened, which a public key cannot derive. */
export const INDEX_LIMIT = HARDENED;

/**
 * Parses what a merchant pastes — an output descriptor (`wpkh([fp/84h/0h/0h]xpub.../0/*)`,
 * optionally `#checksum`) or a bare extended public key (xpub, ypub, zpub, tpub, upub, vpub,
 * which becomes its descriptor with `/0/*`) — and returns a wallet for `chain`.
 */
export function parseWallet(input: string, chain: Chain): WatchOnlyWallet {
  const bip32 = bip32Api();
  const text = input.trim();
  if (text === '') {
    throw new TillError('wallet_invalid', 'No wallet given: paste an extended public key or an output descriptor');
  }
  const parsed = looksLikeDescriptor(text) ? parseDescriptor(text, bip32) : bareKeyDescriptor(text, bip32);
  checkNetwork(parsed, chain);

  ensureEcc();
  const network = networkFor(chain);
  // The parent of every address is derived once; each address then costs one public derivation.
  const parent = parsed.path.reduce<BIP32Interface>((node, step) => node.derive(step), parsed.key.node);
  const scriptType = parsed.scriptType;
  const derive = (index: number): DerivedAddress => {
    checkIndex(index, 'index');
    const { address, output } = outputForKey(scriptType, parent.derive(index).publicKey, network);
    return { index, address, scriptHex: Buffer.from(output).toString('hex') };
  };

  return {
    descriptor: formatDescriptor(parsed),
    scriptType,
    chain,
    fingerprint: Buffer.from(parsed.key.node.fingerprint).toString('hex'),
    origin:
      parsed.origin === null
        ? null
        : { fingerprint: parsed.origin.fingerprint, path: ['m', formatPath(parsed.origin.path)].filter((s) => s !== '').join('/') },
    derive,
  };
}

export function deriveAddress(wallet: WatchOnlyWallet, index: number): DerivedAddress {
  return wallet.derive(index);
}

/** Addresses `from`, `from + 1`, ... `from + count - 1`, in order. */
export function deriveRange(wallet: WatchOnlyWallet, from: number, count: number): DerivedAddress[] {
  checkIndex(from, 'from');
  if (!Number.isInteger(count) || count < 0) {
    throw new TillError('validation_failed', `count must be a non-negative integer, got ${String(count)}`);
  }
  if (from + count > INDEX_LIMIT) {
    throw new TillError('validation_failed', `Range ${from}..${from + count - 1} goes past the last index ${INDEX_LIMIT - 1}`);
  }
  const out: DerivedAddress[] = [];
  for (let i = 0; i < count; i++) out.push(wallet.derive(from + i));
  return out;
}

function looksLikeDescriptor(text: string): boolean {
  return /[()#[\]/]/.test(text);
}

function bareKeyDescriptor(text: string, bip32: BIP32API): WalletDescriptor {
  if (/\s/.test(text)) {
    throw new TillError(
      'wallet_invalid',
      'Not a wallet: expected one extended public key (xpub, ypub, zpub, tpub, upub, vpub) or an output descriptor',
    );
  }
  const key = parseExtendedKey(text, bip32);
  // parseExtendedKey refuses the multisig versions, the only ones without an implied type.
  const scriptType = key.version.impliedScriptType ?? 'p2pkh';
  return { scriptType, origin: null, key, path: [0] };
}

function checkNetwork(parsed: WalletDescriptor, chain: Chain): void {
  const expected = keyNetworkFor(chain);
  const actual = parsed.key.version.network;
  if (actual === expected) return;
  throw new TillError(
    'wallet_network_mismatch',
    `This is a ${actual} key (${parsed.key.version.prefix}) but Till is configured for ${describeChain(chain)}` +
      (expected === 'mainnet' ? ': mainnet needs an xpub, ypub or zpub' : ': test chains need a tpub, upub or vpub'),
  );
}

function checkIndex(index: number, name: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= INDEX_LIMIT) {
    throw new TillError('validation_failed', `${name} must be an integer from 0 to ${INDEX_LIMIT - 1}, got ${String(index)}`);
  }
}
