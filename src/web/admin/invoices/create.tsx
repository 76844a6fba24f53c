import type { Child } from 'hono/jsx';
import { listCurrencies, minorUnits } from '../../../domain/currency.js';
import type { Invoice, PaymentMethod } from '../../../domain/invoice.js';
import { formatMoney } from '../../../domain/money.js';
import { computeInvoiceTotals, MAX_LINES } from '../../../domain/totals.js';
import { actorOf, csrfOf, redirectWith, sendPage, type AdminContext } from '../http.js';
import { AdminPage, Csrf, errorsOf, Field, FormErrors } from '../layout.js';
import { fieldErrorsOf, formOf } from '../forms.js';
import type { AdminDeps, FieldError } from '../ports.js';
import { INVOICES_SCRIPT } from './assets.js';
import { invoicePath, InvoiceStyles } from './common.js';

/** Rows a new form shows; "Add a line" posts back with one more. */
export const START_ROWS = 5;

export interface LineInput {
  description: string;
  quantity: string;
  unit_price: string;
}

export interface CreateForm {
  currency: string;
  customer_name: string;
  customer_email: string;
  customer_company: string;
  notes: string;
  tax_rate: string;
  discount_amount: string;
  onchain: boolean;
  wire: boolean;
  lines: LineInput[];
}

const LINE_FIELDS = ['description', 'quantity', 'unit_price'] as const;
const LABELS: Record<string, string> = {
  currency: 'Currency', customer_name: 'Name', customer_email: 'Email', customer_company: 'Company',
  notes: 'Notes', tax_rate: 'Tax rate', discount_amount: 'Discount', payment_methods: 'Payment methods',
  description: 'Description', quantity: 'Quantity', unit_price: 'Unit price', lines: 'Lines',
};

export function emptyForm(currency: string): CreateForm {
  return {
    currency, customer_name: '', customer_email: '', customer_company: '', notes: '', tax_rate: '', discount_amount: '',
    onchain: true, wire: false,
    lines: Array.from({ length: START_ROWS }, () => ({ description: '', quantity: '', unit_price: '' })),
  };
}

/** The posted fields as the form (rows: as many as were shown, and at least as many as were filled). */
export function readForm(f: Record<string, string>): CreateForm {
  let rows = /^[0-9]{1,3}$/.test(f.rows ?? '') ? Number(f.rows) : START_ROWS;
  for (const k of Object.keys(f)) {
    const m = /^line([0-9]{1,3})_/.exec(k);
    if (m) rows = Math.max(rows, Number(m[1]) + 1);
  }
  rows = Math.min(Math.max(rows, 1), MAX_LINES);
  const s = (k: string) => (f[k] ?? '').trim();
  return {
    currency: s('currency').toUpperCase(),
    customer_name: s('customer_name'),
    customer_email: s('customer_email'),
    customer_company: s('customer_company'),
    notes: (f.notes ?? '').replace(/\r\n/g, '\n').trim(),
    tax_rate: s('tax_rate'),
    discount_amount: s('discount_amount'),
    onchain: f.method_onchain === 'on',
    wire: f.method_wire === 'on',
    lines: Array.from({ length: rows }, (_, i) => ({
      description: s(`line${i}_description`),
      quantity: s(`line${i}_quantity`),
      unit_price: s(`line${i}_unit_price`),
    })),
  };
}

/**
 * The JSON body the API's create-invoice takes, from the form: the rows with a description
 * or a price become `lines` (an empty quantity is 1), empty optional fields are left out,
 * decimals stay strings. `rowOf[k]` is the form row of `lines[k]`.
 */
export function bodyOf(form: CreateForm): { body: Record<string, unknown>; rowOf: number[] } {
  const rowOf: number[] = [];
  const lines: Record<string, string>[] = [];
  form.lines.forEach((l, i) => {
    if (l.description === '' && l.unit_price === '') return;
    rowOf.push(i);
    lines.push({ description: l.description, quantity: l.quantity === '' ? '1' : l.quantity, unit_price: l.unit_price });
  });
  const body: Record<string, unknown> = { lines };
  const methods: PaymentMethod[] = [];
  if (form.onchain) methods.push('onchain_btc');
  if (form.wire) methods.push('wire');
  body.payment_methods = methods;
  for (const k of ['currency', 'customer_name', 'customer_email', 'customer_company', 'notes', 'tax_rate', 'discount_amount'] as const) {
    if (form[k] !== '') body[k] = form[k];
  }
  return { body, rowOf };
}

/**
 * An error of the body as one of the form's fields: `lines[2].unit_price` is the unit
 * price of the row that became line 2; its message starts with the field's label.
 */
