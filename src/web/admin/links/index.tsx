import type { Child } from 'hono/jsx';
import { TillError } from '../../../domain/errors.js';
import { listCurrencies } from '../../../domain/currency.js';
import { PAYMENT_METHODS, type PaymentMethod } from '../../../domain/invoice.js';
import { formatMoney } from '../../../domain/money.js';
import type { PaymentLink } from '../../../domain/payment-link.js';
import { fieldErrorsOf, formOf } from '../forms.js';
import { actorOf, csrfOf, redirectWith, sectionPage, type AdminContext, type AdminModule } from '../http.js';
import { Csrf, errorsOf, Field, FormErrors, Pager, when } from '../layout.js';
import type { AdminDeps, FieldError } from '../ports.js';
import { SECTION_STYLESHEET } from './style.js';
import { schemaErrors } from './schema-errors.js';

/**
 * `/admin/links`: the payment links — a public page `/pay/<slug>` that makes an invoice
 * for whoever opens it. The list (deactivated links too), a new link, a link's page with
 * the invoices it made, its edit form, and deactivating it. The forms are held to the
 * API's create-link schema, then to the PaymentLinkService's own checks.
 */

const SECTION = '/admin/links';
const FIELDS = ['title', 'slug', 'description', 'amount', 'min_amount', 'max_amount', 'currency', 'payment_methods', 'redirect_url'] as const;
const METHOD_LABELS: Record<PaymentMethod, string> = { onchain_btc: 'Bitcoin (on-chain)', wire: 'Bank transfer (wire)' };
const PER_PAGE = 25;
/** Valid values for required fields, so one bad field does not hide the others' errors. */
const STAND_IN = { title: 'x', payment_methods: ['onchain_btc'] };

type Form = Record<string, string>;

/** The posted form as the API's create-link body: blank fields are "not given". */
function linkBody(f: Form): Record<string, unknown> {
  const v = (k: string) => (f[k] ?? '').trim();
  const body: Record<string, unknown> = {
    title: v('title'),
    description: v('description') || null,
    amount: v('amount') || null,
    min_amount: v('min_amount') || null,
    max_amount: v('max_amount') || null,
    payment_methods: PAYMENT_METHODS.filter((m) => f[`pm_${m}`] === 'on'),
    redirect_url: v('redirect_url') || null,
  };
  // Blank: made from the title for a new link, the link's own kept on an edit.
  if (v('slug') !== '') body.slug = v('slug');
  if (v('currency') !== '') body.currency = v('currency').toUpperCase();
  return body;
}

function serviceErrors(e: unknown): FieldError[] {
  if (e instanceof TillError && e.code === 'slug_taken') return [{ field: 'slug', message: e.message }];
  return fieldErrorsOf(e, FIELDS);
}

/** A link's fields as the form shows them. */
function formOfLink(l: PaymentLink): Form {
  const f: Form = {
    title: l.title,
    slug: l.slug,
    description: l.description ?? '',
    amount: l.amount === null ? '' : formatMoney(l.amount, l.currency),
    min_amount: l.minAmount === null ? '' : formatMoney(l.minAmount, l.currency),
    max_amount: l.maxAmount === null ? '' : formatMoney(l.maxAmount, l.currency),
    currency: l.currency,
    redirect_url: l.redirectUrl ?? '',
  };
  for (const m of l.paymentMethods) f[`pm_${m}`] = 'on';
  return f;
}

export function amountText(l: Pick<PaymentLink, 'amount' | 'minAmount' | 'maxAmount' | 'currency'>): string {
  if (l.amount !== null) return `${formatMoney(l.amount, l.currency)} ${l.currency}`;
  const parts = ['Payer chooses'];
  if (l.minAmount !== null) parts.push(`from ${formatMoney(l.minAmount, l.currency)}`);
  if (l.maxAmount !== null) parts.push(`up to ${formatMoney(l.maxAmount, l.currency)}`);
  return parts.length > 1 ? `${parts.join(' ')} ${l.currency}` : parts[0]!;
}

function publicUrl(deps: AdminDeps, slug: string): string {
  return `${deps.settings.publicUrl ?? ''}/pay/${encodeURIComponent(slug)}`;
}

