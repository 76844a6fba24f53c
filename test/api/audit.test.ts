/**
 * The merchant's audit log hears of changes made with an API key or the CLI, as it does
 * of the UI's: cancel, mark-paid, links, webhooks; keys made and revoked and the wallet
 * set from the command line. Never a secret.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { tillCliArgs } from '../helpers/spawn.js';
import { engineEnv, startTill, testTpub, type TestTill } from '../helpers/till.js';

describe('audit log: the API and the CLI', function () {
  this.timeout(30_000);
  let t: TestTill | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  const actions = async () => (await t!.till.db.read('audit_log').orderBy('id')).map((a: any) => ({ action: a.action, subject: a.subject, actor: a.actor, detail: a.detail }));

  it('records what a key cancelled, marked paid, and changed of links and webhooks', async () => {
    t = await startTill({ env: { TILL_WEBHOOK_ALLOW_HOSTS: 'example.com' } });
    const prefix = t.key.slice(0, 13);
    const wire = await t.request('POST', '/api/v1/invoices', { body: { currency: 'USD', payment_methods: ['wire'], lines: [{ description: 'x', quantity: 1, unit_price: '10.00' }] } });
    expect((await t.request('POST', `/api/v1/invoices/${wire.body.ref}/mark-paid`, { body: { note: 'bank ref 7' } })).status).to.equal(200);
    const other = await t.request('POST', '/api/v1/invoices', { body: { currency: 'USD', lines: [{ description: 'x', quantity: 1, unit_price: '10.00' }] } });
    expect((await t.request('DELETE', `/api/v1/invoices/${other.body.ref}`)).status).to.equal(200);
    expect((await t.request('POST', '/api/v1/payment-links', { body: { title: 'Tips', slug: 'tips', amount: null } })).status).to.equal(201);
    expect((await t.request('DELETE', '/api/v1/payment-links/tips')).status).to.equal(200);
    const hook = await t.request('POST', '/api/v1/webhooks', { body: { url: 'https://example.com/hook' } });
    expect(hook.status).to.equal(201);
    const rotated = await t.request('POST', `/api/v1/webhooks/${hook.body.id}/rotate-secret`);
    expect((await t.request('DELETE', `/api/v1/webhooks/${hook.body.id}`)).status).to.equal(200);

    const rows = await actions();
    expect(rows.map((r) => r.action)).to.deep.equal([
      'invoice.marked_paid', 'invoice.cancelled', 'link.created', 'link.deactivated', 'webhook.created', 'webhook.secret_rotated', 'webhook.deleted',
    ]);
    for (const r of rows) expect(r.actor).to.match(/^api key till_/).and.include(prefix.slice(0, 9));
    expect(rows[0]).to.include({ subject: wire.body.invoice_number });
    expect(JSON.parse(rows[0]!.detail)).to.deep.equal({ note: 'bank ref 7' });
    const all = JSON.stringify(rows);
    expect(all).not.to.include(hook.body.secret).and.not.include(rotated.body.secret).and.not.include(t.key);
  });

  it('records keys made and revoked and the wallet set from the command line', async () => {
    t = await startTill();
    // On PostgreSQL the CLI and the restarted Till must find the database this one made.
    const database = await engineEnv(t.dir);
    await t.close();
    const env = { ...process.env, ...database, TILL_DATA_DIR: t.dir, TILL_LOG_LEVEL: 'silent' };
    const run = (...args: string[]) => spawnSync(process.execPath, tillCliArgs(...args), { env, encoding: 'utf8' });
    const made = run('keys', 'create', 'pos');
    expect(made.status, made.stderr).to.equal(0);
    const key = /till_[A-Za-z0-9]+/.exec(made.stdout)![0];
    expect(run('keys', 'revoke', key.slice(0, 12)).status).to.equal(0);
    expect(run('wallet', 'set', testTpub(3)).status).to.equal(0);
    t = await startTill({ dir: t.dir, env: database });
    const rows = await actions();
    expect(rows.map((r) => [r.action, r.actor])).to.deep.equal([['key.created', 'cli'], ['key.revoked', 'cli'], ['wallet.set', 'cli']]);
    expect(JSON.stringify(rows)).not.to.include(key);
  });
});
