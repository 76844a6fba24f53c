// BIP380 descriptor checksum: a BCH code over the descriptor's characters, grouped so
// that case errors and errors within the common hex/path characters cost one symbol.

const INPUT_CHARSET =
  "0123456789()[],'/*abcdefgh@:$%{}" + 'IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~' + 'ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const CHECKSUM_CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an, 0x644d626ffdn] as const;

export const CHECKSUM_LENGTH = 8;

function polymod(symbols: readonly number[]): bigint {
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) {
      if ((top >> BigInt(i)) & 1n) chk ^= GENERATOR[i] as bigint;
    }
  }
  return chk;
}

function expand(descriptor: string): number[] | null {
  const symbols: number[] = [];
  const groups: number[] = [];
  for (const c of descriptor) {
    const v = INPUT_CHARSET.indexOf(c);
    if (v < 0) return null;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push((groups[0] as number) * 9 + (groups[1] as number) * 3 + (groups[2] as number));
      groups.length = 0;
    }
  }
  if (groups.length === 1) symbols.push(groups[0] as number);
  else if (groups.length === 2) symbols.push((groups[0] as number) * 3 + (groups[1] as number));
  return symbols;
}

/** The first character outside the descriptor character set, if any. */
export function invalidDescriptorCharacter(descriptor: string): string | null {
  for (const c of descriptor) if (!INPUT_CHARSET.includes(c)) return c;
  return null;
}

/** The 8-character checksum of a descriptor (given without `#...`), or null if it has characters outside the set. */
export function descriptorChecksum(descriptor: string): string | null {
  const symbols = expand(descriptor);
  if (symbols === null) return null;
  const value = polymod([...symbols, 0, 0, 0, 0, 0, 0, 0, 0]) ^ 1n;
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out += CHECKSUM_CHARSET[Number((value >> BigInt(5 * (7 - i))) & 31n)];
  }
  return out;
}

/** Whether `descriptor#checksum` is consistent; false for a checksum of the wrong length or alphabet. */
export function verifyDescriptorChecksum(descriptor: string, checksum: string): boolean {
  if (checksum.length !== CHECKSUM_LENGTH) return false;
  const symbols = expand(descriptor);
  if (symbols === null) return false;
  const tail: number[] = [];
  for (const c of checksum) {
    const v = CHECKSUM_CHARSET.indexOf(c);
    if (v < 0) return false;
    tail.push(v);
  }
  return polymod([...symbols, ...tail]) === 1n;
}
