/** Byte helpers for the simulator. */

/** Internal byte order (as hashed) → the display order RPC and explorers print. */
export function toDisplayHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

export function isHash(hex: unknown): hex is string {
  return typeof hex === 'string' && /^[0-9a-fA-F]{64}$/.test(hex);
}

export function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function u64le(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

/** Map key of an outpoint. */
export function outpointKey(txid: string, vout: number): string {
  return `${txid}:${vout}`;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
