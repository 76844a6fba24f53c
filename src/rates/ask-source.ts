import type { Quote } from './aggregate.js';
import { parseRateDecimal } from './rate-decimal.js';
import type { RateLogger, RateProvider } from './types.js';

export interface Answer {
  readonly source: string;
  readonly quotes: Map<string, Quote>;
}

/**
 * Asks one source for prices, bounded by `timeoutMs` even if the source ignores its
 * abort signal. Garbage prices are dropped (and logged); a source that fails answers
 * undefined, so the others still make a rate.
 */
export async function askSource(
  provider: RateProvider,
  currencies: string[],
  opts: { timeoutMs: number; lifecycle: AbortSignal; log: RateLogger },
): Promise<Answer | undefined> {
  const { timeoutMs, lifecycle, log } = opts;
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, lifecycle]);
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const cutOff = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    onStop = () => reject(new Error('rate service stopped'));
    lifecycle.addEventListener('abort', onStop, { once: true });
  });
  try {
    const raw = await Promise.race([
      Promise.resolve().then(() => provider.fetchRates([...currencies], signal)),
      cutOff,
    ]);
    if (!(raw instanceof Map)) throw new Error('provider did not answer with a Map');
    const quotes = new Map<string, Quote>();
    const garbage: Record<string, string> = {};
    for (const currency of currencies) {
      const text: unknown = raw.get(currency);
      if (text === undefined) continue;
      const value = typeof text === 'string' ? parseRateDecimal(text) : undefined;
      if (value === undefined) garbage[currency] = String(text).slice(0, 40);
      else quotes.set(currency, { source: provider.name, value });
    }
    if (Object.keys(garbage).length > 0) {
      log.warn({ source: provider.name, dropped: garbage }, 'rate source sent unusable prices; they are ignored');
    }
    return { source: provider.name, quotes };
  } catch (e) {
    if (!lifecycle.aborted) log.warn({ source: provider.name, err: e instanceof Error ? e.message : String(e) }, 'rate source failed; skipping it');
    return undefined;
  } finally {
    clearTimeout(timer);
    if (onStop) lifecycle.removeEventListener('abort', onStop);
    controller.abort();
  }
}
