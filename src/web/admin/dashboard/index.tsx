import type { Child } from 'hono/jsx';
import type { InvoiceStatus } from '../../../domain/invoice.js';
import { INVOICE_STATUSES } from '../../../domain/invoice.js';
import { formatBtc, formatMoney, satsToFiatMinor } from '../../../domain/money.js';
import type { Received, RecentPaymentView } from '../../../invoicing/reports.js';
import { hashedAsset } from '../assets.js';
import { csrfOf, flashOf, sendPage, type AdminModule } from '../http.js';
import { AdminPage, when } from '../layout.js';
import type { HealthView } from '../ports.js';
import { ReceivedChart } from './chart.js';
import { registerExports } from './export.js';

/** What the shared admin stylesheet lacks for this page. */
export const DASHBOARD_STYLESHEET = hashedAsset('dashboard', 'css', `
.card>h2:first-child{margin-top:0}
.received .stat{border:1px solid var(--line);border-radius:8px;padding:.6rem .75rem}
.received .value{overflow-wrap:anywhere}
.received .fiat{margin:.2rem 0 0;padding:0;list-style:none;font-variant-numeric:tabular-nums}
.received .count{color:var(--muted);font-size:.85rem;margin:.2rem 0 0}
.chart-fig{margin:0}
.chart-fig .chart{height:9rem}
.chart .bar{fill:currentColor}
.chart .axis{stroke:var(--line);stroke-width:1}
.chart-x{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem;margin:.15rem 0 .4rem}
.chart-fig figcaption{font-size:.88rem}
.recent td{white-space:nowrap}
@media (max-width:40rem){
.recent thead{display:none}
.recent,.recent tbody{display:block}
.recent tr{display:grid;grid-template-columns:1fr auto;grid-template-areas:"inv amt" "tx amt" "when state";gap:.15rem .75rem;padding:.55rem 0;border-bottom:1px solid var(--line)}
.recent td{border:0;padding:0}
.recent tr:last-child{border-bottom:0;padding-bottom:0}
.recent td.inv{grid-area:inv}.recent td.tx{grid-area:tx}.recent td.amt{grid-area:amt}
.recent td.when{grid-area:when;color:var(--muted);font-size:.85rem}.recent td.state{grid-area:state;text-align:right}
}
.counts .grid{grid-template-columns:repeat(auto-fill,minmax(7.5rem,1fr))}
.recent .tx{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
.export .filters{margin:.5rem 0 0;align-items:start}
.export .actions{margin-top:.75rem}
`.trim());

function Amounts({ label, r }: { label: string; r: Received }): Child {
  const fiat = [...r.fiat].sort(([a], [b]) => (a < b ? -1 : 1));
  return (
    <div class="stat">
      <div class="label">{label}</div>
      <div class="value">{formatBtc(r.sats)} BTC</div>
      {fiat.length > 0 ? (
        <ul class="fiat" aria-label={`${label} in each invoice currency, at each invoice's locked rate`}>
          {fiat.map(([cur, minor]) => <li>{formatMoney(minor, cur)} {cur}</li>)}
        </ul>
      ) : null}
      <p class="count">{r.count === 1 ? '1 payment' : `${r.count} payments`}</p>
    </div>
  );
}

function Health({ h }: { h: HealthView }): Child {
  return (
    <section class="card" aria-labelledby="node-h">
      <h2 id="node-h">Node</h2>
      <p>
        <span class={h.ok ? 'chip ok' : 'chip bad'}>{h.ok ? 'Following the chain' : 'Needs attention'}</span>
      </p>
      {h.warnings.length > 0 ? (
        <ul>{h.warnings.map((w) => <li>{w}</li>)}</ul>
      ) : (
        <p class="muted">No warnings.</p>
      )}
    </section>
  );
}

function Counts({ counts }: { counts: Partial<Record<InvoiceStatus, number>> }): Child {
  return (
    <section class="card counts" aria-labelledby="counts-h">
      <h2 id="counts-h">Invoices by status</h2>
      <div class="grid">
        {INVOICE_STATUSES.filter((s) => (counts[s] ?? 0) > 0).map((s) => (
          <a class="stat" href={`/admin/invoices?status=${s}`}>
            <div class="label">{s}</div>
            <div class="value">{String(counts[s] ?? 0)}</div>
          </a>
        ))}
      </div>
      {INVOICE_STATUSES.every((s) => (counts[s] ?? 0) === 0) ? <p class="muted">No invoices yet.</p> : null}
    </section>
  );
}

const shortTxid = (txid: string) => `${txid.slice(0, 8)}…${txid.slice(-8)}`;

