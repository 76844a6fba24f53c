import type { Child } from 'hono/jsx';
import { formOf } from '../forms.js';
import { csrfOf, flashOf, redirectWith, sendPage, type AdminContext, type AdminModule } from '../http.js';
import { AdminPage, Csrf, errorsOf, Field, FormErrors, when } from '../layout.js';
import type { AdminDeps, FieldError, SettingView } from '../ports.js';
import { OWN_STYLESHEET, OwnStyles } from './style.js';

type Kind = 'text' | 'number' | 'textarea' | 'checks' | 'email';

/** How the page names and explains each setting the port offers. */
const META: Record<string, { label: string; hint: string; kind: Kind }> = {
  shopName: { label: 'Store name', kind: 'text', hint: 'Shown on checkout pages, payment links, emails and at the top of this UI.' },
  defaultCurrency: {
    label: 'Default currency', kind: 'text',
    hint: 'Three capital letters, such as USD or EUR: the currency of new invoices and payment links that name none.',
  },
  bankInstructions: {
    label: 'Bank instructions for wire transfers', kind: 'textarea',
    hint: 'Shown on the checkout page of an invoice that takes wire transfers, with its amount and reference.',
  },
  quoteDeadlineMinutes: { label: 'Quote deadline (minutes)', kind: 'number', hint: 'How long a finalized invoice holds its bitcoin price before it expires.' },
  confirmations: { label: 'Confirmations', kind: 'number', hint: 'Blocks a payment needs before a new invoice counts as confirmed (0: as soon as it is seen).' },
  rateSources: { label: 'Exchange rate sources', kind: 'checks', hint: 'The exchanges Till asks for the price of bitcoin.' },
  smtpUrl: {
    label: 'SMTP server', kind: 'text',
    hint: 'smtp://user:password@host:587 (STARTTLS), smtps://user:password@host:465, or smtp://host:25?secure=none on a LAN. The password is never shown again: leave ******** in place to keep it.',
  },
  smtpFrom: { label: 'Sender address', kind: 'text', hint: 'The From of Till\'s emails, such as till@shop.example (else the SMTP URL\'s from= or its user name).' },
  notifyEmail: { label: 'Send notices to', kind: 'email', hint: 'The address that hears of paid, confirmed and expired invoices (empty: none).' },
};

const GROUPS: { id: string; title: string; keys: string[] }[] = [
  { id: 'shop', title: 'Shop', keys: ['shopName', 'defaultCurrency', 'bankInstructions'] },
  { id: 'invoices', title: 'New invoices', keys: ['quoteDeadlineMinutes', 'confirmations'] },
  { id: 'rates', title: 'Exchange rates', keys: ['rateSources'] },
  { id: 'email', title: 'Email', keys: ['smtpUrl', 'smtpFrom', 'notifyEmail'] },
];

function labelOf(key: string): string {
  return META[key]?.label ?? key;
}

function clip(text: string, n = 48): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

/** Where a value comes from, in words. */
function originText(s: SettingView): string {
  switch (s.origin) {
    case 'database': return `Set on this page${s.updatedAt ? ` (${when(s.updatedAt)})` : ''}`;
    case 'environment': return `From the environment (${s.env})`;
    case 'file': return `From a file (${s.env}_FILE or TILL_CONFIG_FILE)`;
    default: return 'Default';
  }
}

/** What clearing a stored value goes back to. */
function fallbackText(s: SettingView): string {
  const v = s.fallback === '' ? 'empty' : `“${clip(s.fallback)}”`;
  if (s.fallbackOrigin === 'default') return `the default, ${v}`;
  return `${s.env} from the ${s.fallbackOrigin}, ${v}`;
}

function Origin({ s }: { s: SettingView }): Child {
  return (
    <p class="origin" id={`o-${s.key}`}>
      <span class={s.origin === 'database' ? 'chip ok' : 'chip'}>{originText(s)}</span>
      {s.live ? null : <span>Takes effect when Till restarts.</span>}
      {s.restartPending ? <span class="chip warn">Restart Till to use this value</span> : null}
    </p>
  );
}

function errorLine(errors: readonly FieldError[], field: string): Child {
  const errs = errorsOf(errors, field);
  return errs.length ? <p id={`f-${field}-error`} class="error">{errs.join(' ')}</p> : null;
}

