import type { Child } from 'hono/jsx';
import type { Invoice, InvoiceStatus } from '../../../domain/invoice.js';
import { INVOICE_STATUSES } from '../../../domain/invoice.js';
import { formatMoney } from '../../../domain/money.js';
import { csrfOf, flashOf, sendPage, type AdminModule } from '../http.js';
import { AdminPage, when } from '../layout.js';
import type { HealthView } from '../ports.js';

function Health({ h }: { h: HealthView }): Child {
  return (
    <section class="card" aria-labelledby="node-h">
      <h2 id="node-h" style="margin-top:0">Node</h2>
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
    <section class="card" aria-labelledby="counts-h">
      <h2 id="counts-h" style="margin-top:0">Invoices by status</h2>
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

function Recent({ list }: { list: Invoice[] }): Child {
  if (list.length === 0) return null;
  return (
    <section class="card" aria-labelledby="recent-h">
      <h2 id="recent-h" style="margin-top:0">Latest invoices</h2>
      <div class="table-wrap">
        <table>
          <thead><tr><th>Number</th><th>Status</th><th class="num">Total</th><th>Created</th></tr></thead>
          <tbody>
            {list.map((i) => (
              <tr>
                <td><a href={`/admin/invoices/${i.ref}`}>{i.number}</a></td>
                <td><span class="chip">{i.status}</span></td>
                <td class="num">{formatMoney(i.total, i.currency)} {i.currency}</td>
                <td>{when(i.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** `/admin`: what a merchant looks at first — the node's state, the invoices by status, the latest ones. */
export const dashboard: AdminModule = {
  register(r, deps) {
    r.get('/', async (ctx) => {
      const [health, counts, recent] = await Promise.all([
        deps.health(),
        deps.invoices.countByStatus(),
        deps.invoices.list({ limit: 10, offset: 0 }),
      ]);
      sendPage(ctx, 200, (
        <AdminPage title="Dashboard" section="/admin" csrf={csrfOf(ctx)} shopName={deps.settings.shopName()} flash={flashOf(ctx)}>
          <h1>Dashboard</h1>
          <Health h={health} />
          <Counts counts={counts} />
          <Recent list={recent.invoices} />
        </AdminPage>
      ));
    });
  },
};