export function toFormErrors(errors: readonly FieldError[], rowOf: readonly number[]): FieldError[] {
  return errors.map((e) => {
    if (e.field === null) return e;
    const m = /^lines\[([0-9]+)\](?:\.([a-z_]+))?$/.exec(e.field);
    const rest = (name: string) => e.message.startsWith(`${e.field} `) ? `${LABELS[name] ?? name} ${e.message.slice(e.field!.length + 1)}` : e.message;
    if (m) {
      const row = rowOf[Number(m[1])] ?? 0;
      const sub = m[2] && (LINE_FIELDS as readonly string[]).includes(m[2]) ? m[2] : 'unit_price';
      return { field: `line${row}_${sub}`, message: rest(sub) };
    }
    if (e.field === 'payment_methods' && /fewer than 1/.test(e.message)) return { field: e.field, message: 'Payment methods: choose at least one.' };
    if (e.field === 'lines' && rowOf.length === 0) return { field: 'lines', message: 'Add at least one line: a description and a unit price.' };
    const known = Object.prototype.hasOwnProperty.call(LABELS, e.field);
    return known ? { field: e.field, message: rest(e.field) } : { field: null, message: e.message };
  });
}

const PLACEHOLDER_LINE = { description: 'x', quantity: '1', unit_price: '0' };

/**
 * Every error of the body, not only the first the schema meets: each refused field is set
 * aside (an optional field dropped, a line swapped for a valid one) and the body checked
 * again, so the merchant sees all that needs fixing at once.
 */
export function allErrors(check: (body: unknown) => FieldError[], body: Record<string, unknown>): FieldError[] {
  const out: FieldError[] = [];
  const b: Record<string, unknown> = { ...body, lines: [...(body.lines as unknown[])] };
  for (let i = 0; i < 100; i++) {
    const [e] = check(b);
    if (!e) break;
    out.push(e);
    const m = /^lines\[([0-9]+)\]/.exec(e.field ?? '');
    if (m && Number(m[1]) < (b.lines as unknown[]).length) (b.lines as unknown[])[Number(m[1])] = PLACEHOLDER_LINE;
    else if (e.field === 'lines') b.lines = [PLACEHOLDER_LINE];
    else if (e.field !== null && e.field in b) delete b[e.field];
    else break;
  }
  return out;
}

/** What the totals would refuse, line by line (the service stops at the first). */
function totalsErrors(body: Record<string, unknown>, defaultCurrency: string): FieldError[] {
  const out: FieldError[] = [];
  const currency = (body.currency as string | undefined) ?? defaultCurrency;
  const attempt = (input: Parameters<typeof computeInvoiceTotals>[0], index: number | null) => {
    try {
      computeInvoiceTotals(input);
    } catch (e) {
      const [err] = fieldErrorsOf(e);
      if (!err) return;
      const field = index !== null && err.field ? err.field.replace(/^lines\[0\]/, `lines[${index}]`) : err.field;
      const message = index !== null && err.field ? err.message.replace(/^lines\[0\]/, `lines[${index}]`) : err.message;
      if (!out.some((o) => o.field === field)) out.push({ field, message });
    }
  };
  attempt({ lines: [PLACEHOLDER_LINE], currency }, null);
  if (out.length) return out;
  (body.lines as unknown[]).forEach((l, k) => attempt({ lines: [l], currency }, k));
  attempt({ lines: [PLACEHOLDER_LINE], currency, tax_rate: body.tax_rate, discount_amount: body.discount_amount }, null);
  return out;
}

interface Totals {
  currency: string;
  subtotal: string;
  tax: string;
  discount: string;
  total: string;
  amounts: Map<number, string>;
}

/** The totals as the server works them out (the same code as the invoice's), or null while the form does not add up. */
export function serverTotals(form: CreateForm, defaultCurrency: string): Totals | null {
  const { body, rowOf } = bodyOf(form);
  if (rowOf.length === 0) return null;
  try {
    const t = computeInvoiceTotals({
      lines: body.lines, currency: body.currency ?? defaultCurrency, tax_rate: body.tax_rate, discount_amount: body.discount_amount,
    });
    const amounts = new Map<number, string>();
    t.lines.forEach((l, k) => amounts.set(rowOf[k]!, formatMoney(l.amount, t.currency)));
    return {
      currency: t.currency,
      subtotal: formatMoney(t.subtotal, t.currency),
      tax: formatMoney(t.tax, t.currency),
      discount: formatMoney(t.discount, t.currency),
      total: formatMoney(t.total, t.currency),
      amounts,
    };
  } catch {
    return null;
  }
}