function CopyUrl({ id, url }: { id: string; url: string }): Child {
  return (
    <span class="copyline">
      <a id={id} class="mono" href={url} target="_blank" rel="noopener">{url}</a>
      <button type="button" class="secondary small" data-copy={id} hidden aria-label={`Copy ${url}`}>Copy</button>
    </span>
  );
}

function LinkForm(p: { action: string; csrf: string; values: Form; errors: FieldError[]; editing: boolean }): Child {
  const { values: v, errors } = p;
  const descErr = errorsOf(errors, 'description');
  const curErr = errorsOf(errors, 'currency');
  const pmErr = errorsOf(errors, 'payment_methods');
  const currencies = listCurrencies();
  return (
    <form method="post" action={p.action} class="card form" novalidate>
      <Csrf token={p.csrf} />
      <FormErrors errors={errors} />
      <Field name="title" label="Title" value={v.title} errors={errors} required hint="What the payer sees at the top of the page." />
      <Field
        name="slug" label="Slug" value={v.slug} errors={errors} autocomplete="off"
        hint={p.editing ? 'The last part of the link\'s address. Changing it breaks the old address.' : 'The last part of the link\'s address; blank: made from the title.'}
      />
      <div class="field">
        <label for="f-description">Description</label>
        <textarea id="f-description" name="description" aria-invalid={descErr.length ? 'true' : undefined} aria-describedby={descErr.length ? 'f-description-error' : undefined}>{v.description ?? ''}</textarea>
        {descErr.length ? <p id="f-description-error" class="error">{descErr.join(' ')}</p> : null}
      </div>
      <fieldset class="plain">
        <legend>Amount</legend>
        <Field name="amount" label="Fixed amount" value={v.amount} errors={errors} inputmode="decimal" hint="Blank: the payer chooses the amount, within the bounds below." />
        <div class="two">
          <Field name="min_amount" label="Smallest amount a payer may choose" value={v.min_amount} errors={errors} inputmode="decimal" />
          <Field name="max_amount" label="Largest amount a payer may choose" value={v.max_amount} errors={errors} inputmode="decimal" />
        </div>
      </fieldset>
      <div class="field">
        <label for="f-currency">Currency</label>
        <select id="f-currency" name="currency" aria-invalid={curErr.length ? 'true' : undefined} aria-describedby={curErr.length ? 'f-currency-error' : undefined}>
          <option value="" selected={!v.currency}>The shop's default currency</option>
          {currencies.map((c) => <option value={c} selected={(v.currency ?? '').toUpperCase() === c}>{c}</option>)}
          {v.currency && !currencies.includes(v.currency.toUpperCase()) ? <option value={v.currency} selected>{v.currency}</option> : null}
        </select>
        {curErr.length ? <p id="f-currency-error" class="error">{curErr.join(' ')}</p> : null}
      </div>
      <fieldset class="plain" aria-describedby={pmErr.length ? 'f-payment_methods-error' : undefined}>
        <legend>Payment methods</legend>
        {PAYMENT_METHODS.map((m) => (
          <label class="check"><input type="checkbox" name={`pm_${m}`} checked={v[`pm_${m}`] === 'on'} /> {METHOD_LABELS[m]}</label>
        ))}
        {pmErr.length ? <p id="f-payment_methods-error" class="error">{pmErr.join(' ')}</p> : null}
      </fieldset>
      <Field name="redirect_url" label="Back to your shop after paying (URL)" type="url" value={v.redirect_url} errors={errors} inputmode="url" placeholder="https://shop.example.com/thanks" />
      <div class="actions">
        <button type="submit">{p.editing ? 'Save changes' : 'Create payment link'}</button>
        <a href={p.editing ? p.action : SECTION}>Cancel</a>
      </div>
    </form>
  );
}

const pageNo = (ctx: AdminContext): number => {
  const n = Number(ctx.query.page);
  return Number.isInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
};

/** The service's input from a body the API's schema accepted. */
function linkInput(body: Record<string, unknown>) {
  return {
    title: body.title as string,
    slug: body.slug as string | undefined,
    description: body.description as string | null,
    amount: body.amount,
    minAmount: body.min_amount,
    maxAmount: body.max_amount,
    currency: body.currency as string | undefined,
    paymentMethods: body.payment_methods as PaymentMethod[],
    redirectUrl: body.redirect_url as string | null,
  };
}

