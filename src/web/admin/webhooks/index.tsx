import { shownUrl } from '../../../domain/notification.js';
import type { Child } from 'hono/jsx';
import { TillError } from '../../../domain/errors.js';
import { WEBHOOK_EVENTS } from '../../../domain/events.js';
import type { Delivery, Webhook } from '../../../domain/notification.js';
import { fieldErrorsOf, formOf } from '../forms.js';
import { actorOf, csrfOf, redirectWith, sectionPage, type AdminContext, type AdminModule } from '../http.js';
import { Csrf, errorsOf, Field, FormErrors, Pager, when } from '../layout.js';
import type { FieldError } from '../ports.js';
import { SECTION_STYLESHEET } from '../links/style.js';
import { schemaErrors } from '../links/schema-errors.js';

/**
 * `/admin/webhooks`: where Till posts its events. The list, a new webhook (its signing
 * secret shown once, on the page that answers the form, never in a URL), a webhook's
 * delivery log with each delivery's attempts, redelivering one, a test ping, a new
 * secret (shown once) and deleting it. The URL passes the API's schema, then the
 * WebhookService's https and SSRF checks.
 */

const SECTION = '/admin/webhooks';
const PER_PAGE = 25;
const EVENT_LABELS: Record<string, string> = { '*': 'All events, present and future (*)' };

type Form = Record<string, string>;

function hookId(ctx: AdminContext): number {
  const id = ctx.params.id!;
  if (!/^[0-9]{1,12}$/.test(id)) throw new TillError('webhook_not_found', `Webhook ${id} not found`);
  return Number(id);
}

const STATUS_CHIP: Record<Delivery['status'], string> = { delivered: 'chip ok', pending: 'chip warn', failed: 'chip bad', skipped: 'chip' };

function Events({ events }: { events: string[] }): Child {
  return events.includes('*') ? <span class="chip">All events</span> : <>{events.map((e) => <span class="chip">{e}</span>)}</>;
}

function HookForm(p: { csrf: string; values: Form; errors: FieldError[] }): Child {
  const { values: v, errors } = p;
  const evErr = errorsOf(errors, 'events');
  const descErr = errorsOf(errors, 'description');
  return (
    <form method="post" action="/admin/webhooks" class="card form" novalidate>
      <Csrf token={p.csrf} />
      <FormErrors errors={errors} />
      <Field
        name="url" label="Receiver URL" type="url" value={v.url} errors={errors} required inputmode="url" autocomplete="off"
        placeholder="https://shop.example.com/till-webhook"
        hint="Till posts each event here, signed with the webhook's secret. https, on a public address (plain http and private addresses only for hosts the operator allowed in TILL_WEBHOOK_ALLOW_HOSTS)."
      />
      <fieldset class="plain" aria-describedby={evErr.length ? 'f-events-error' : 'f-events-hint'}>
        <legend>Events</legend>
        <div class="checks">
          {WEBHOOK_EVENTS.map((e) => (
            <label class="check"><input type="checkbox" name={`ev_${e}`} checked={v[`ev_${e}`] === 'on'} /> <span class={e === '*' ? '' : 'mono'}>{EVENT_LABELS[e] ?? e}</span></label>
          ))}
        </div>
        {evErr.length ? <p id="f-events-error" class="error">{evErr.join(' ')}</p> : null}
        <p id="f-events-hint" class="hint">All events includes those Till adds later.</p>
      </fieldset>
      <div class="field">
        <label for="f-description">Description</label>
        <input id="f-description" name="description" type="text" value={v.description ?? ''} aria-invalid={descErr.length ? 'true' : undefined} aria-describedby={descErr.length ? 'f-description-error' : undefined} />
        {descErr.length ? <p id="f-description-error" class="error">{descErr.join(' ')}</p> : null}
      </div>
      <div class="actions">
        <button type="submit">Create webhook</button>
        <a href={SECTION}>Cancel</a>
      </div>
    </form>
  );
}

