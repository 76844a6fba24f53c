import type { Child } from 'hono/jsx';
import type { Invoice, InvoiceStatus } from '../../../domain/invoice.js';
import type { Payment } from '../../../domain/payment.js';
import type { InvoiceDeliveryRow, InvoiceEventRow } from '../../../invoicing/invoice-browser.js';
import { csrfOf, flashOf, sendPage, type AdminContext } from '../http.js';
import { AdminPage, Csrf, errorsOf, when } from '../layout.js';
import type { AdminDeps, FieldError } from '../ports.js';
import { btc, invoicePath, InvoiceStyles, money, StatusChip } from './common.js';
import { DIALECT_LABEL } from './list.js';

const CANCELLABLE: readonly InvoiceStatus[] = ['draft', 'pending'];
const MARKABLE: readonly InvoiceStatus[] = ['draft', 'pending', 'partial', 'expired', 'underpaid', 'invalid'];
const METHOD_LABEL = { onchain_btc: 'Bitcoin on-chain', wire: 'Wire transfer' } as const;

export interface DetailOptions {
  status?: number;
  flash?: { text: string; bad?: boolean } | null;
  /** The mark-paid form's errors and what was typed in it. */
  markErrors?: FieldError[];
  markNote?: string;
}

function Fact({ label, children }: { label: string; children?: Child }): Child {
  return <><dt>{label}</dt><dd>{children}</dd></>;
}

function Actions({ inv, csrf, o }: { inv: Invoice; csrf: string; o: DetailOptions }): Child {
  const path = invoicePath(inv.ref);
  const canFinalize = inv.status === 'draft';
  const canCancel = CANCELLABLE.includes(inv.status) && inv.paidSats === 0n;
  const canMark = inv.paymentMethods.includes('wire') && MARKABLE.includes(inv.status);
  if (!canFinalize && !canCancel && !canMark) return null;
  const noteErrors = errorsOf(o.markErrors ?? [], 'note');
  return (
    <section class="card" aria-labelledby="act-h">
      <h2 id="act-h">Actions</h2>
      <div class="actions">
        {canFinalize ? (
          <form method="post" action={`${path}/finalize`}>
            <Csrf token={csrf} />
            <button type="submit">Finalize</button>
          </form>
        ) : null}
        {canCancel ? (
          <form method="post" action={`${path}/cancel`} data-confirm={`Cancel invoice ${inv.number}? The payer can no longer pay it.`}>
            <Csrf token={csrf} />
            <button type="submit" class="danger">Cancel invoice</button>
          </form>
        ) : null}
      </div>
      {canFinalize ? <p class="hint">Finalizing locks the exchange rate, gives the invoice its Bitcoin address and opens its checkout page.</p> : null}
      {canMark ? (
        <form method="post" action={`${path}/mark-paid`} data-confirm={`Mark ${inv.number} paid? It will be confirmed at once.`}>
          <Csrf token={csrf} />
          <h3>Mark paid by wire transfer</h3>
          <label for="f-note">What came in (kept on the invoice and in the audit log)</label>
          <textarea id="f-note" name="note" required maxlength={500} aria-invalid={noteErrors.length ? 'true' : undefined} aria-describedby={noteErrors.length ? 'f-note-error' : undefined}>{o.markNote ?? ''}</textarea>
          {noteErrors.length ? <p id="f-note-error" class="error">{noteErrors.join(' ')}</p> : null}
          <div class="actions"><button type="submit">Mark paid</button></div>
        </form>
      ) : null}
    </section>
  );
}