export const links: AdminModule = {
  assets: [SECTION_STYLESHEET],
  register(r, deps) {
    const page = sectionPage(deps, SECTION, [SECTION_STYLESHEET]);

    r.get('/links', async (ctx) => {
      const list = await deps.links.listAll();
      page(ctx, 200, 'Payment links', (
        <>
          <div class="headline">
            <h1>Payment links</h1>
            <a class="button" href="/admin/links/new">New payment link</a>
          </div>
          {list.length === 0 ? (
            <p class="card muted">No payment links yet. A payment link is a page you share (in a message, on a poster as a QR code, on your site); whoever opens it gets an invoice to pay.</p>
          ) : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th>Title</th><th>Amount</th><th>Address</th><th>State</th></tr></thead>
                <tbody>
                  {list.map((l) => (
                    <tr>
                      <td data-label="Title"><div><a href={`/admin/links/${l.ref}`}>{l.title}</a><div class="muted small mono">{l.slug}</div></div></td>
                      <td data-label="Amount">{amountText(l)}</td>
                      <td data-label="Address">{l.isActive ? <CopyUrl id={`url-${l.ref}`} url={publicUrl(deps, l.slug)} /> : <span class="muted">—</span>}</td>
                      <td data-label="State">{l.isActive ? <span class="chip ok">Active</span> : <span class="chip">Deactivated</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ));
    });

    r.get('/links/new', (ctx) => {
      page(ctx, 200, 'New payment link', (
        <>
          <h1>New payment link</h1>
          <LinkForm action="/admin/links" csrf={csrfOf(ctx)} values={{ pm_onchain_btc: 'on' }} errors={[]} editing={false} />
        </>
      ));
    });

    r.post('/links', async (ctx) => {
      const f = formOf(ctx);
      const bad = (errors: FieldError[]) => page(ctx, 400, 'New payment link', (
        <>
          <h1>New payment link</h1>
          <LinkForm action="/admin/links" csrf={csrfOf(ctx)} values={f} errors={errors} editing={false} />
        </>
      ));
      const body = linkBody(f);
      const errors = schemaErrors(deps.forms, 'createLink', body, STAND_IN);
      if (errors.length) return bad(errors);
      let link: PaymentLink;
      try {
        link = await deps.links.create(linkInput(body));
      } catch (e) {
        return bad(serviceErrors(e));
      }
      await deps.audit.record(actorOf(ctx), 'link.created', link.slug, { ref: link.ref, title: link.title, amount: amountText(link) });
      redirectWith(ctx, `/admin/links/${link.ref}`, `Payment link "${link.title}" created.`);
    });

    r.get('/links/:ref', async (ctx) => {
      const link = await deps.links.byRef(ctx.params.ref!);
      const n = pageNo(ctx);
      const { invoices, total } = await deps.links.invoicesOf(link.ref, { limit: PER_PAGE, offset: (n - 1) * PER_PAGE });
      const url = publicUrl(deps, link.slug);
      page(ctx, 200, link.title, (
        <>
          <p class="crumbs"><a href={SECTION}>Payment links</a> ›</p>
          <h1>{link.title}</h1>
          <section class="card">
            <dl class="facts">
              <dt>State</dt><dd>{link.isActive ? <span class="chip ok">Active</span> : <span class="chip">Deactivated</span>}</dd>
              <dt>Address</dt><dd>{link.isActive ? <CopyUrl id="link-url" url={url} /> : <span class="muted">None: the link is deactivated</span>}</dd>
              <dt>Slug</dt><dd class="mono">{link.slug}</dd>
              <dt>Amount</dt><dd>{amountText(link)}</dd>
              <dt>Payment methods</dt><dd>{link.paymentMethods.map((m) => METHOD_LABELS[m] ?? m).join(', ')}</dd>
              <dt>Description</dt><dd>{link.description ?? <span class="muted">—</span>}</dd>
              <dt>After paying</dt><dd>{link.redirectUrl ? <span class="mono">{link.redirectUrl}</span> : <span class="muted">The payer stays on Till's receipt</span>}</dd>
              <dt>Created</dt><dd>{when(link.createdAt)}</dd>
            </dl>
            {link.isActive ? (
              <div class="actions">
                <a class="button" href={`/admin/links/${link.ref}/edit`}>Edit</a>
                <form method="post" action={`/admin/links/${link.ref}/deactivate`} data-confirm={`Deactivate "${link.title}"? Its address stops working; invoices it made stay.`}>
                  <Csrf token={csrfOf(ctx)} />
                  <button type="submit" class="danger">Deactivate</button>
                </form>
              </div>
            ) : null}
          </section>
          <h2>Invoices from this link</h2>
          {invoices.length === 0 ? (
            <p class="muted">{n === 1 ? 'No one has opened this link to pay yet.' : 'No invoices on this page.'}</p>
          ) : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th>Number</th><th>Status</th><th class="num">Total</th><th>Created</th></tr></thead>
                <tbody>
                  {invoices.map((i) => (
                    <tr>
                      <td data-label="Number"><a class="nowrap" href={`/admin/invoices/${i.ref}`}>{i.number}</a></td>
                      <td data-label="Status"><span class="chip">{i.status}</span></td>
                      <td data-label="Total" class="num">{formatMoney(i.total, i.currency)} {i.currency}</td>
                      <td data-label="Created">{when(i.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager href={(p) => `/admin/links/${link.ref}?page=${p}`} page={n} perPage={PER_PAGE} total={total} />
        </>
      ));
    });

    const editPage = (ctx: AdminContext, status: number, link: PaymentLink, values: Form, errors: FieldError[]) =>
      page(ctx, status, `Edit ${link.title}`, (
        <>
          <p class="crumbs"><a href={SECTION}>Payment links</a> › <a href={`/admin/links/${link.ref}`}>{link.title}</a> ›</p>
          <h1>Edit payment link</h1>
          <p class="muted">Invoices this link already made keep their amounts.</p>
          <LinkForm action={`/admin/links/${link.ref}`} csrf={csrfOf(ctx)} values={values} errors={errors} editing />
        </>
      ));

    const activeLink = async (ref: string): Promise<PaymentLink> => {
      const link = await deps.links.byRef(ref);
      if (!link.isActive) throw new TillError('payment_link_not_found', `Payment link ${link.slug} is deactivated`);
      return link;
    };

    r.get('/links/:ref/edit', async (ctx) => {
      const link = await activeLink(ctx.params.ref!);
      editPage(ctx, 200, link, formOfLink(link), []);
    });

    r.post('/links/:ref', async (ctx) => {
      const link = await activeLink(ctx.params.ref!);
      const f = formOf(ctx);
      const body = linkBody(f);
      const errors = schemaErrors(deps.forms, 'createLink', body, STAND_IN);
      if (errors.length) return editPage(ctx, 400, link, f, errors);
      let updated: PaymentLink;
      try {
        updated = await deps.links.update(link.ref, linkInput(body));
      } catch (e) {
        if (e instanceof TillError && e.code === 'payment_link_not_found') throw e;
        return editPage(ctx, 400, link, f, serviceErrors(e));
      }
      const changed = FIELDS.filter((k) => {
        const before = formOfLink(link);
        const after = formOfLink(updated);
        return before[k] !== after[k];
      });
      if (JSON.stringify(link.paymentMethods) !== JSON.stringify(updated.paymentMethods)) changed.push('payment_methods');
      await deps.audit.record(actorOf(ctx), 'link.updated', updated.slug, { ref: updated.ref, changed, ...(link.slug !== updated.slug && { old_slug: link.slug }) });
      redirectWith(ctx, `/admin/links/${updated.ref}`, `Payment link "${updated.title}" saved.`);
    });

    r.post('/links/:ref/deactivate', async (ctx) => {
      const link = await activeLink(ctx.params.ref!);
      await deps.links.remove(link.slug);
      await deps.audit.record(actorOf(ctx), 'link.deactivated', link.slug, { ref: link.ref, title: link.title });
      redirectWith(ctx, `/admin/links/${link.ref}`, `Payment link "${link.title}" deactivated: its address no longer works.`);
    });
  },
};