/** The secret, on the one page that shows it. */
function SecretOnce({ hook, rotated }: { hook: Webhook; rotated: boolean }): Child {
  return (
    <section class="once" aria-labelledby="secret-h">
      <h2 id="secret-h">{rotated ? 'The new signing secret' : 'The signing secret'}</h2>
      <p>Copy it into your receiver now: <strong>Till shows it only this once.</strong> Your receiver checks each delivery's signature with it.{rotated ? ' The old secret no longer signs.' : ''}</p>
      <code id="hook-secret" class="secret">{hook.secret}</code>
      <div class="actions">
        <button type="button" data-copy="hook-secret" hidden>Copy the secret</button>
        <a class="button secondary" href={`/admin/webhooks/${hook.id}`}>I have kept it: go to the webhook</a>
      </div>
    </section>
  );
}

/** A webhook as the page shows it: a password in its URL masked (see shownUrl). */
const shown = <W extends { url: string }>(w: W): W => ({ ...w, url: shownUrl(w.url) });

export const webhooks: AdminModule = {
  assets: [SECTION_STYLESHEET],
  register(r, deps) {
    const page = sectionPage(deps, SECTION, [SECTION_STYLESHEET]);

    r.get('/webhooks', async (ctx) => {
      const list = (await deps.webhooks.list()).map(shown);
      page(ctx, 200, 'Webhooks', (
        <>
          <div class="headline">
            <h1>Webhooks</h1>
            <a class="button" href="/admin/webhooks/new">New webhook</a>
          </div>
          {list.length === 0 ? (
            <p class="card muted">No webhooks yet. A webhook tells your shop's server when an invoice is paid, confirmed or expires, so orders update without anyone watching.</p>
          ) : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th>Receiver</th><th>Events</th><th>Description</th><th>Created</th></tr></thead>
                <tbody>
                  {list.map((w) => (
                    <tr>
                      <td data-label="Receiver"><a class="mono" href={`/admin/webhooks/${w.id}`}>{w.url}</a></td>
                      <td data-label="Events"><div class="chips"><Events events={w.events} /></div></td>
                      <td data-label="Description">{w.description ?? <span class="muted">—</span>}</td>
                      <td data-label="Created">{when(w.createdAt)}</td>
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
      page(ctx, status, 'New webhook', (
        <>
          <p class="crumbs"><a href={SECTION}>Webhooks</a> ›</p>
          <h1>New webhook</h1>
          <HookForm csrf={csrfOf(ctx)} values={values} errors={errors} />
        </>
      ));

    r.get('/webhooks/new', (ctx) => newPage(ctx, 200, { 'ev_*': 'on' }, []));

    r.post('/webhooks', async (ctx) => {
      const f = formOf(ctx);
      const events = WEBHOOK_EVENTS.filter((e) => f[`ev_${e}`] === 'on');
      const body: Record<string, unknown> = { url: (f.url ?? '').trim(), description: (f.description ?? '').trim() || null };
      if (events.length) body.events = events;
      const errors = schemaErrors(deps.forms, 'createWebhook', body, { url: 'https://hooks.example.com/' });
      // The API takes no `events` as "all of them"; a form with none ticked means none.
      if (events.length === 0) errors.push({ field: 'events', message: 'Tick at least one event, or all events.' });
      if (errors.length) return newPage(ctx, 400, f, errors);
      let hook: Webhook;
      try {
        hook = shown(await deps.webhooks.create({ url: body.url as string, events: body.events as string[] | undefined, description: body.description as string | null }));
      } catch (e) {
        return newPage(ctx, 400, f, fieldErrorsOf(e, ['url', 'events', 'description']));
      }
      await deps.audit.record(actorOf(ctx), 'webhook.created', `${hook.id} ${hook.url}`, { id: hook.id, url: hook.url, events: hook.events });
      page(ctx, 201, 'Webhook created', (
        <>
          <p class="crumbs"><a href={SECTION}>Webhooks</a> ›</p>
          <h1>Webhook created</h1>
          <p>Till will post {hook.events.includes('*') ? 'every event' : hook.events.join(', ')} to <span class="mono">{hook.url}</span>.</p>
          <SecretOnce hook={hook} rotated={false} />
        </>
      ));
    });

    r.get('/webhooks/:id', async (ctx) => {
      const hook = shown(await deps.webhooks.get(hookId(ctx)));
      const n = Number.isInteger(Number(ctx.query.page)) && Number(ctx.query.page) >= 1 ? Math.min(Number(ctx.query.page), 100_000) : 1;
      const { deliveries, total } = await deps.webhooks.deliveries(hook.id, { limit: PER_PAGE, offset: (n - 1) * PER_PAGE });
      const csrf = csrfOf(ctx);
      page(ctx, 200, `Webhook ${hook.id}`, (
        <>
          <p class="crumbs"><a href={SECTION}>Webhooks</a> ›</p>
          <h1>Webhook to <span class="mono">{hook.url}</span></h1>
          <section class="card">
            <dl class="facts">
              <dt>Events</dt><dd><Events events={hook.events} /></dd>
              <dt>Description</dt><dd>{hook.description ?? <span class="muted">—</span>}</dd>
              <dt>Created</dt><dd>{when(hook.createdAt)}</dd>
              <dt>Secret</dt><dd class="muted">Shown once when made. Lost it? Make a new one.</dd>
            </dl>
            <div class="actions">
              <form method="post" action={`/admin/webhooks/${hook.id}/test`}>
                <Csrf token={csrf} />
                <button type="submit">Send a test ping</button>
              </form>
              <form method="post" action={`/admin/webhooks/${hook.id}/rotate`} data-confirm="Make a new secret? The old one stops signing at once: update your receiver right after.">
                <Csrf token={csrf} />
                <button type="submit" class="secondary">New secret</button>
              </form>
              <form method="post" action={`/admin/webhooks/${hook.id}/delete`} data-confirm={`Delete the webhook to ${hook.url}? Till stops posting to it.`}>
                <Csrf token={csrf} />
                <button type="submit" class="danger">Delete</button>
              </form>
            </div>
          </section>
          <h2>Deliveries</h2>
          {deliveries.length === 0 ? (
            <p class="muted">{n === 1 ? 'Nothing sent yet. Send a test ping to try the receiver.' : 'No deliveries on this page.'}</p>
          ) : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th>Event</th><th>Status</th><th class="num">Attempts</th><th>Last answer</th><th>Created</th></tr></thead>
                <tbody>
                  {deliveries.map((d) => (
                    <tr>
                      <td data-label="Event"><a href={`/admin/webhooks/${hook.id}/deliveries/${d.deliveryId}`}>{d.eventType}</a></td>
                      <td data-label="Status"><span class={STATUS_CHIP[d.status]}>{d.status}</span></td>
                      <td data-label="Attempts" class="num">{String(d.attempts)}</td>
                      <td data-label="Last answer"><div>{d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : ''}{d.lastError ? <span class="muted"> {d.lastError}</span> : null}{d.lastStatusCode === null && !d.lastError ? <span class="muted">—</span> : null}</div></td>
                      <td data-label="Created">{when(d.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <Pager href={(p) => `/admin/webhooks/${hook.id}?page=${p}`} page={n} perPage={PER_PAGE} total={total} />
        </>
      ));
    });

    /** A delivery of this webhook, or null (none, or one of another webhook). */
    const deliveryOf = async (id: number, deliveryId: string) => {
      try {
        return await deps.webhooks.delivery(id, deliveryId);
      } catch (e) {
        if (e instanceof TillError && e.code === 'not_found') return null;
        throw e;
      }
    };
    const noDelivery = (ctx: AdminContext, id: number) =>
      page(ctx, 404, 'Not found', <><h1>Not found</h1><p>This webhook has no such delivery.</p><p><a href={`/admin/webhooks/${id}`}>Back to the webhook</a></p></>);

    r.get('/webhooks/:id/deliveries/:delivery', async (ctx) => {
      const hook = shown(await deps.webhooks.get(hookId(ctx)));
      const found = await deliveryOf(hook.id, ctx.params.delivery!);
      if (!found) return noDelivery(ctx, hook.id);
      const { delivery: d, attempts } = found;
      page(ctx, 200, `Delivery ${d.eventType}`, (
        <>
          <p class="crumbs"><a href={SECTION}>Webhooks</a> › <a class="mono" href={`/admin/webhooks/${hook.id}`}>{hook.url}</a> ›</p>
          <h1>Delivery of <span class="mono">{d.eventType}</span></h1>
          <section class="card">
            <dl class="facts">
              <dt>Status</dt><dd><span class={STATUS_CHIP[d.status]}>{d.status}</span></dd>
              <dt>Delivery id</dt><dd class="mono">{d.deliveryId}</dd>
              <dt>Sent to</dt><dd class="mono">{d.target}</dd>
              <dt>Attempts</dt><dd>{String(d.attempts)}</dd>
              <dt>Last answer</dt><dd>{d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : '—'}</dd>
              <dt>Last error</dt><dd>{d.lastError ?? '—'}</dd>
              <dt>Next attempt</dt><dd>{d.status === 'pending' ? when(d.nextAttemptAt) : '—'}</dd>
              <dt>Delivered</dt><dd>{when(d.deliveredAt)}</dd>
              <dt>Created</dt><dd>{when(d.createdAt)}</dd>
            </dl>
            {d.responseExcerpt ? (
              <>
                <h2>Response (start)</h2>
                <pre class="excerpt mono">{d.responseExcerpt}</pre>
              </>
            ) : null}
            <div class="actions">
              <form method="post" action={`/admin/webhooks/${hook.id}/deliveries/${d.deliveryId}/redeliver`}>
                <Csrf token={csrfOf(ctx)} />
                <button type="submit">Send again now</button>
              </form>
              <span class="hint">Same delivery id and body, so a receiver that already took it can tell.</span>
            </div>
          </section>
          <h2>Attempts</h2>
          {attempts.length === 0 ? <p class="muted">Not tried yet.</p> : (
            <div class="table-wrap card flush">
              <table class="stack">
                <thead><tr><th class="num">#</th><th>Started</th><th class="num">Took</th><th>Answer</th><th>Response</th></tr></thead>
                <tbody>
                  {attempts.map((a) => (
                    <tr>
                      <td data-label="Attempt" class="num">{String(a.attempt)}</td>
                      <td data-label="Started">{when(a.startedAt)}</td>
                      <td data-label="Took" class="num">{`${a.durationMs} ms`}</td>
                      <td data-label="Answer"><div>{a.statusCode !== null ? `HTTP ${a.statusCode}` : ''}{a.error ? <span class="error-text"> {a.error}</span> : null}</div></td>
                      <td data-label="Response">{a.responseExcerpt ? <pre class="excerpt mono">{a.responseExcerpt}</pre> : <span class="muted">—</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      ));
    });

    r.post('/webhooks/:id/deliveries/:delivery/redeliver', async (ctx) => {
      const hook = shown(await deps.webhooks.get(hookId(ctx)));
      const found = await deliveryOf(hook.id, ctx.params.delivery!);
      if (!found) return noDelivery(ctx, hook.id);
      const { delivery } = found;
      await deps.webhooks.redeliver(hook.id, delivery.deliveryId);
      await deps.audit.record(actorOf(ctx), 'webhook.redelivered', `${hook.id} ${hook.url}`, { id: hook.id, url: hook.url, delivery: delivery.deliveryId, event: delivery.eventType });
      redirectWith(ctx, `/admin/webhooks/${hook.id}/deliveries/${delivery.deliveryId}`, 'Queued to be sent again now.');
    });

    r.post('/webhooks/:id/test', async (ctx) => {
      const hook = shown(await deps.webhooks.get(hookId(ctx)));
      const d = await deps.webhooks.test(hook.id);
      await deps.audit.record(actorOf(ctx), 'webhook.tested', `${hook.id} ${hook.url}`, { id: hook.id, url: hook.url, delivery: d.deliveryId });
      redirectWith(ctx, `/admin/webhooks/${hook.id}`, 'Test ping queued: it is in the deliveries below once sent (reload to see how it went).');
    });

    r.post('/webhooks/:id/rotate', async (ctx) => {
      const hook = shown(await deps.webhooks.rotateSecret(hookId(ctx)));
      await deps.audit.record(actorOf(ctx), 'webhook.secret_rotated', `${hook.id} ${hook.url}`, { id: hook.id, url: hook.url });
      page(ctx, 200, 'New secret', (
        <>
          <p class="crumbs"><a href={SECTION}>Webhooks</a> › <a class="mono" href={`/admin/webhooks/${hook.id}`}>{hook.url}</a> ›</p>
          <h1>New secret</h1>
          <SecretOnce hook={hook} rotated />
        </>
      ));
    });

    r.post('/webhooks/:id/delete', async (ctx) => {
      const hook = shown(await deps.webhooks.get(hookId(ctx)));
      await deps.webhooks.remove(hook.id);
      await deps.audit.record(actorOf(ctx), 'webhook.deleted', `${hook.id} ${hook.url}`, { id: hook.id, url: hook.url });
      redirectWith(ctx, SECTION, `Webhook to ${hook.url} deleted.`);
    });
  },
};