function SettingField({ s, value, errors }: { s: SettingView; value: string; errors: readonly FieldError[] }): Child {
  const m = META[s.key] ?? { label: s.key, hint: '', kind: 'text' as Kind };
  const invalid = errorsOf(errors, s.key).length > 0;
  const described = [invalid ? `f-${s.key}-error` : null, `f-${s.key}-hint`, `o-${s.key}`].filter(Boolean).join(' ');
  if (m.kind === 'checks') {
    const chosen = new Set(value.split(',').map((v) => v.trim()).filter(Boolean));
    return (
      <div class="setting">
        <fieldset id={`f-${s.key}`} class="choices" aria-describedby={described} aria-invalid={invalid ? 'true' : undefined}>
          <legend>{m.label}</legend>
          <input type="hidden" name={`${s.key}.shown`} value="1" />
          <div class="opts">
            {(s.options ?? []).map((o) => (
              <label class="check"><input type="checkbox" name={`${s.key}.${o}`} value="on" checked={chosen.has(o)} /> {o}</label>
            ))}
          </div>
        </fieldset>
        {errorLine(errors, s.key)}
        <p id={`f-${s.key}-hint`} class="hint">{m.hint}</p>
        <Origin s={s} />
      </div>
    );
  }
  if (m.kind === 'textarea') {
    return (
      <div class="setting">
        <label for={`f-${s.key}`}>{m.label}</label>
        <textarea id={`f-${s.key}`} name={s.key} rows={4} aria-invalid={invalid ? 'true' : undefined} aria-describedby={described}>{value}</textarea>
        {errorLine(errors, s.key)}
        <p id={`f-${s.key}-hint`} class="hint">{m.hint}</p>
        <Origin s={s} />
      </div>
    );
  }
  return (
    <div class="setting">
      <label for={`f-${s.key}`}>{m.label}</label>
      <input
        id={`f-${s.key}`}
        name={s.key}
        type={m.kind === 'email' ? 'email' : 'text'}
        inputmode={m.kind === 'number' ? 'numeric' : undefined}
        value={value}
        spellcheck={s.key === 'shopName' || s.key === 'bankInstructions' ? undefined : false}
        autocomplete="off"
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={described}
      />
      {errorLine(errors, s.key)}
      <p id={`f-${s.key}-hint`} class="hint">
        {m.hint}{m.kind === 'number' && s.min !== null && s.max !== null ? ` From ${s.min} to ${s.max}.` : ''}
      </p>
      <Origin s={s} />
    </div>
  );
}

/** At the top of a long form: nothing was saved, and which fields to fix (links to them). */
function Unsaved({ errors }: { errors: readonly FieldError[] }): Child {
  const fields = [...new Set(errors.flatMap((e) => (e.field && META[e.field] ? [e.field] : [])))];
  if (fields.length === 0) return null;
  return (
    <div class="flash bad" role="alert">
      <p>Nothing was saved. Fix {fields.length === 1 ? 'this setting' : 'these settings'}: {fields.map((f, i) => (
        <>{i > 0 ? ', ' : ''}<a href={`#f-${f}`}>{labelOf(f)}</a></>
      ))}.</p>
    </div>
  );
}

interface PageState {
  values: Record<string, string>;
  errors: readonly FieldError[];
  testTo: string;
  testErrors: readonly FieldError[];
}