function LineRow({ i, line, errors, amount }: { i: number; line: LineInput; errors: readonly FieldError[]; amount: string | undefined }): Child {
  return (
    <fieldset data-line={String(i)}>
      <legend>Line {i + 1}</legend>
      <div class="row">
        <div class="desc"><Field name={`line${i}_description`} label="Description" value={line.description} errors={errors} /></div>
        <div><Field name={`line${i}_quantity`} label="Quantity" value={line.quantity} errors={errors} inputmode="decimal" placeholder="1" /></div>
        <div><Field name={`line${i}_unit_price`} label="Unit price" value={line.unit_price} errors={errors} inputmode="decimal" placeholder="0.00" /></div>
        <p class="amount"><span class="sr">Amount </span><output data-amount="">{amount ?? ''}</output></p>
      </div>
    </fieldset>
  );
}

function Errors({ errors, field }: { errors: readonly FieldError[]; field: string }): Child {
  const list = errorsOf(errors, field);
  return list.length ? <p id={`f-${field}-error`} class="error">{list.join(' ')}</p> : null;
}

export function createPage(ctx: AdminContext, deps: AdminDeps, form: CreateForm, errors: readonly FieldError[], status: number): void {
  const def = deps.invoiceBrowser.defaultCurrency;
  const totals = serverTotals(form, def);
  const cur = form.currency || def;
  const currencyErrors = errorsOf(errors, 'currency');
  const notesErrors = errorsOf(errors, 'notes');
  sendPage(ctx, status, (
    <AdminPage title="New invoice" section="/admin/invoices" csrf={csrfOf(ctx)} shopName={deps.settings.shopName()} scripts={[INVOICES_SCRIPT.path]}>
      <InvoiceStyles />
      <p><a href="/admin/invoices">← All invoices</a></p>
      <h1>New invoice</h1>
      <form method="post" action="/admin/invoices/new" data-invoice-form>
        <Csrf token={csrfOf(ctx)} />
        {/* Enter in a field creates the invoice, not "Add a line" (the first submit button wins). */}
        <button type="submit" name="intent" value="create" class="default-submit" tabindex={-1} aria-hidden="true">Create draft</button>
        <input type="hidden" name="rows" value={String(form.lines.length)} />
        <FormErrors errors={errors} />
        <section class="card" aria-labelledby="cust-h">
          <h2 id="cust-h">Customer</h2>
          <div class="two">
            <Field name="customer_name" label="Name" value={form.customer_name} errors={errors} autocomplete="off" />
            <Field name="customer_email" label="Email" type="email" value={form.customer_email} errors={errors} autocomplete="off" inputmode="email" />
            <Field name="customer_company" label="Company" value={form.customer_company} errors={errors} autocomplete="off" />
          </div>
        </section>
        <section class="card" aria-labelledby="lines-h">
          <h2 id="lines-h">Lines</h2>
          <p class="hint">Rows left empty are ignored. An empty quantity is 1.</p>
          <Errors errors={errors} field="lines" />
          <div class="lines">
            {form.lines.map((l, i) => <LineRow i={i} line={l} errors={errors} amount={totals?.amounts.get(i)} />)}
          </div>
          <div class="actions">
            <button type="submit" name="intent" value="add" class="secondary">Add a line</button>
          </div>
        </section>
        <section class="card" aria-labelledby="price-h">
          <h2 id="price-h">Price and payment</h2>
          <div class="two">
            <div class="field">
              <label for="f-currency">Currency</label>
              <input id="f-currency" name="currency" type="text" value={form.currency} list="currencies" maxlength={3} autocomplete="off" placeholder={def}
                aria-invalid={currencyErrors.length ? 'true' : undefined} aria-describedby={currencyErrors.length ? 'f-currency-error f-currency-hint' : 'f-currency-hint'} />
              {currencyErrors.length ? <p id="f-currency-error" class="error">{currencyErrors.join(' ')}</p> : null}
              <p id="f-currency-hint" class="hint">Empty: {def}. Prices are in this currency; Bitcoin is priced at finalize.</p>
              <datalist id="currencies">{listCurrencies().map((c) => <option value={c} data-minor={String(minorUnits(c))} />)}</datalist>
            </div>
            <Field name="tax_rate" label="Tax rate (%)" value={form.tax_rate} errors={errors} inputmode="decimal" placeholder="0" />
            <Field name="discount_amount" label="Discount" value={form.discount_amount} errors={errors} inputmode="decimal" placeholder="0.00" hint="An amount in the currency, taken off after tax." />
          </div>
          <fieldset class="methods" aria-describedby={errorsOf(errors, 'payment_methods').length ? 'f-payment_methods-error' : undefined}>
            <legend>Payment methods</legend>
            <label class="check"><input type="checkbox" name="method_onchain" checked={form.onchain} /> Bitcoin on-chain</label>
            <label class="check"><input type="checkbox" name="method_wire" checked={form.wire} /> Wire transfer (you mark it paid by hand)</label>
            <Errors errors={errors} field="payment_methods" />
          </fieldset>
        </section>
        <section class="card" aria-labelledby="tot-h">
          <h2 id="tot-h">Totals</h2>
          <dl class="totals" aria-live="polite">
            <dt>Subtotal</dt><dd id="t-subtotal">{totals?.subtotal ?? '—'}</dd>
            <dt>Tax</dt><dd id="t-tax">{totals?.tax ?? '—'}</dd>
            <dt>Discount</dt><dd id="t-discount">{totals?.discount ?? '—'}</dd>
            <dt class="grand">Total</dt><dd class="grand"><span id="t-total">{totals?.total ?? '—'}</span> <span id="t-currency">{totals?.currency ?? cur}</span></dd>
          </dl>
          <div class="actions">
            <button type="submit" name="intent" value="totals" class="secondary" data-nojs>Work out the totals</button>
          </div>
        </section>
        <section class="card" aria-labelledby="notes-h">
          <h2 id="notes-h">Notes</h2>
          <label for="f-notes">Shown to the payer on the invoice</label>
          <textarea id="f-notes" name="notes" maxlength={5000} aria-invalid={notesErrors.length ? 'true' : undefined} aria-describedby={notesErrors.length ? 'f-notes-error' : undefined}>{form.notes}</textarea>
          {notesErrors.length ? <p id="f-notes-error" class="error">{notesErrors.join(' ')}</p> : null}
        </section>
        <div class="actions">
          <button type="submit" name="intent" value="create">Create draft</button>
          <button type="submit" name="intent" value="finalize" class="secondary">Create and finalize</button>
          <a href="/admin/invoices">Cancel</a>
        </div>
      </form>
    </AdminPage>
  ));
}

