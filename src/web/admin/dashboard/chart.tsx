import type { Child } from 'hono/jsx';
import type { DayBar } from '../../../invoicing/reports.js';
import { formatBtc } from '../../../domain/money.js';

/** "13 Mar": a UTC day, short. */
export function shortDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]}`;
}

const W = 600;
const H = 126;
const TOP = 8;
const BASE = 124;
const GAP = 4;

/** Bar height for `sats` against the busiest day, in whole SVG units; a day with money shows at least 2. */
function barHeight(sats: bigint, max: bigint): number {
  if (sats <= 0n || max <= 0n) return 0;
  const h = Number((sats * BigInt((BASE - TOP) * 100)) / max) / 100;
  return Math.max(2, Math.round(h * 10) / 10);
}

/**
 * Payments over the last days as a bar chart drawn on the server: inline SVG, no script.
 * Screen readers get its title and description, then a table of the days (visually hidden).
 */
export function ReceivedChart({ days }: { days: DayBar[] }): Child {
  const max = days.reduce((m, d) => (d.sats > m ? d.sats : m), 0n);
  const withMoney = days.filter((d) => d.sats > 0n);
  const slot = W / days.length;
  const total = days.reduce((s, d) => s + d.sats, 0n);
  const busiest = withMoney.reduce<DayBar | null>((b, d) => (b === null || d.sats > b.sats ? d : b), null);
  const first = days[0]!;
  const last = days[days.length - 1]!;
  const desc = busiest
    ? `${formatBtc(total)} BTC on ${withMoney.length} of ${days.length} days from ${shortDay(first.start)} to ${shortDay(last.start)}; the most on ${shortDay(busiest.start)}: ${formatBtc(busiest.sats)} BTC.`
    : `No payments from ${shortDay(first.start)} to ${shortDay(last.start)}.`;
  return (
    <figure class="chart-fig">
      <svg class="chart" viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-labelledby="chart-t" aria-describedby="chart-d">
        <title id="chart-t">BTC received per day, last {String(days.length)} days (UTC)</title>
        <desc id="chart-d">{desc}</desc>
        <line class="axis" vector-effect="non-scaling-stroke" x1="0" y1={String(BASE + 0.5)} x2={String(W)} y2={String(BASE + 0.5)} />
        {days.map((d, i) => {
          const h = barHeight(d.sats, max);
          return h > 0 ? (
            <rect class="bar" x={(i * slot + GAP / 2).toFixed(1)} y={(BASE - h).toFixed(1)} width={(slot - GAP).toFixed(1)} height={h.toFixed(1)}>
              <title>{`${shortDay(d.start)}: ${formatBtc(d.sats)} BTC, ${d.count} payment${d.count === 1 ? '' : 's'}`}</title>
            </rect>
          ) : null;
        })}
      </svg>
      <div class="chart-x" aria-hidden="true">
        <span>{shortDay(first.start)}</span>
        <span>{shortDay(days[Math.floor(days.length / 2)]!.start)}</span>
        <span>Today</span>
      </div>
      <figcaption class="muted" aria-hidden="true">{desc}</figcaption>
      {/* A table itself grows past the 1px box of .sr: the box is a div around it. */}
      <div class="sr">
      <table>
        <caption>BTC received per day (UTC), days with payments</caption>
        <thead><tr><th scope="col">Day</th><th scope="col">BTC</th><th scope="col">Payments</th></tr></thead>
        <tbody>
          {withMoney.map((d) => (
            <tr><th scope="row">{new Date(d.start).toISOString().slice(0, 10)}</th><td>{formatBtc(d.sats)}</td><td>{String(d.count)}</td></tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
