import { formatDecimal, type Decimal } from '../domain/decimal.js';
import { deviatesBeyond, medianRateDecimal, roundRate } from './rate-decimal.js';

export interface Quote {
  readonly source: string;
  readonly value: Decimal;
}

export interface Aggregate {
  /** Median of the kept quotes, rounded half-up to 8 places, canonical text. */
  readonly rate: string;
  readonly sources: string[];
  readonly outliers: Quote[];
}

/**
 * Combines the sources' prices for one currency into the rate Till quotes.
 *
 * With three or more quotes, a quote more than `maxDeviationPercent` away from the median
 * of all quotes is dropped before the median is taken. The reference is the median of
 * all rather than of "the others": with three sources and one wild, the median of the
 * other two for an honest source is pulled halfway to the wild one, and the honest source
 * would be dropped too. With one or two quotes nothing can be outvoted. If the quotes
 * disagree so much that none is close to the median, all are kept: the median is still
 * the least bad answer and the caller logs the disagreement.
 */
export function aggregateQuotes(quotes: readonly Quote[], maxDeviationPercent: number): Aggregate {
  if (quotes.length === 0) throw new RangeError('no quotes to aggregate');
  let kept: readonly Quote[] = quotes;
  let outliers: Quote[] = [];
  if (quotes.length >= 3) {
    const reference = medianRateDecimal(quotes.map((q) => q.value));
    const close = quotes.filter((q) => !deviatesBeyond(q.value, reference, maxDeviationPercent));
    if (close.length > 0) {
      kept = close;
      outliers = quotes.filter((q) => !close.includes(q));
    }
  }
  const median = medianRateDecimal(kept.map((q) => q.value));
  return {
    rate: formatDecimal(roundRate(median)),
    sources: kept.map((q) => q.source),
    outliers,
  };
}
