/**
 * Core writes JSON with UniValue: compact, amounts as numbers with exactly eight decimals
 * (`0.00010000`), floats with 16 significant digits. `RawJson` carries such number text
 * through to the wire unchanged; `writeJson` is JSON.stringify that honours it.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Satoshis → a BTC amount the way Core's ValueFromAmount prints it. */
export function btc(sats: bigint): RawJson {
  const neg = sats < 0n;
  const abs = neg ? -sats : sats;
  const whole = abs / 100_000_000n;
  const frac = (abs % 100_000_000n).toString().padStart(8, '0');
  return new RawJson(`${neg ? '-' : ''}${whole}.${frac}`);
}

/** A double as UniValue prints it (std::setprecision(16)). */
export function float16(n: number): RawJson {
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return new RawJson(String(n));
  const text = n.toPrecision(16);
  // C++ drops trailing zeros and writes the exponent with at least two digits.
  const [mant = '', exp] = text.split('e');
  const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
  if (exp === undefined) return new RawJson(m);
  const e = Number(exp);
  return new RawJson(`${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`);
}

export function writeJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(value: unknown, out: string[]): void {
  if (value instanceof RawJson) {
    out.push(value.text);
  } else if (value === null || value === undefined) {
    out.push('null');
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      write(v, out);
    });
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(v, out);
    }
    out.push('}');
  } else {
    out.push(JSON.stringify(value));
  }
}
