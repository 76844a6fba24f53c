import { address as bitcoinAddress, networks } from 'bitcoinjs-lib';
import type { Network } from 'bitcoinjs-lib';
import { TillError } from '../domain/errors.js';
import { describeChain, networkFor } from './chain.js';
import type { Chain } from './chain.js';
import { ensureEcc } from './ecc.js';

const NAMED_NETWORKS: readonly [string, Network][] = [
  ['mainnet', networks.bitcoin],
  ['testnet or signet', networks.testnet],
  ['regtest', networks.regtest],
];

/** The scriptPubKey (lowercase hex) that an address of `chain` pays to. */
export function scriptHexForAddress(address: string, chain: Chain): string {
  const text = address.trim();
  const witnessVersion = segwitVersion(text);
  if (witnessVersion !== null && witnessVersion > 1) {
    throw new TillError('validation_failed', `Witness version ${witnessVersion} addresses are not supported`);
  }
  ensureEcc();
  try {
    return Buffer.from(bitcoinAddress.toOutputScript(text, networkFor(chain))).toString('hex');
  } catch {
    const matches = NAMED_NETWORKS.filter(([, network]) => parsesOn(text, network));
    const first = matches[0];
    if (first !== undefined) {
      // Base58 addresses share their version bytes across testnet, signet and regtest.
      const name = matches.length > 1 ? 'test-chain' : first[0];
      throw new TillError('validation_failed', `This is a ${name} address but Till is configured for ${describeChain(chain)}`);
    }
    throw new TillError('validation_failed', 'Not a valid Bitcoin address');
  }
}

function segwitVersion(text: string): number | null {
  try {
    return bitcoinAddress.fromBech32(text).version;
  } catch {
    return null;
  }
}

function parsesOn(text: string, network: Network): boolean {
  try {
    bitcoinAddress.toOutputScript(text, network);
    return true;
  } catch {
    return false;
  }
}

/**
 * The same witness program under another bech32 human-readable part, keeping the
 * encoding (bech32 for v0, bech32m for v1+). Lets tests pay a Till regtest address
 * from a litecoind regtest wallet (`bcrt1...` → `rltc1...`).
 */
export function reencodeWitnessAddress(address: string, hrp: string): string {
  let decoded: bitcoinAddress.Bech32Result;
  try {
    decoded = bitcoinAddress.fromBech32(address.trim());
  } catch {
    throw new TillError('validation_failed', 'Not a segwit (bech32 or bech32m) address');
  }
  const size = decoded.data.length;
  if (decoded.version > 16 || size < 2 || size > 40 || (decoded.version === 0 && size !== 20 && size !== 32)) {
    throw new TillError('validation_failed', 'Not a valid witness program');
  }
  if (!/^[a-z0-9]{1,83}$/.test(hrp)) {
    throw new TillError('validation_failed', `Invalid bech32 human-readable part '${hrp}': expected lowercase letters and digits`);
  }
  return bitcoinAddress.toBech32(decoded.data, decoded.version, hrp);
}
