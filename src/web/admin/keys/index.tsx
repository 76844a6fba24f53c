import type { Child } from 'hono/jsx';
import { fieldErrorsOf, formOf } from '../forms.js';
import { actorOf, csrfOf, redirectWith, sectionPage, type AdminContext, type AdminModule } from '../http.js';
import { Csrf, errorsOf, Field, FormErrors, when } from '../layout.js';
import type { ApiKeyView, FieldError } from '../ports.js';
import { SECTION_STYLESHEET } from '../links/style.js';

/**
 * `/admin/keys`: the API keys a shop's software uses. The list, a new key (shown once,
 * on the page that answers the form: Till keeps only its SHA-256), and revoking one.
 */

const SECTION = '/admin/keys';

const SCOPE_HINTS: Record<string, string> = {
  'invoices:read': 'read invoices and payment links',
  'invoices:write': 'create, finalize and cancel invoices',
  'links:write': 'create and delete payment links',
  'webhooks:write': 'manage webhooks',
  admin: 'everything, the other scopes included',
};

type Form = Record<string, string>;

function KeyForm(p: { csrf: string; scopes: readonly string[]; values: Form; errors: FieldError[] }): Child {
  const { values: v, errors } = p;
  const scErr = errorsOf(errors, 'scopes');
  return (
    <form method="post" action="/admin/keys" class="card form" novalidate>
      <Csrf token={p.csrf} />
      <FormErrors errors={errors} />
      <Field name="name" label="Name" value={v.name} errors={errors} required autocomplete="off" placeholder="Web shop" hint="Who uses it, so you know which to revoke." />
      <fieldset class="plain" aria-describedby={scErr.length ? 'f-scopes-error' : undefined}>
        <legend>What it may do</legend>
        {p.scopes.map((s) => (
          <label class="check">
            <input type="checkbox" name={`scope_${s}`} checked={v[`scope_${s}`] === 'on'} />
            <span><span class="mono">{s}</span>{SCOPE_HINTS[s] ? <span class="muted"> — {SCOPE_HINTS[s]}</span> : null}</span>
          </label>
        ))}
        {scErr.length ? <p id="f-scopes-error" class="error">{scErr.join(' ')}</p> : null}
      </fieldset>
      <div class="actions">
        <button type="submit">Create API key</button>
        <a href={SECTION}>Cancel</a>
      </div>
    </form>
  );
}

function Scopes({ scopes }: { scopes: string[] }): Child {
  return <>{scopes.map((s) => <span class="chip mono">{s}</span>)}</>;
}

