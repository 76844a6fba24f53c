import type { Child } from 'hono/jsx';
import { MIN_PASSWORD } from '../../invoicing/merchant-auth.js';
import { fieldErrorsOf, formOf } from './forms.js';
import { AdminPage, Csrf, Field, FormErrors } from './layout.js';
import { csrfOf, redirectWith, sendPage, type AdminContext, type AdminModule } from './http.js';
import type { AdminDeps, FieldError } from './ports.js';
import { clearCookie, clientKey, PRELOGIN_COOKIE, readCookie, sameToken, SESSION_COOKIE, setCookie } from './session.js';

/** Only a path of this UI: a `next` that names another site is dropped. */
function safeNext(v: unknown): string {
  return typeof v === 'string' && /^\/admin(\/[A-Za-z0-9/_.?=&%-]*)?$/.test(v) && !v.includes('..') && !/%2[ef]|%5c/i.test(v) ? v : '/admin';
}

function SetupPage(p: { csrf: string; errors: FieldError[]; needsCode: boolean }): Child {
  return (
    <AdminPage title="Set the merchant password">
      <div class="card narrow">
        <h1>Welcome to Till</h1>
        <p>Choose the password of this merchant UI. It protects your invoices, keys and wallet settings.</p>
        <form method="post" action="/admin/setup">
          <Csrf token={p.csrf} />
          <FormErrors errors={p.errors} />
          {p.needsCode ? (
            <Field name="code" label="One-time setup code" errors={p.errors} autocomplete="off"
              hint="Printed in Till's log when it started (look for “setup code”). Or set the password with: till admin set-password" />
          ) : null}
          <Field name="password" label="New password" type="password" errors={p.errors} autocomplete="new-password" required
            hint={`At least ${MIN_PASSWORD} characters.`} />
          <Field name="confirm" label="The same password again" type="password" errors={p.errors} autocomplete="new-password" required />
          <p class="actions"><button type="submit">Set the password</button></p>
        </form>
      </div>
    </AdminPage>
  );
}

function LoginPage(p: { csrf: string; next: string; error: string | null; shopName: string }): Child {
  return (
    <AdminPage title="Log in">
      <div class="card narrow">
        <h1>{p.shopName ? `${p.shopName} · Till` : 'Till'}</h1>
        <form method="post" action="/admin/login">
          <Csrf token={p.csrf} />
          <input type="hidden" name="next" value={p.next} />
          {p.error ? <p class="error" role="alert" id="login-error">{p.error}</p> : null}
          <label for="f-password">Password</label>
          <input id="f-password" name="password" type="password" autocomplete="current-password" required
            aria-invalid={p.error ? 'true' : undefined} aria-describedby={p.error ? 'login-error' : undefined} />
          <p class="actions"><button type="submit">Log in</button></p>
        </form>
      </div>
    </AdminPage>
  );
}

function PasswordPage(p: { csrf: string; errors: FieldError[]; shopName: string }): Child {
  return (
    <AdminPage title="Change the password" section="/admin/settings" csrf={p.csrf} shopName={p.shopName}>
      <h1>Change the password</h1>
      <div class="card">
        <form method="post" action="/admin/password">
          <Csrf token={p.csrf} />
          <FormErrors errors={p.errors} />
          <Field name="current" label="Current password" type="password" errors={p.errors} autocomplete="current-password" required />
          <Field name="password" label="New password" type="password" errors={p.errors} autocomplete="new-password" required
            hint={`At least ${MIN_PASSWORD} characters. Every session ends, this one too: you log in again.`} />
          <Field name="confirm" label="The same password again" type="password" errors={p.errors} autocomplete="new-password" required />
          <p class="actions"><button type="submit">Change the password</button></p>
        </form>
      </div>
    </AdminPage>
  );
}