function LinesTable({ inv }: { inv: Invoice }): Child {
  return (
    <div class="table-wrap">
      <table class="collapse">
        <thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Unit price</th><th class="num">Amount</th></tr></thead>
        <tbody>
          {inv.lines.map((l) => (
            <tr>
              <td class="first" data-label="Description"><span class="pre">{l.description}</span></td>
              <td class="num" data-label="Quantity">{l.quantity}</td>
              <td class="num" data-label="Unit price">{money(l.unitPrice, inv.currency)}</td>
              <td class="num" data-label="Amount">{money(l.amount, inv.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl class="totals">
        <dt>Subtotal</dt><dd>{money(inv.subtotal, inv.currency)}</dd>
        <dt>Tax ({inv.taxRate}%)</dt><dd>{money(inv.tax, inv.currency)}</dd>
        <dt>Discount</dt><dd>{inv.discount > 0n ? `−${money(inv.discount, inv.currency)}` : money(0n, inv.currency)}</dd>
        <dt class="grand">Total</dt><dd class="grand" id="invoice-total">{money(inv.total, inv.currency)}</dd>
      </dl>
    </div>
  );
}

const PAYMENT_TONE: Record<Payment['status'], string> = { mempool: 'chip warn', confirmed: 'chip ok', replaced: 'chip bad', reorged: 'chip bad' };

function Payments({ list }: { list: { payment: Payment; confirmations: number }[] }): Child {
  return (
    <section class="card" aria-labelledby="pay-h">
      <h2 id="pay-h">Payments</h2>
      {list.length === 0 ? <p class="muted">No payment seen yet.</p> : (
        <div class="table-wrap">
          <table class="collapse">
            <thead><tr><th>Transaction</th><th class="num">Amount</th><th>Status</th><th class="num">Confirmations</th><th>Seen</th><th class="num">Block</th></tr></thead>
            <tbody>
              {list.map(({ payment: p, confirmations }) => (
                <tr>
                  <td class="first" data-label="Transaction"><code>{p.txid}:{String(p.vout)}</code></td>
                  <td class="num" data-label="Amount">{btc(p.sats)}</td>
                  <td data-label="Status"><span class={PAYMENT_TONE[p.status]}>{p.status}</span></td>
                  <td class="num" data-label="Confirmations">{String(confirmations)}</td>
                  <td class="nowrap" data-label="Seen">{when(p.seenAt)}</td>
                  <td class="num" data-label="Block">{p.blockHeight === null ? '—' : String(p.blockHeight)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const DELIVERY_TONE: Record<string, string> = { delivered: 'chip ok', pending: 'chip warn', failed: 'chip bad', skipped: 'chip' };
const KIND_LABEL: Record<string, string> = { webhook: 'Webhook', ipn: 'IPN', email: 'Email' };

function Delivery({ d }: { d: InvoiceDeliveryRow }): Child {
  return (
    <li>
      {KIND_LABEL[d.targetKind] ?? d.targetKind} <span class="mono">{d.target}</span>{' '}
      <span class={DELIVERY_TONE[d.status] ?? 'chip'}>{d.status}</span>{' '}
      <span class="muted">
        {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
        {d.lastStatusCode !== null ? `, last answer HTTP ${d.lastStatusCode}` : ''}
        {d.lastError && !(d.lastStatusCode !== null && d.lastError.startsWith(`HTTP ${d.lastStatusCode}`)) ? `, ${d.lastError.slice(0, 200)}` : ''}
        {d.lastAttemptAt !== null ? ` (${when(d.lastAttemptAt)})` : ''}
      </span>
    </li>
  );
}

function Events({ list }: { list: { event: InvoiceEventRow; deliveries: InvoiceDeliveryRow[] }[] }): Child {
  return (
    <section class="card" aria-labelledby="ev-h">
      <h2 id="ev-h">Events and notifications</h2>
      {list.length === 0 ? <p class="muted">No events.</p> : (
        <div class="table-wrap">
          <table class="collapse">
            <thead><tr><th>Event</th><th>Time</th><th>Sent to</th></tr></thead>
            <tbody>
              {list.map(({ event, deliveries }) => (
                <tr>
                  <td class="first nowrap" data-label="Event"><code>{event.type}</code></td>
                  <td class="nowrap" data-label="Time">{when(event.createdAt)}</td>
                  <td data-label="Sent to">
                    {deliveries.length === 0 ? <span class="muted">No webhook or IPN for this event</span> : (
                      <ul class="deliveries">{deliveries.map((d) => <Delivery d={d} />)}</ul>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function markedPaidNote(inv: Invoice): string | null {
  const m = inv.dialectData?.marked_paid as { note?: unknown } | undefined;
  return m && typeof m.note === 'string' && m.note !== '' ? m.note : null;
}

/** `GET /admin/invoices/:ref`: everything about one invoice, and what the merchant may do with it. */
export async function detailPage(ctx: AdminContext, deps: AdminDeps, inv: Invoice, o: DetailOptions = {}): Promise<void> {
  const [payments, events] = await Promise.all([deps.invoices.payments(inv), deps.invoiceBrowser.events(inv.id)]);
  const checkout = deps.invoiceBrowser.checkoutUrl(inv, { protocol: ctx.protocol, host: ctx.host });
  const note = markedPaidNote(inv);
  const csrf = csrfOf(ctx);
  const customer = [inv.customerName, inv.customerCompany, inv.customerEmail].some((x) => x);
  sendPage(ctx, o.status ?? 200, (
    <AdminPage title={`Invoice ${inv.number}`} section="/admin/invoices" csrf={csrf} shopName={deps.settings.shopName()} flash={o.flash === undefined ? flashOf(ctx) : o.flash}>
      <InvoiceStyles />
      <p><a href="/admin/invoices">← All invoices</a></p>
      <div class="inv-head">
        <h1>Invoice {inv.number}</h1>
        <StatusChip status={inv.status} exception={inv.exception} />
      </div>
      <Actions inv={inv} csrf={csrf} o={o} />
      <div class="grid cards">
        <section class="card" aria-labelledby="sum-h">
          <h2 id="sum-h">Summary</h2>
          <dl class="facts">
            <Fact label="Total"><strong>{money(inv.total, inv.currency)}</strong></Fact>
            <Fact label="BTC due">{btc(inv.dueSats)}</Fact>
            <Fact label="BTC paid">{btc(inv.paidSats)}</Fact>
            <Fact label="Rate">{inv.rate === null ? '—' : `${inv.rate} ${inv.currency} per BTC`}</Fact>
            <Fact label="Address">{inv.address ? <code>{inv.address}</code> : '—'}</Fact>
            <Fact label="Checkout page">{checkout ? <a href={checkout} rel="noreferrer" target="_blank">{checkout}</a> : <span class="muted">{inv.status === 'draft' ? 'after it is finalized' : 'none: it was never finalized'}</span>}</Fact>
            <Fact label="Payment methods">{inv.paymentMethods.map((m) => METHOD_LABEL[m] ?? m).join(', ')}</Fact>
            <Fact label="Confirmations needed">{String(inv.requiredConfirmations)}</Fact>
          </dl>
        </section>
        <section class="card" aria-labelledby="cust-h">
          <h2 id="cust-h">Customer</h2>
          {customer ? (
            <dl class="facts">
              {inv.customerName ? <Fact label="Name">{inv.customerName}</Fact> : null}
              {inv.customerCompany ? <Fact label="Company">{inv.customerCompany}</Fact> : null}
              {inv.customerEmail ? <Fact label="Email">{inv.customerEmail}</Fact> : null}
            </dl>
          ) : <p class="muted">None given.</p>}
          <h2>Timeline</h2>
          <dl class="facts">
            <Fact label="Created">{when(inv.createdAt)}</Fact>
            {inv.finalizedAt !== null ? <Fact label="Finalized">{when(inv.finalizedAt)}</Fact> : null}
            {inv.quoteExpiresAt !== null ? <Fact label="Quote until">{when(inv.quoteExpiresAt)}</Fact> : null}
            {inv.paidAt !== null ? <Fact label="Paid">{when(inv.paidAt)}</Fact> : null}
            {inv.confirmedAt !== null ? <Fact label="Confirmed">{when(inv.confirmedAt)}</Fact> : null}
            {inv.expiredAt !== null ? <Fact label="Expired">{when(inv.expiredAt)}</Fact> : null}
            {inv.cancelledAt !== null ? <Fact label="Cancelled">{when(inv.cancelledAt)}</Fact> : null}
            {inv.markedPaidAt !== null ? <Fact label="Marked paid">{when(inv.markedPaidAt)}</Fact> : null}
            {note !== null ? <Fact label="Mark-paid note"><span class="pre">{note}</span></Fact> : null}
          </dl>
        </section>
      </div>
      <section class="card" aria-labelledby="lines-h">
        <h2 id="lines-h">Lines</h2>
        <LinesTable inv={inv} />
      </section>
      {inv.notes ? (
        <section class="card" aria-labelledby="notes-h">
          <h2 id="notes-h">Notes</h2>
          <p class="pre" id="invoice-notes">{inv.notes}</p>
        </section>
      ) : null}
      <Payments list={payments} />
      <Events list={events} />
      <section class="card" aria-labelledby="ids-h">
        <h2 id="ids-h">Identifiers</h2>
        <dl class="facts">
          <Fact label="Ref"><code>{inv.ref}</code></Fact>
          <Fact label="Id">{String(inv.id)}</Fact>
          <Fact label="Public id"><code>{inv.publicId}</code></Fact>
          <Fact label="Made by">{DIALECT_LABEL[inv.dialect] ?? inv.dialect}{inv.paymentLinkId !== null ? ` (payment link ${inv.paymentLinkId})` : ''}{inv.apiKeyId !== null ? ` (API key ${inv.apiKeyId})` : ''}</Fact>
          {inv.metadata && Object.keys(inv.metadata).length ? <Fact label="Metadata"><pre class="meta">{JSON.stringify(inv.metadata, null, 2)}</pre></Fact> : null}
        </dl>
      </section>
    </AdminPage>
  ));
}
