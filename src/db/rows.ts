/** Conversions between SQLite/PostgreSQL column values and the core's types. */
export function toBig(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new Error(`integer column holds an unsafe value ${v}`);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  throw new Error(`expected an integer column value, got ${typeof v}`);
}

export function toBigOrNull(v: unknown): bigint | null {
  return v === null || v === undefined ? null : toBig(v);
}

/** bigint → a value the driver stores as a 64-bit integer exactly. */
export function fromBig(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

export function toNum(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function toNumOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : toNum(v);
}

export function toBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

export function parseJson<T>(v: unknown): T | null {
  if (v === null || v === undefined) return null;
  return JSON.parse(String(v)) as T;
}

export type Row = Record<string, unknown>;