/** The first-run page, login, logout and the password change. */
export const authPages: AdminModule = {
  register(r, deps: AdminDeps) {
    const client = (ctx: AdminContext) => ({ ip: ctx.ip || null, userAgent: ctx.get('User-Agent') || null });
    const shop = () => deps.settings.shopName();
    const loggedIn = (ctx: AdminContext) => ctx.state.admin !== undefined;

    const startSession = (ctx: AdminContext, token: string) => {
      setCookie(ctx, SESSION_COOKIE, token);
      clearCookie(ctx, PRELOGIN_COOKIE);
    };

    r.get('/setup', async (ctx) => {
      if (await deps.auth.hasPassword()) return redirectWith(ctx, loggedIn(ctx) ? '/admin' : '/admin/login');
      sendPage(ctx, 200, <SetupPage csrf={csrfOf(ctx)} errors={[]} needsCode={deps.setupCode !== null} />);
    });

    r.post('/setup', async (ctx) => {
      if (await deps.auth.hasPassword()) return redirectWith(ctx, '/admin/login');
      const f = formOf(ctx);
      const errors: FieldError[] = [];
      // Until a password exists anyone who reaches the page could set one: only the holder
      // of the code Till printed in its log may (a request that looks local may have come
      // through a Tor onion service or a reverse proxy on this machine).
      const key = clientKey(ctx.ip || 'unknown');
      if (deps.setupCode !== null) {
        const limited = !(await deps.loginLimiter.take(key)).allowed;
        if (limited) errors.push({ field: 'code', message: 'Too many tries: wait a quarter of an hour.' });
        else if (!sameToken((f.code ?? '').trim(), deps.setupCode)) errors.push({ field: 'code', message: 'That is not the code in the log.' });
        else await deps.loginLimiter.giveBack(key);
      }
      if ((f.password ?? '') !== (f.confirm ?? '')) errors.push({ field: 'confirm', message: 'The two passwords differ.' });
      if (errors.length === 0) {
        try {
          if (!(await deps.auth.setFirstPassword(f.password ?? ''))) {
            errors.push({ field: null, message: 'A password was set meanwhile. Log in with it.' });
          }
        } catch (e) {
          errors.push(...fieldErrorsOf(e, ['password']));
        }
      }
      if (errors.length > 0) return sendPage(ctx, 400, <SetupPage csrf={csrfOf(ctx)} errors={errors} needsCode={deps.setupCode !== null} />);
      const started = await deps.auth.startSession(client(ctx));
      await deps.audit.record({ actor: `session ${started.session.id}`, ip: ctx.ip || null }, 'password.set', null, { first: true });
      startSession(ctx, started.token);
      redirectWith(ctx, '/admin', 'Password set. Welcome to Till.');
    });

    r.get('/login', async (ctx) => {
      if (loggedIn(ctx)) return redirectWith(ctx, safeNext(ctx.query.next));
      if (!(await deps.auth.hasPassword())) return redirectWith(ctx, '/admin/setup');
      sendPage(ctx, 200, <LoginPage csrf={csrfOf(ctx)} next={safeNext(ctx.query.next)} error={null} shopName={shop()} />);
    });

    r.post('/login', async (ctx) => {
      const f = formOf(ctx);
      const next = safeNext(f.next);
      const key = clientKey(ctx.ip || 'unknown');
      const slot = await deps.loginLimiter.take(key);
      if (!slot.allowed) {
        ctx.set('Retry-After', String(slot.retryAfterS));
        return sendPage(ctx, 429, <LoginPage csrf={csrfOf(ctx)} next={next} shopName={shop()}
          error={`Too many wrong passwords from your address. Try again in ${Math.ceil(slot.retryAfterS / 60)} minutes.`} />);
      }
      const started = await deps.auth.login(f.password ?? '', client(ctx));
      if (!started) {
        return sendPage(ctx, 401, <LoginPage csrf={csrfOf(ctx)} next={next} error="That password is not right." shopName={shop()} />);
      }
      // Only wrong passwords count against the address.
      await deps.loginLimiter.giveBack(key);
      startSession(ctx, started.token);
      redirectWith(ctx, next);
    });

    r.post('/logout', async (ctx) => {
      const token = readCookie(ctx, SESSION_COOKIE);
      if (token) await deps.auth.logout(token);
      clearCookie(ctx, SESSION_COOKIE);
      redirectWith(ctx, deps.settings.uiAuth === 'proxy' ? '/admin' : '/admin/login');
    });

    r.get('/password', async (ctx) => {
      sendPage(ctx, 200, <PasswordPage csrf={csrfOf(ctx)} errors={[]} shopName={shop()} />);
    });

    r.post('/password', async (ctx) => {
      const f = formOf(ctx);
      const errors: FieldError[] = [];
      // Per session: only a logged-in merchant gets here, and Tor visitors share one address.
      const key = clientKey(`session ${ctx.state.admin!.session.id}`);
      if (!(await deps.loginLimiter.take(key)).allowed) errors.push({ field: 'current', message: 'Too many tries: wait a quarter of an hour.' });
      else if (!(await deps.auth.checkPassword(f.current ?? ''))) errors.push({ field: 'current', message: 'That is not the current password.' });
      else await deps.loginLimiter.giveBack(key);
      if ((f.password ?? '') !== (f.confirm ?? '')) errors.push({ field: 'confirm', message: 'The two passwords differ.' });
      if (errors.length === 0) {
        try {
          await deps.auth.setPassword(f.password ?? '');
        } catch (e) {
          errors.push(...fieldErrorsOf(e, ['password']));
        }
      }
      if (errors.length > 0) return sendPage(ctx, 400, <PasswordPage csrf={csrfOf(ctx)} errors={errors} shopName={shop()} />);
      await deps.audit.record({ actor: ctx.state.admin!.actor, ip: ctx.ip || null }, 'password.changed', null);
      clearCookie(ctx, SESSION_COOKIE);
      redirectWith(ctx, '/admin/login');
    });
  },
};