/** `POST /admin/invoices/new`: another line, the totals again, or the invoice (a draft, or finalized at once). */
export async function createPost(ctx: AdminContext, deps: AdminDeps): Promise<void> {
  const f = formOf(ctx);
  const form = readForm(f);
  const intent = f.intent ?? 'create';
  if (intent === 'add') {
    if (form.lines.length < MAX_LINES) form.lines.push({ description: '', quantity: '', unit_price: '' });
    return createPage(ctx, deps, form, [], 200);
  }
  if (intent === 'totals') return createPage(ctx, deps, form, [], 200);
  if (intent !== 'create' && intent !== 'finalize') return createPage(ctx, deps, form, [{ field: null, message: 'Choose "Create draft" or "Create and finalize".' }], 400);

  const { body, rowOf } = bodyOf(form);
  // The API's schema first, then what the totals refuse (a price with too many decimals…), all at once.
  const errors = allErrors((x) => deps.forms.check('createInvoice', x), body);
  for (const e of totalsErrors(body, deps.invoiceBrowser.defaultCurrency)) if (!errors.some((o) => o.field === e.field)) errors.push(e);
  if (errors.length) return createPage(ctx, deps, form, toFormErrors(errors, rowOf), 400);

  const b = body as {
    lines: LineInput[]; currency?: string; tax_rate?: string; discount_amount?: string; customer_email?: string;
    customer_name?: string; customer_company?: string; notes?: string; payment_methods: PaymentMethod[];
  };
  const input = {
    lines: b.lines,
    currency: b.currency?.toUpperCase(),
    taxRate: b.tax_rate,
    discountAmount: b.discount_amount,
    customerEmail: b.customer_email ?? null,
    customerName: b.customer_name ?? null,
    customerCompany: b.customer_company ?? null,
    notes: b.notes ?? null,
    paymentMethods: b.payment_methods,
    metadata: null,
    dialect: 'v1' as const,
    pageBase: deps.invoiceBrowser.pageBase({ protocol: ctx.protocol, host: ctx.host }),
    apiKeyId: null,
  };
  let inv: Invoice;
  try {
    // Create and finalize is one transaction: with no wallet or rate, nothing is written.
    inv = intent === 'finalize' ? await deps.invoices.open(input) : await deps.invoices.create(input);
  } catch (e) {
    return createPage(ctx, deps, form, toFormErrors(fieldErrorsOf(e), rowOf), 400);
  }
  const by = actorOf(ctx);
  const detail = { total: formatMoney(inv.total, inv.currency), currency: inv.currency, lines: inv.lines.length };
  await deps.audit.record(by, 'invoice.created', inv.number, detail);
  if (intent === 'finalize') await deps.audit.record(by, 'invoice.finalized', inv.number, { due_btc_sats: inv.dueSats?.toString() ?? null });
  redirectWith(ctx, invoicePath(inv.ref), intent === 'finalize' ? `Invoice ${inv.number} created and finalized.` : `Draft invoice ${inv.number} created.`);
}
