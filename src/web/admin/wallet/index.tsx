import type { Child } from 'hono/jsx';
import { TillError } from '../../../domain/errors.js';
import { fieldErrorsOf, formOf } from '../forms.js';
import { csrfOf, flashOf, redirectWith, sendPage, type AdminContext, type AdminModule } from '../http.js';
import { AdminPage, Csrf, errorsOf, Field, FormErrors, when } from '../layout.js';
import type { AdminDeps, FieldError, HealthView, WalletAddressView, WalletPreviewView, WalletView } from '../ports.js';
import { OWN_STYLESHEET, OwnStyles } from '../settings/style.js';

/** The health's gap figures (main.ts Health.gap). */
interface Gap {
  longest_unused_run: number;
  gap_limit_needed: number;
  usual_gap_limit: number;
}

function gapOf(h: HealthView): Gap | null {
  const g = h.gap as Partial<Gap> | undefined;
  if (!g || typeof g.longest_unused_run !== 'number' || typeof g.gap_limit_needed !== 'number' || typeof g.usual_gap_limit !== 'number') return null;
  return g as Gap;
}

/**
 * A key in a few characters for the audit log: the extended key's first and last ones
 * (all of it is public, but a log line need not carry 111 characters).
 */
export function shortKey(text: string): string {
  const key = /[a-zA-Z]pub[1-9A-HJ-NP-Za-km-z]{20,}/.exec(text)?.[0] ?? text.trim();
  return key.length <= 20 ? key : `${key.slice(0, 10)}…${key.slice(-6)}`;
}

