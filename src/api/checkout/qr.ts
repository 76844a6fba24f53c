import { formatBtcTrimmed } from '../../domain/money.js';

/** BIP21: `bitcoin:<address>?amount=<btc>`, the amount without trailing zeros. */
export function bip21(address: string, sats: bigint): string {
  return `bitcoin:${address}?amount=${formatBtcTrimmed(sats)}`;
}

/**
 * The seed's `qrCode`: a PNG data URI of the BIP21 URI, drawn by `qrcode` in-process
 * (no network, no canvas). Medium error correction and a quiet zone of 2 modules keep it
 * readable on a phone screen at ~250 px.
 */
export async function qrDataUri(uri: string): Promise<string> {
  // Loaded at the first code drawn, not at every start.
  const QRCode = (await import('qrcode')).default;
  return QRCode.toDataURL(uri, { type: 'image/png', errorCorrectionLevel: 'M', margin: 2, scale: 6 });
}
