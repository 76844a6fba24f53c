/**
 * The merchant UI's access on the real server: the first-run page (only with the code
 * printed in the log), password login with its per-address limit, server-side sessions
 * with HttpOnly SameSite=Strict cookies, CSRF on every form, logout and expiry, the
 * audit log, `till admin set-password`, and Umbrel's proxy login.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { captureLog } from '../helpers/capture-log.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { engineEnv, startTill, type TestTill } from '../helpers/till.js';
import { AdminClient, adminTill, PASSWORD } from './admin-client.js';

describe('merchant UI: access', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('first run: the password is set only with the one-time code from the log, then the merchant is logged in', async () => {
    const cap = captureLog('info');
    t = await startTill({ log: cap.log });
    const line = cap.lines.map((l) => JSON.parse(l)).find((l) => typeof l.setup_code === 'string');
    expect(line, 'the code is in the log').to.not.equal(undefined);
    const code = line.setup_code as string;
    expect(line.msg).to.include('/admin/setup');

    const ui = new AdminClient(t.url);
    const root = await ui.get('/');
    expect(root.status).to.equal(302);
    expect(root.location).to.equal('/admin');
    expect((await ui.get('/admin')).location).to.equal('/admin/login');
    expect((await ui.get('/admin/login')).location).to.match(/^\/admin\/setup/);
    const setup = await ui.get('/admin/setup');
    expect(setup.status).to.equal(200);
    expect(setup.text).to.include('One-time setup code');

    let r = await ui.post('/admin/setup', { code: 'wrong-code', password: PASSWORD, confirm: PASSWORD });
    expect(r.status).to.equal(400);
    expect(r.text).to.include('That is not the code in the log');
    expect(await t.till.services.auth.hasPassword()).to.equal(false);
    r = await ui.post('/admin/setup', { code, password: 'short', confirm: 'short' });
    expect(r.status).to.equal(400);
    expect(r.text).to.include('at least 10 characters');
    r = await ui.post('/admin/setup', { code, password: PASSWORD, confirm: `${PASSWORD}x` });
    expect(r.text).to.include('The two passwords differ');
    r = await ui.post('/admin/setup', { code, password: PASSWORD, confirm: PASSWORD });
    expect(r.status).to.equal(303);
    expect(r.location).to.match(/^\/admin\?done=/);
    const dash = await ui.get('/admin');
    expect(dash.status).to.equal(200);
    expect(dash.text).to.include('Log out');
    // Once set, the first-run page is closed.
    const again = new AdminClient(t.url);
    expect((await again.get('/admin/setup')).location).to.equal('/admin/login');
    const audit = await t.till.db.read('audit_log');
    expect(audit.map((a: any) => a.action)).to.deep.equal(['password.set']);
  });

  it('sessions: HttpOnly SameSite=Strict cookies under /admin, kept hashed, ended by logout and by idleness', async () => {
    const s = await adminTill();
    t = s.t;
    const ui = s.ui;
    const fresh = new AdminClient(t.url);
    await fresh.get('/admin/login');
    const res = await fresh.post('/admin/login', { password: PASSWORD });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('till_session='))!;
    expect(cookie).to.match(/HttpOnly/).and.match(/SameSite=Strict/).and.match(/Path=\/admin/);
    expect(cookie).to.not.match(/Secure/);
    const token = fresh.cookies.get('till_session')!;
    const rows = await t.till.db.read('ui_sessions');
    expect(rows.map((r: any) => r.token_hash)).to.not.include(token);

    expect((await ui.get('/admin')).status).to.equal(200);
    await ui.post('/admin/logout', {});
    expect((await ui.get('/admin')).location).to.equal('/admin/login');
    // The old cookie, replayed after logout, is dead.
    const replay = new AdminClient(t.url);
    replay.cookies.set('till_session', token);
    expect((await replay.get('/admin')).status).to.equal(200);
    t.clock.advance(13 * 60 * 60_000);
    expect((await replay.get('/admin')).location, 'idle for 13 hours').to.equal('/admin/login');
  });

  it('a page fetched without a session redirects to login, and back after it', async () => {
    const s = await adminTill();
    t = s.t;
    const anon = new AdminClient(t.url);
    const p = await anon.get('/admin/keys?x=1');
    expect(p.status).to.equal(303);
    expect(p.location).to.equal(`/admin/login?next=${encodeURIComponent('/admin/keys?x=1')}`);
    await anon.get(p.location!);
    const r = await anon.post('/admin/login', { password: PASSWORD, next: '/admin/keys?x=1' });
    expect(r.location).to.equal('/admin/keys?x=1');
    // A `next` that names another site is dropped.
    const evil = new AdminClient(t.url);
    await evil.get('/admin/login');
    for (const next of ['https://evil.example/', '//evil.example/admin', '/admin/../../evil', 'javascript:alert(1)']) {
      const x = await evil.post('/admin/login', { password: PASSWORD, next });
      expect(x.location, next).to.equal('/admin');
      await evil.post('/admin/logout', {});
      await evil.get('/admin/login');
    }
    // A POST without a session is refused, not run.
    expect((await new AdminClient(t.url).post('/admin/logout', {}, { csrf: null })).status).to.be.oneOf([401, 403]);
  });

  it('refuses a form post without the CSRF token, or with another session\'s', async () => {
    const s = await adminTill();
    t = s.t;
    const other = new AdminClient(t.url);
    await other.login();
    const before = await t.till.db.read('ui_sessions');
    for (const csrf of [null, '', 'x'.repeat(32), other.csrf!]) {
      const r = await s.ui.post('/admin/logout', {}, { csrf });
      expect(r.status, String(csrf)).to.equal(403);
      expect(r.text).to.include('This form has expired');
    }
    expect(await t.till.db.read('ui_sessions')).to.have.length(before.length);
    // The login form too carries a token bound to this browser's cookie.
    const a = new AdminClient(t.url);
    await a.get('/admin/login');
    const b = new AdminClient(t.url);
    await b.get('/admin/login');
    expect((await a.post('/admin/login', { password: PASSWORD }, { csrf: b.csrf })).status).to.equal(403);
  });

  it('ten wrong passwords from one address are rate-limited; the right one still fails until the window passes', async () => {
    const s = await adminTill();
    t = s.t;
    const ui = new AdminClient(t.url);
    await ui.get('/admin/login');
    for (let i = 0; i < 10; i++) {
      const r = await ui.post('/admin/login', { password: `wrong ${i}` });
      expect(r.status, `try ${i + 1}`).to.equal(401);
      expect(r.text).to.include('That password is not right');
    }
    const limited = await ui.post('/admin/login', { password: PASSWORD });
    expect(limited.status).to.equal(429);
    expect(limited.headers.get('retry-after')).to.match(/^\d+$/);
    expect(limited.text).to.include('Too many wrong passwords');
    t.clock.advance(15 * 60_000 + 1);
    expect((await ui.post('/admin/login', { password: PASSWORD })).status).to.equal(303);
  });

  it('pages carry the strict headers; errors are HTML pages, never JSON or a 500', async () => {
    const s = await adminTill();
    t = s.t;
    const p = await s.ui.get('/admin');
    expect(p.headers.get('content-security-policy')).to.include("script-src 'self'").and.not.include('unsafe-inline');
    expect(p.headers.get('cache-control')).to.equal('no-store');
    expect(p.headers.get('x-frame-options')).to.equal('DENY');
    expect(p.headers.get('referrer-policy')).to.equal('no-referrer');
    for (const [method, path, want] of [['GET', '/admin/nope', 404], ['PUT', '/admin', 405], ['DELETE', '/admin/login', 405], ['GET', '/ADMIN', 404]] as const) {
      const r = await s.ui.request(method, path, method === 'PUT' ? '' : undefined);
      expect(r.status, `${method} ${path}`).to.be.oneOf([want, 403]);
    }
  });

  it('behind Umbrel\'s app proxy (TILL_UI_AUTH=proxy) the proxy\'s login is the login; straight to Till it is refused', async () => {
    t = await startTill({ env: { TILL_UI_AUTH: 'proxy', TILL_TRUST_PROXY: '127.0.0.1' } });
    const viaProxy = new AdminClient(t.url);
    const p = await viaProxy.get('/admin');
    expect(p.status).to.equal(200);
    expect(p.text).to.include('Log out');
    // A form still needs the session's CSRF token.
    expect((await viaProxy.post('/admin/logout', {}, { csrf: null })).status).to.equal(403);
    // From anywhere but the proxy: refused.
    const direct = await new Promise<number>((resolve, reject) => {
      const u = new URL(t!.url);
      http.get({ host: u.hostname, port: u.port, path: '/admin', localAddress: '127.0.0.2' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(direct).to.equal(403);
  });

  it('`till admin set-password` sets it from stdin; every session ends', async () => {
    const s = await adminTill();
    t = s.t;
    const r = spawnSync(process.execPath, tillCliArgs('admin', 'set-password'), {
      input: 'another long password\n',
      env: { ...process.env, ...(await engineEnv(t.dir)), TILL_DATA_DIR: t.dir, TILL_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('The merchant password is set');
    expect((await s.ui.get('/admin')).location).to.equal('/admin/login');
    const ui = new AdminClient(t.url);
    await ui.get('/admin/login');
    expect((await ui.post('/admin/login', { password: PASSWORD })).status).to.equal(401);
    expect((await ui.post('/admin/login', { password: 'another long password' })).status).to.equal(303);
    const audit = await t.till.db.read('audit_log').orderBy('id');
    expect(audit.at(-1)).to.include({ action: 'password.set', actor: 'cli' });
  });
});