export const keys: AdminModule = {
  assets: [SECTION_STYLESHEET],
  register(r, deps) {
    const page = sectionPage(deps, SECTION, [SECTION_STYLESHEET]);

    r.get('/keys', async (ctx) => {
      const list = await deps.keys.list();
      const csrf = csrfOf(ctx);
      page(ctx, 200, 'API keys', (
        <>
          <div class="headline">
            <h1>API keys</h1>
            <a class="button" href="/admin/keys/new">New API key</a>
          </div>
          {list.length === 0 ? (
            <p class="card muted">No API keys yet. Your shop's software (a plugin, your own server) uses a key to create invoices through Till's API.</p>
          ) : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th>Name</th><th>Key</th><th>Scopes</th><th>Created</th><th>Last used</th><th>State</th></tr></thead>
                <tbody>
                  {list.map((k: ApiKeyView) => (
                    <tr>
                      <td data-label="Name">{k.name}</td>
                      <td data-label="Key"><span class="mono nowrap">{k.prefix}…</span></td>
                      <td data-label="Scopes"><div class="chips"><Scopes scopes={k.scopes} /></div></td>
                      <td data-label="Created">{when(k.createdAt)}</td>
                      <td data-label="Last used">{k.lastUsedAt === null ? <span class="muted">Never</span> : when(k.lastUsedAt)}</td>
                      <td data-label="State">
                        {k.revokedAt !== null ? (
                          <span class="chip bad">Revoked {when(k.revokedAt)}</span>
                        ) : (
                          <form method="post" action={`/admin/keys/${k.id}/revoke`} data-confirm={`Revoke "${k.name}" (${k.prefix}…)? Software using it stops working at once.`}>
                            <Csrf token={csrf} />
                            <span class="chip ok">Active</span> <button type="submit" class="danger small">Revoke</button>
                          </form>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ));
    });

    const newPage = (ctx: AdminContext, status: number, values: Form, errors: FieldError[]) =>
      page(ctx, status, 'New API key', (
        <>
          <p class="crumbs"><a href={SECTION}>API keys</a> ›</p>
          <h1>New API key</h1>
          <KeyForm csrf={csrfOf(ctx)} scopes={deps.keys.scopes} values={values} errors={errors} />
        </>
      ));

    r.get('/keys/new', (ctx) => {
      const values: Form = {};
      for (const s of deps.keys.scopes) if (s !== 'admin') values[`scope_${s}`] = 'on';
      newPage(ctx, 200, values, []);
    });

    r.post('/keys', async (ctx) => {
      const f = formOf(ctx);
      const name = (f.name ?? '').trim();
      const scopes = deps.keys.scopes.filter((s) => f[`scope_${s}`] === 'on');
      const errors: FieldError[] = [];
      if (name === '') errors.push({ field: 'name', message: 'Give the key a name.' });
      else if (name.length > 100) errors.push({ field: 'name', message: 'A name of at most 100 characters.' });
      if (scopes.length === 0) errors.push({ field: 'scopes', message: 'Tick at least one scope.' });
      if (errors.length) return newPage(ctx, 400, f, errors);
      let made: Awaited<ReturnType<typeof deps.keys.create>>;
      try {
        made = await deps.keys.create(name, scopes);
      } catch (e) {
        return newPage(ctx, 400, f, fieldErrorsOf(e, ['name', 'scopes']));
      }
      const k = made.record;
      await deps.audit.record(actorOf(ctx), 'key.created', k.prefix, { id: k.id, name: k.name, scopes: k.scopes });
      page(ctx, 201, 'API key created', (
        <>
          <p class="crumbs"><a href={SECTION}>API keys</a> ›</p>
          <h1>API key created</h1>
          <section class="once" aria-labelledby="key-h">
            <h2 id="key-h">{k.name}</h2>
            <p>Copy the key into your shop's software now: <strong>Till shows it only this once.</strong> It keeps only a hash of it, so it cannot show it again; if it is lost, revoke it and make another.</p>
            <code id="api-key" class="secret">{made.key}</code>
            <p class="hint">Send it as <span class="mono">Authorization: Bearer &lt;key&gt;</span>. Scopes: {k.scopes.join(', ')}.</p>
            <div class="actions">
              <button type="button" data-copy="api-key" hidden>Copy the key</button>
              <a class="button secondary" href={SECTION}>I have kept it: back to the keys</a>
            </div>
          </section>
        </>
      ));
    });

    r.post('/keys/:id/revoke', async (ctx) => {
      const id = ctx.params.id!;
      const k = /^[0-9]{1,12}$/.test(id) ? (await deps.keys.list()).find((x) => x.id === Number(id)) : undefined;
      if (!k) return page(ctx, 404, 'Not found', <><h1>Not found</h1><p>There is no API key {id}.</p><p><a href={SECTION}>Back to the API keys</a></p></>);
      if (k.revokedAt !== null) return redirectWith(ctx, SECTION, `"${k.name}" was already revoked.`);
      await deps.keys.revoke(String(k.id));
      await deps.audit.record(actorOf(ctx), 'key.revoked', k.prefix, { id: k.id, name: k.name });
      redirectWith(ctx, SECTION, `"${k.name}" (${k.prefix}…) revoked: it no longer works.`);
    });
  },
};
