import type { Child } from 'hono/jsx';
import { Document } from '../layout.js';
import { ADMIN_SCRIPT, ADMIN_STYLESHEET } from './assets.js';
import { CSRF_FIELD } from './session.js';
import type { FieldError } from './ports.js';

export const NAV = [
  { href: '/admin', label: 'Dashboard' },
  { href: '/admin/invoices', label: 'Invoices' },
  { href: '/admin/links', label: 'Payment links' },
  { href: '/admin/webhooks', label: 'Webhooks' },
  { href: '/admin/keys', label: 'API keys' },
  { href: '/admin/wallet', label: 'Wallet' },
  { href: '/admin/settings', label: 'Settings' },
  { href: '/admin/audit', label: 'Audit log' },
] as const;

export interface PageProps {
  title: string;
  /** The nav entry this page sits under (its href). */
  section?: string;
  /** The CSRF token every form of the page carries; absent: no logged-in chrome. */
  csrf?: string;
  shopName?: string;
  /** A message after a redirect: "Invoice INV-0004 cancelled." */
  flash?: { text: string; bad?: boolean } | null;
  /** More scripts of this page (hashed asset paths). */
  scripts?: string[];
  /** More stylesheets of this page (hashed asset paths). */
  styles?: string[];
  children?: Child;
}

/** A hidden CSRF field: every form that changes something carries one. */
export function Csrf({ token }: { token: string }): Child {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

/** One page of the merchant UI: the top bar with the sections and logout, then the page. */
export function AdminPage({ title, section, csrf, shopName, flash, scripts, styles, children }: PageProps): Child {
  return (
    <Document
      title={`${title} · Till`}
      lang="en"
      head={
        <>
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <meta name="robots" content="noindex" />
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href={ADMIN_STYLESHEET.path} />
          {(styles ?? []).map((s) => <link rel="stylesheet" href={s} />)}
          <script src={ADMIN_SCRIPT.path} defer />
          {(scripts ?? []).map((s) => <script src={s} defer />)}
        </>
      }
    >
      {csrf ? (
        <header class="top">
          <div class="in">
            <a class="brand" href="/admin">{shopName ? `${shopName} · Till` : 'Till'}</a>
            <nav class="main" aria-label="Sections">
              {NAV.map((n) => (
                <a href={n.href} aria-current={section === n.href ? 'page' : undefined}>{n.label}</a>
              ))}
            </nav>
            <form method="post" action="/admin/logout">
              <Csrf token={csrf} />
              <button type="submit" class="secondary">Log out</button>
            </form>
          </div>
        </header>
      ) : null}
      <main>
        {flash ? <p class={flash.bad ? 'flash bad' : 'flash'} role="status">{flash.text}</p> : null}
        {children}
      </main>
    </Document>
  );
}

/** The errors of one field, by its name; `null` for the form's own. */
export function errorsOf(errors: readonly FieldError[], field: string | null): string[] {
  return errors.filter((e) => e.field === field).map((e) => e.message);
}

/** A labelled input with its error beside it, keeping what was typed. */
export function Field(p: {
  name: string;
  label: string;
  value?: string;
  type?: string;
  errors?: readonly FieldError[];
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  inputmode?: 'decimal' | 'numeric' | 'text' | 'email' | 'url' | 'search';
  placeholder?: string;
}): Child {
  const errs = errorsOf(p.errors ?? [], p.name);
  const id = `f-${p.name}`;
  const described = [errs.length ? `${id}-error` : null, p.hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={id}>{p.label}</label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? 'text'}
        value={p.value ?? ''}
        required={p.required}
        autocomplete={p.autocomplete}
        inputmode={p.inputmode}
        placeholder={p.placeholder}
        aria-invalid={errs.length ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {errs.length ? <p id={`${id}-error`} class="error">{errs.join(' ')}</p> : null}
      {p.hint ? <p id={`${id}-hint`} class="hint">{p.hint}</p> : null}
    </div>
  );
}

/** The form's own errors (not of one field), at its top. */
export function FormErrors({ errors }: { errors: readonly FieldError[] }): Child {
  const own = errorsOf(errors, null);
  return own.length ? <div class="flash bad" role="alert">{own.map((m) => <p>{m}</p>)}</div> : null;
}

/** Seconds since the epoch → "2026-11-28 14:03 UTC". */
export function when(ms: number | null): string {
  if (ms === null) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "← Newer · 26–50 of 120 · Older →" under a list of `perPage` a page; nothing for one page. */
export function Pager({ href, page, perPage, total }: { href: (page: number) => string; page: number; perPage: number; total: number }): Child {
  if (total <= perPage) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={href(page - 1)}>← Newer</a> : <span />}
      <span class="muted">{`${(page - 1) * perPage + 1}–${Math.min(page * perPage, total)} of ${total}`}</span>
      {page * perPage < total ? <a href={href(page + 1)}>Older →</a> : <span />}
    </nav>
  );
}