function SettingsPage({ ctx, deps, rows, st }: { ctx: AdminContext; deps: AdminDeps; rows: SettingView[]; st: PageState }): Child {
  const csrf = csrfOf(ctx);
  const byKey = new Map(rows.map((s) => [s.key, s]));
  const stored = rows.filter((s) => s.origin === 'database');
  const notify = byKey.get('notifyEmail')?.value ?? '';
  return (
    <AdminPage title="Settings" section="/admin/settings" csrf={csrf} shopName={deps.settings.shopName()} flash={flashOf(ctx)}>
      <OwnStyles />
      <div class="settings-page">
      <h1>Settings</h1>
      <p class="lead">
        A value saved here overrides the environment's (TILL_* variables) and is kept in Till's database. Every change applies at once, except the rate sources, which Till reads when it starts.
      </p>
      <form method="post" action="/admin/settings" novalidate>
        <Csrf token={csrf} />
        <FormErrors errors={st.errors} />
        <Unsaved errors={st.errors} />
        {GROUPS.map((g) => (
          <section class="card" aria-labelledby={`g-${g.id}`}>
            <h2 id={`g-${g.id}`}>{g.title}</h2>
            {g.keys.map((k) => {
              const s = byKey.get(k);
              return s ? <SettingField s={s} value={st.values[k] ?? s.value} errors={st.errors} /> : null;
            })}
          </section>
        ))}
        <p class="save-row"><button type="submit">Save settings</button><span class="hint">Only the values you changed are saved.</span></p>
      </form>

      {stored.length > 0 ? (
        <section class="card" aria-labelledby="stored-h">
          <h2 id="stored-h">Values set on this page</h2>
          <p class="hint">Clearing one goes back to the environment's value, or the default.</p>
          <div class="table-wrap">
            <table class="rows">
              <thead><tr><th scope="col">Setting</th><th scope="col">Value here</th><th scope="col">Cleared, it would be</th><th scope="col"><span class="sr">Clear</span></th></tr></thead>
              <tbody>
                {stored.map((s) => (
                  <tr>
                    <td data-label="Setting"><span>{labelOf(s.key)} <span class="muted">({s.env})</span></span></td>
                    <td data-label="Value here" class="addr">{s.value === '' ? '(empty)' : clip(s.value, 80)}</td>
                    <td data-label="Cleared">{fallbackText(s)}</td>
                    <td data-label="">
                      <form method="post" action="/admin/settings/clear">
                        <Csrf token={csrf} />
                        <input type="hidden" name="key" value={s.key} />
                        <button type="submit" class="secondary" aria-label={`Clear ${labelOf(s.key)}`}>Clear</button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      <section class="card" aria-labelledby="test-h">
        <h2 id="test-h">Send a test email</h2>
        <p class="hint">Sends one message through the SMTP server above (as saved), to see that Till's notices arrive.</p>
        <form method="post" action="/admin/settings/test-email">
          <Csrf token={csrf} />
          <FormErrors errors={st.testErrors} />
          <Field name="to" label="To" type="email" value={st.testTo || notify} errors={st.testErrors} autocomplete="email" required />
          <p class="actions"><button type="submit" class="secondary">Send a test email</button></p>
        </form>
      </section>

      <section class="card" aria-labelledby="pw-h">
        <h2 id="pw-h">Merchant password</h2>
        <p>{deps.settings.uiAuth === 'proxy'
          ? 'Your node\'s app proxy asks for its own login before this UI (TILL_UI_AUTH=proxy).'
          : 'The password of this merchant UI.'}</p>
        <p class="actions"><a class="button secondary" href="/admin/password">Change the password</a></p>
      </section>
      </div>
    </AdminPage>
  );
}

/** The posted settings as the port takes them: text fields as typed, a list from its checkboxes. */
function postedSettings(f: Record<string, string>, rows: SettingView[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of rows) {
    if (META[s.key]?.kind === 'checks') {
      if (f[`${s.key}.shown`] === undefined) continue;
      out[s.key] = (s.options ?? []).filter((o) => f[`${s.key}.${o}`] !== undefined).join(',');
    } else if (f[s.key] !== undefined) {
      out[s.key] = f[s.key]!;
    }
  }
  return out;
}

/** `smtp://shop:secret@host` → `smtp://shop:********@host`. */
function maskPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#\s]*:)([^@/?#\s]+)(@)/i, '$1********$3');
}

const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;

/** `/admin/settings`: the merchant's settings over the environment's, where each comes from, a test email. */
export const settingsModule: AdminModule = {
  assets: [OWN_STYLESHEET],
  register(r, deps) {
    const page = (ctx: AdminContext, status: number, st: Partial<PageState> = {}) =>
      sendPage(ctx, status, <SettingsPage ctx={ctx} deps={deps} rows={deps.siteSettings.rows()}
        st={{ values: st.values ?? {}, errors: st.errors ?? [], testTo: st.testTo ?? '', testErrors: st.testErrors ?? [] }} />);

    r.get('/settings', (ctx) => page(ctx, 200));

    r.post('/settings', async (ctx) => {
      const rows = deps.siteSettings.rows();
      const form = postedSettings(formOf(ctx), rows);
      const { changed, errors } = await deps.siteSettings.save(form);
      if (errors.length > 0) {
        // What was typed stays, but a password typed into the SMTP URL is not sent back.
        const values = { ...form, ...(form.smtpUrl !== undefined && { smtpUrl: maskPassword(form.smtpUrl) }) };
        return page(ctx, 400, { values, errors: errors.map((e) => (e.field && !META[e.field] ? { field: null, message: e.message } : e)) });
      }
      if (changed.length === 0) return redirectWith(ctx, '/admin/settings', 'Nothing changed.');
      await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'settings.changed', changed.map((c) => c.env).join(', '),
        Object.fromEntries(changed.map((c) => [c.env, c.value ?? '(secret, not recorded)'])));
      const after = deps.siteSettings.rows();
      const restart = after.filter((s) => s.restartPending && changed.some((c) => c.key === s.key)).map((s) => labelOf(s.key).toLowerCase());
      redirectWith(ctx, '/admin/settings',
        `Saved: ${changed.map((c) => labelOf(c.key)).join(', ')}.${restart.length ? ` Restart Till for the ${restart.join(', ')} to take effect.` : ''}`);
    });

    r.post('/settings/clear', async (ctx) => {
      const key = formOf(ctx).key ?? '';
      const s = deps.siteSettings.rows().find((x) => x.key === key);
      if (!s) return page(ctx, 400, { errors: [{ field: null, message: 'There is no such setting.' }] });
      if (!(await deps.siteSettings.clear(key))) return redirectWith(ctx, '/admin/settings', `${labelOf(key)} was not set on this page.`);
      await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'settings.cleared', s.env, null);
      redirectWith(ctx, '/admin/settings', `${labelOf(key)}: back to ${fallbackText(s)}.`);
    });

    r.post('/settings/test-email', async (ctx) => {
      const to = (formOf(ctx).to ?? '').trim();
      if (!EMAIL.test(to)) return page(ctx, 400, { testTo: to, testErrors: [{ field: 'to', message: 'Give one address, such as you@shop.example.' }] });
      const r = await deps.siteSettings.testEmail(to);
      if (!r.ok) return page(ctx, 200, { testTo: to, testErrors: [{ field: 'to', message: `Not sent: ${r.error}` }] });
      redirectWith(ctx, '/admin/settings', `Test email sent to ${to}. The server answered: ${clip(r.detail, 100)}`);
    });
  },
};