function Addresses({ list, caption }: { list: readonly WalletAddressView[]; caption: string }): Child {
  return (
    <div class="table-wrap">
      <table class="addresses">
        <caption class="sr">{caption}</caption>
        <thead><tr><th scope="col">Index</th><th scope="col">Address</th></tr></thead>
        <tbody>
          {list.map((a) => (
            <tr><td>{String(a.index)}</td><td class="addr">{a.address}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Active({ w }: { w: WalletView }): Child {
  const handed = w.handedOut.assigned + w.handedOut.used + w.handedOut.released;
  return (
    <>
      <section class="card" aria-labelledby="active-h">
        <h2 id="active-h">Active wallet</h2>
        <dl class="facts">
          <dt>Descriptor</dt>
          <dd><code class="descriptor">{w.descriptor}</code></dd>
          <dt>Network</dt>
          <dd>{w.network}</dd>
          <dt>Address type</dt>
          <dd>{w.scriptType}</dd>
          {w.origin ? (<><dt>Key origin</dt><dd><code>[{w.origin.fingerprint}] {w.origin.path}</code></dd></>) : null}
          <dt>First index</dt>
          <dd>{String(w.firstIndex)}</dd>
          <dt>Addresses handed out</dt>
          <dd>{String(handed)} (next index {String(w.nextIndex)})</dd>
          <dt>Set</dt>
          <dd>{when(w.setAt)}</dd>
        </dl>
      </section>
      <section class="card" aria-labelledby="check-h">
        <h2 id="check-h">Check these addresses</h2>
        <p class="hint">Open the receive addresses of this account in your wallet app: its first ones must be these, in this order. If they differ, Till is watching another key — set the right one before you take payments.</p>
        <Addresses list={w.addresses} caption="The first five receive addresses of the active wallet" />
      </section>
    </>
  );
}

/** 1440 → "24 hours", 90 → "90 minutes", 0 → "no time". */
function duration(minutes: number): string {
  if (minutes === 0) return 'no time';
  if (minutes % 1440 === 0) return minutes === 1440 ? '24 hours' : `${minutes / 1440} days`;
  if (minutes % 60 === 0 && minutes >= 120) return `${minutes / 60} hours`;
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

function GapCard({ w, gap, warnings }: { w: WalletView; gap: Gap | null; warnings: string[] }): Child {
  const over = gap !== null && gap.gap_limit_needed > gap.usual_gap_limit;
  return (
    <section class="card" aria-labelledby="gap-h">
      <h2 id="gap-h">Gap limit and address pool</h2>
      {gap ? (
        <div class="gap">
          <div class="stat"><div class="label">Longest run of unpaid addresses</div><div class="value">{String(gap.longest_unused_run)}</div></div>
          <div class="stat"><div class="label">Gap limit your wallet needs</div><div class="value">{String(gap.gap_limit_needed)}</div></div>
          <div class="stat"><div class="label">Usual gap limit of wallets</div><div class="value">{String(gap.usual_gap_limit)}</div></div>
        </div>
      ) : null}
      <p>
        {over
          ? <span class="chip warn">Raise your wallet's gap limit</span>
          : <span class="chip ok">Within the usual gap limit</span>}
      </p>
      {warnings.length > 0 ? <ul>{warnings.map((m) => <li>{m}</li>)}</ul> : (
        <p class="hint">A wallet restored from its seed stops looking after {gap ? String(gap.usual_gap_limit) : '20'} unused addresses in a row. Till hands released addresses out again, lowest first, to keep the gap small.</p>
      )}
      <h3>Addresses handed out</h3>
      <dl class="facts">
        <dt>Held by open invoices</dt>
        <dd>{String(w.handedOut.assigned)}</dd>
        <dt>Paid (never used again)</dt>
        <dd>{String(w.handedOut.used)}</dd>
        <dt>Cooling down</dt>
        <dd>{String(w.cooling)}</dd>
        <dt>Free to hand out again</dt>
        <dd>{String(w.free)}</dd>
      </dl>
      <p class="hint">
        An address released by a cancelled or expired invoice waits {duration(w.cooldownMinutes)} (TILL_ADDRESS_COOLDOWN_MINUTES) before another invoice gets it, in case a payer still pays the old QR code.
      </p>
    </section>
  );
}

function KeyForm(p: { csrf: string; input: string; firstIndex: string; errors: readonly FieldError[]; replacing: boolean }): Child {
  return (
    <section class="card" aria-labelledby="set-h">
      <h2 id="set-h">{p.replacing ? 'Change the wallet' : 'Set your wallet'}</h2>
      <p class="hint">
        Paste the extended public key (xpub, ypub, zpub; tpub, upub, vpub on test networks) of an account used only by Till, or an output descriptor such as <code>wpkh([d34db33f/84h/0h/0h]xpub…/0/*)</code>. It lets Till make a new address for each invoice; it cannot spend anything.
        {p.replacing ? ' Open invoices keep their addresses, and the old wallet\'s addresses stay watched.' : ''}
      </p>
      <form method="post" action="/admin/wallet">
        <Csrf token={p.csrf} />
        <FormErrors errors={p.errors} />
        <div class="field">
          <label for="f-key">Extended public key or descriptor</label>
          <textarea id="f-key" name="key" class="mono" rows={3} required spellcheck={false} autocomplete="off" autocapitalize="off"
            aria-invalid={errorsOf(p.errors, 'key').length ? 'true' : undefined}
            aria-describedby={errorsOf(p.errors, 'key').length ? 'f-key-error' : undefined}>{p.input}</textarea>
          {errorsOf(p.errors, 'key').length ? <p id="f-key-error" class="error">{errorsOf(p.errors, 'key').join(' ')}</p> : null}
        </div>
        <div class="short">
          <Field name="first_index" label="First index" value={p.firstIndex} inputmode="numeric" errors={p.errors}
            hint="0 unless this key already gave out addresses elsewhere: then the index after the last one used." />
        </div>
        <p class="actions"><button type="submit">Show its first addresses</button></p>
      </form>
    </section>
  );
}

function WalletPage(p: {
  ctx: AdminContext; deps: AdminDeps; w: WalletView | null; health: HealthView; input: string; firstIndex: string; errors: readonly FieldError[];
}): Child {
  const warnings = p.health.warnings.filter((m) => /gap limit/i.test(m));
  return (
    <AdminPage title="Wallet" section="/admin/wallet" csrf={csrfOf(p.ctx)} shopName={p.deps.settings.shopName()} flash={flashOf(p.ctx)}>
      <OwnStyles />
      <h1>Wallet</h1>
      {p.w ? (
        <>
          <Active w={p.w} />
          <GapCard w={p.w} gap={gapOf(p.health)} warnings={warnings} />
        </>
      ) : (
        <section class="card" aria-labelledby="none-h">
          <h2 id="none-h">No wallet yet</h2>
          <p>Invoices cannot be finalized until Till knows where payments go. Set the public key of your wallet below: Till derives a fresh address from it for every invoice.</p>
        </section>
      )}
      <KeyForm csrf={csrfOf(p.ctx)} input={p.input} firstIndex={p.firstIndex} errors={p.errors} replacing={p.w !== null} />
    </AdminPage>
  );
}

function PreviewPage(p: { ctx: AdminContext; deps: AdminDeps; preview: WalletPreviewView; input: string; current: WalletView | null }): Child {
  const same = p.current !== null && p.current.descriptor === p.preview.descriptor && p.current.firstIndex === p.preview.firstIndex;
  return (
    <AdminPage title="Check the new wallet" section="/admin/wallet" csrf={csrfOf(p.ctx)} shopName={p.deps.settings.shopName()}>
      <OwnStyles />
      <h1>Check the new wallet</h1>
      <p class="lead">Nothing is changed yet.</p>
      <section class="card" aria-labelledby="new-h">
        <h2 id="new-h">Its first addresses</h2>
        <p class="hint">Compare these with the receive addresses your wallet app shows for this account. Use this wallet only if they are the same, in the same order.</p>
        <Addresses list={p.preview.addresses} caption="The first five receive addresses of the new key" />
        <dl class="facts">
          <dt>Descriptor</dt>
          <dd><code class="descriptor">{p.preview.descriptor}</code></dd>
          <dt>Network</dt>
          <dd>{p.preview.network}</dd>
          <dt>Address type</dt>
          <dd>{p.preview.scriptType}</dd>
          <dt>First index</dt>
          <dd>{String(p.preview.firstIndex)}</dd>
        </dl>
        {same ? <p class="hint">This is the wallet in use already.</p> : null}
        <form method="post" action="/admin/wallet/set" class="actions">
          <Csrf token={csrfOf(p.ctx)} />
          <input type="hidden" name="key" value={p.input} />
          <input type="hidden" name="first_index" value={String(p.preview.firstIndex)} />
          <button type="submit">Use this wallet</button>
          <a class="button secondary" href="/admin/wallet">Back</a>
        </form>
      </section>
    </AdminPage>
  );
}

/** The first index typed, or a field error. */
function parseFirstIndex(raw: string | undefined): number | FieldError {
  const t = (raw ?? '').trim();
  if (t === '') return 0;
  if (!/^\d{1,10}$/.test(t)) return { field: 'first_index', message: 'Must be a whole number (0 for a key used only by Till).' };
  return Number(t);
}

/** A refused key beside the key field; a refused index beside its own. */
function walletErrors(e: unknown): FieldError[] {
  if (e instanceof TillError && (e.code === 'wallet_invalid' || e.code === 'wallet_network_mismatch')) return [{ field: 'key', message: e.message }];
  return fieldErrorsOf(e, ['first_index', 'key']);
}

/** `/admin/wallet`: the active wallet, its first addresses, the gap; set a key in two steps (see, then use). */
export const walletModule: AdminModule = {
  assets: [OWN_STYLESHEET],
  register(r, deps) {
    const page = async (ctx: AdminContext, status: number, key: string, firstIndex: string, errors: FieldError[]) => {
      const [w, health] = await Promise.all([deps.wallet.current(), deps.health()]);
      sendPage(ctx, status, <WalletPage ctx={ctx} deps={deps} w={w} health={health} input={key} firstIndex={firstIndex} errors={errors} />);
    };

    r.get('/wallet', async (ctx) => page(ctx, 200, '', '0', []));

    // Step one: the key's first addresses, for the merchant to compare with their wallet.
    r.post('/wallet', async (ctx) => {
      const f = formOf(ctx);
      const key = (f.key ?? '').trim();
      const first = parseFirstIndex(f.first_index);
      if (typeof first !== 'number') return page(ctx, 400, key, f.first_index ?? '', [first]);
      let preview: WalletPreviewView;
      try {
        preview = await deps.wallet.preview(key, first);
      } catch (e) {
        return page(ctx, 400, key, f.first_index ?? '', walletErrors(e));
      }
      sendPage(ctx, 200, <PreviewPage ctx={ctx} deps={deps} preview={preview} input={key} current={await deps.wallet.current()} />);
    });

    // Step two: the merchant saw the addresses and uses the key.
    r.post('/wallet/set', async (ctx) => {
      const f = formOf(ctx);
      const key = (f.key ?? '').trim();
      const first = parseFirstIndex(f.first_index);
      if (typeof first !== 'number') return page(ctx, 400, key, f.first_index ?? '', [first]);
      let set: WalletPreviewView;
      try {
        set = await deps.wallet.set(key, first);
      } catch (e) {
        return page(ctx, 400, key, f.first_index ?? '', walletErrors(e));
      }
      await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'wallet.set', shortKey(set.descriptor), {
        network: set.network, script_type: set.scriptType, first_index: set.firstIndex,
      });
      redirectWith(ctx, '/admin/wallet', `Wallet set: new invoices are paid to its addresses from index ${set.firstIndex}.`);
    });
  },
};