function PaymentState({ p }: { p: RecentPaymentView }): Child {
  if (p.status === 'confirmed') {
    // A block Till's tip has not reached (or no tip yet): confirmed, its depth unknown.
    if (p.confirmations < 1) return <span class="chip ok">confirmed</span>;
    return <span class="chip ok">{p.confirmations === 1 ? '1 confirmation' : `${p.confirmations} confirmations`}</span>;
  }
  if (p.status === 'mempool') return <span class="chip warn">in mempool</span>;
  return <span class="chip bad">{p.status}</span>;
}

function Recent({ list }: { list: RecentPaymentView[] }): Child {
  return (
    <section class="card" aria-labelledby="recent-h">
      <h2 id="recent-h">Recent payments</h2>
      {list.length === 0 ? <p class="muted">No payments yet.</p> : (
        <div class="table-wrap">
          <table class="recent">
            <thead><tr><th>Received</th><th>Invoice</th><th>Transaction</th><th class="num">Amount</th><th>State</th></tr></thead>
            <tbody>
              {list.map((p) => {
                const href = p.invoiceRef ? `/admin/invoices/${p.invoiceRef}` : null;
                const fiat = p.currency && p.rate && p.currency !== 'BTC' ? `${formatMoney(satsToFiatMinor(p.sats, p.currency, p.rate), p.currency)} ${p.currency}` : null;
                return (
                  <tr>
                    <td class="when">{when(p.receivedAt)}</td>
                    <td class="inv">{href ? <a href={href}>{p.invoiceNumber}</a> : <span class="muted">no invoice</span>}</td>
                    <td class="tx">
                      {href ? (
                        <a class="tx" href={href} title={`${p.txid}:${p.vout}`} aria-label={`Transaction ${p.txid}, output ${p.vout}`}>{shortTxid(p.txid)}</a>
                      ) : (
                        <span class="tx" title={`${p.txid}:${p.vout}`}>{shortTxid(p.txid)}</span>
                      )}
                    </td>
                    <td class="num amt">{formatBtc(p.sats)} BTC{fiat ? <><br /><span class="muted">{fiat}</span></> : null}</td>
                    <td class="state"><PaymentState p={p} /></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** A GET form: the range and status go into the export's query; no CSRF, it changes nothing. */
function Exports(): Child {
  return (
    <section class="card export" aria-labelledby="export-h">
      <h2 id="export-h">Export for your accounts</h2>
      <p class="hint">CSV for a spreadsheet: dates in UTC, both days included; leave them empty for everything.</p>
      <form method="get" action="/admin/export/invoices.csv">
        <div class="filters">
          <div>
            <label for="ex-from">From</label>
            <input id="ex-from" type="date" name="from" />
          </div>
          <div>
            <label for="ex-to">To</label>
            <input id="ex-to" type="date" name="to" />
          </div>
          <div>
            <label for="ex-status">Invoice status</label>
            <select id="ex-status" name="status">
              <option value="">Any</option>
              {INVOICE_STATUSES.map((s) => <option value={s}>{s}</option>)}
            </select>
          </div>
        </div>
        <div class="actions">
          <button type="submit">Invoices CSV</button>
          <button type="submit" class="secondary" formaction="/admin/export/payments.csv">Payments CSV</button>
        </div>
      </form>
    </section>
  );
}

/**
 * `/admin`: what a merchant looks at first — what came in today, in 7 and 30 days (BTC,
 * and each invoice currency at the invoices' locked rates), the days as a chart, the
 * latest payments, the invoices by status, the node's state, and the exports.
 */
export const dashboard: AdminModule = {
  assets: [DASHBOARD_STYLESHEET],
  register(r, deps) {
    r.get('/', async (ctx) => {
      const [health, counts, report] = await Promise.all([
        deps.health(),
        deps.invoices.countByStatus(),
        deps.reports.dashboard({ recent: 10 }),
      ]);
      // A node that needs the merchant comes first; a quiet one below the money.
      const attention = !health.ok || health.warnings.length > 0;
      sendPage(ctx, 200, (
        <AdminPage title="Dashboard" section="/admin" csrf={csrfOf(ctx)} shopName={deps.settings.shopName()} flash={flashOf(ctx)}>
          <link rel="stylesheet" href={DASHBOARD_STYLESHEET.path} />
          <h1>Dashboard</h1>
          {attention ? <Health h={health} /> : null}
          <section class="card received" aria-labelledby="received-h">
            <h2 id="received-h">Received</h2>
            <div class="grid">
              <Amounts label="Today" r={report.today} />
              <Amounts label="Last 7 days" r={report.week} />
              <Amounts label="Last 30 days" r={report.month} />
            </div>
            <p class="hint">Payments in the mempool or confirmed, by when they were made (UTC days). Each invoice currency on its own, at the rate each invoice locked.</p>
            <ReceivedChart days={report.days} />
          </section>
          <Recent list={report.recent} />
          <Counts counts={counts} />
          {attention ? null : <Health h={health} />}
          <Exports />
        </AdminPage>
      ));
    });
    registerExports(r, deps);
  },
};
