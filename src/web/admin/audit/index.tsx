import type { Child } from 'hono/jsx';
import { csrfOf, flashOf, sendPage, type AdminModule } from '../http.js';
import { AdminPage, when } from '../layout.js';
import { OWN_STYLESHEET, OwnStyles } from '../settings/style.js';

/** Entries on one page of the audit log. */
export const AUDIT_PAGE = 50;

/** An entry's detail as one line of text: `first_index: 0, network: regtest`. */
export function detailText(detail: Record<string, unknown> | null): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

function pageOf(q: unknown): number {
  return typeof q === 'string' && /^\d{1,7}$/.test(q) && Number(q) >= 1 ? Number(q) : 1;
}

function Pager({ page, pages }: { page: number; pages: number }): Child {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages of the audit log">
      {page > 1 ? <a href={`/admin/audit?page=${page - 1}`} rel="prev">← Newer</a> : <span />}
      <span class="muted">Page {String(page)} of {String(pages)}</span>
      {page < pages ? <a href={`/admin/audit?page=${page + 1}`} rel="next">Older →</a> : <span />}
    </nav>
  );
}

/** `/admin/audit`: what was done from the merchant UI and the CLI, newest first, 50 a page. */
export const auditModule: AdminModule = {
  assets: [OWN_STYLESHEET],
  register(r, deps) {
    r.get('/audit', async (ctx) => {
      const page = pageOf(ctx.query.page);
      const { entries, total } = await deps.audit.list({ limit: AUDIT_PAGE, offset: (page - 1) * AUDIT_PAGE });
      const pages = Math.max(1, Math.ceil(total / AUDIT_PAGE));
      sendPage(ctx, 200, (
        <AdminPage title="Audit log" section="/admin/audit" csrf={csrfOf(ctx)} shopName={deps.settings.shopName()} flash={flashOf(ctx)}>
          <OwnStyles />
          <h1>Audit log</h1>
          <p class="lead">What was changed — wallet, keys, invoices, links, webhooks, settings, the password — by whom and from where. Entries are never changed or deleted.</p>
          {entries.length === 0 ? (
            <section class="card"><p class="muted">{total === 0 ? 'Nothing recorded yet.' : 'No entries on this page.'} {page > 1 ? <a href="/admin/audit">Back to the newest</a> : null}</p></section>
          ) : (
            <section class="card">
              <p class="muted">{String(total)} {total === 1 ? 'entry' : 'entries'}{pages > 1 ? `, ${AUDIT_PAGE} a page` : ''}.</p>
              <div class="table-wrap">
                <table class="rows audit">
                  <thead>
                    <tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Detail</th><th scope="col">Actor</th><th scope="col">Address</th></tr>
                  </thead>
                  <tbody>
                    {entries.map((e) => (
                      <tr>
                        <td class="when" data-label="Time">{when(e.at)}</td>
                        <td data-label="Action"><code>{e.action}</code></td>
                        <td data-label="Subject" class="subject">{e.subject ?? '—'}</td>
                        <td data-label="Detail" class="detail">{detailText(e.detail) || '—'}</td>
                        <td data-label="Actor" class="actor">{e.actor}</td>
                        <td data-label="Address">{e.ip ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} pages={pages} />
            </section>
          )}
        </AdminPage>
      ));
    });
  },
};
