/**
 * A browser-less merchant for the admin UI tests: a cookie jar over fetch, the form's
 * CSRF token read from the last page, redirects followed by hand (so tests see 303s).
 */
import { expect } from 'chai';
import { startTill, type TestTill } from '../helpers/till.js';

export const PASSWORD = 'correct horse battery staple';

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** Where a redirect points (path and query), or null. */
  location: string | null;
}

export class AdminClient {
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page that had a form. */
  csrf: string | null = null;

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || /Max-Age=0/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookies.size ? { Cookie: this.cookieHeader() } : {}), ...(body !== undefined ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}), ...headers },
      body,
    });
    this.keep(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.csrf = m[1]!;
    const loc = res.headers.get('location');
    return { status: res.status, headers: res.headers, text, location: loc ? loc.replace(this.base, '') : null };
  }

  get(path: string): Promise<Page> {
    return this.request('GET', path);
  }

  /** Posts a form with the page's CSRF token (unless `csrf: null`). */
  post(path: string, form: Record<string, string>, o: { csrf?: string | null } = {}): Promise<Page> {
    const token = o.csrf === undefined ? this.csrf : o.csrf;
    const fields = token === null ? form : { _csrf: token, ...form };
    return this.request('POST', path, new URLSearchParams(fields).toString());
  }

  /** GET, following redirects within the site. */
  async follow(path: string): Promise<Page> {
    let p = await this.get(path);
    for (let i = 0; i < 5 && p.location && p.status >= 300 && p.status < 400; i++) p = await this.get(p.location);
    return p;
  }

  async login(password = PASSWORD): Promise<Page> {
    await this.get('/admin/login');
    const p = await this.post('/admin/login', { password, next: '/admin' });
    expect(p.status, p.text.slice(0, 300)).to.equal(303);
    return p;
  }
}

/** Till with its merchant password set, and a merchant logged in. */
export async function adminTill(env: Record<string, string> = {}): Promise<{ t: TestTill; ui: AdminClient }> {
  const t = await startTill({ env });
  await t.till.services.auth.setPassword(PASSWORD);
  const ui = new AdminClient(t.url);
  await ui.login();
  return { t, ui };
}
