import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSmtp, type TestSmtp } from '../unit/email/smtp-helper.js';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase, migrateLatest } from '../../src/db/connection.js';
import { ApiKeys } from '../../src/api/keys.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { freePort } from '../../regtest/daemon.js';
import { engineEnv, type TestTill } from '../helpers/till.js';
import { lifecycle, notifyTill, receiver, until } from './helpers.js';

describe('merchant notification email', function () {
  this.timeout(30_000);
  let t: TestTill;
  let smtp: TestSmtp;
  afterEach(async () => {
    await t?.stop();
    await smtp?.close();
  });

  it('sends paid, confirmed and expired emails through SMTP', async () => {
    smtp = await startSmtp();
    t = await notifyTill({
      TILL_SMTP_URL: `smtp://127.0.0.1:${smtp.port}?secure=none&from=till@shop.test`,
      TILL_NOTIFY_EMAIL: 'merchant@shop.test',
      TILL_SHOP_NAME: 'Acme',
    });
    await lifecycle(t, 50_000n);
    const e = await t.request('POST', '/api/v1/invoices', { body: { currency: 'BTC', lines: [{ description: 'x', quantity: 1, unit_price: '0.001' }] } });
    await t.request('POST', `/api/v1/invoices/${e.body.ref}/finalize`);
    // The test's clock jumps 16 minutes, past a delivery's lease: the two emails in flight
    // must have arrived first, or the jump would let them be claimed and sent again.
    await until(() => smtp.messages.length >= 2, 'paid and confirmed emails');
    t.clock.advance(16 * 60_000);
    await t.till.services.invoices.expireDue();
    await until(() => smtp.messages.length >= 3, 'three emails');
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.messages).to.have.length(3);
    const subjects = smtp.messages.map((m) => /^Subject: (.*)$/m.exec(m.raw)?.[1] ?? '');
    expect(subjects.some((s) => /INV-0001 paid/.test(s))).to.equal(true);
    expect(subjects.some((s) => /INV-0001 confirmed/.test(s))).to.equal(true);
    expect(subjects.some((s) => /INV-0002 expired/.test(s))).to.equal(true);
    expect(smtp.messages.every((m) => m.rcptTo.includes('merchant@shop.test'))).to.equal(true);
  });

  it('without SMTP settings the email is recorded as not sent, never an error', async () => {
    t = await notifyTill({ TILL_NOTIFY_EMAIL: 'merchant@shop.test' });
    await lifecycle(t, 50_000n);
    const rows = await until(async () => {
      const r = await t.till.db.read('deliveries').where({ target_kind: 'email' });
      return r.length === 2 && r.every((d: any) => d.status === 'skipped') ? r : null;
    }, 'skipped emails');
    expect(rows.map((d: any) => d.last_error)).to.deep.equal(['smtp_not_configured', 'smtp_not_configured']);
  });
});

describe('delivery across a crash', function () {
  this.timeout(60_000);

  it('SIGKILL during a delivery: after a restart the event arrives with the same delivery id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-notify-crash-'));
    let hang = true;
    const r = await receiver(() => (hang ? new Promise<number>(() => undefined) : 200));
    const port = await freePort();
    const env = {
      // The suite's engine: on PostgreSQL the killed and restarted Till share one database.
      ...(await engineEnv(dir)), PATH: process.env.PATH ?? '', TILL_DATA_DIR: dir, TILL_PORT: String(port), TILL_HOST: '127.0.0.1',
      TILL_RATES_FIXED: 'USD=70000', TILL_LOG_LEVEL: 'warn', TILL_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      TILL_NOTIFY_LEASE_SECONDS: '1', TILL_RPC_PORT: '1',
    };
    const config = loadConfig(env, dir);
    const db = openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { filename: config.databaseFile });
    await migrateLatest(db);
    const { key } = await new ApiKeys(db, Date.now).create('crash', ['admin']);
    await db.close();
    const spawnTill = (): ChildProcess => spawn(process.execPath, tillCliArgs('start'), { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const api = (method: string, p: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${p}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const up = () => until(async () => (await api('GET', '/api/v1/rates').catch(() => null))?.status === 200, 'Till up', 30_000);

    let till = spawnTill();
    try {
      await up();
      expect((await api('POST', '/api/v1/webhooks', { url: r.url, events: ['invoice.created'] })).status).to.equal(201);
      expect((await api('POST', '/api/v1/invoices', { lines: [{ description: 'x', quantity: 1, unit_price: '5.00' }] })).status).to.equal(201);
      await until(() => r.got.length === 1, 'the first attempt to arrive');
      till.kill('SIGKILL');
      await new Promise((res) => till.once('exit', res));
      hang = false;
      till = spawnTill();
      await until(() => r.got.length >= 2, 'the redelivery', 30_000);
      expect(r.got[1]!.headers['x-btpay-delivery']).to.equal(r.got[0]!.headers['x-btpay-delivery']);
      expect(r.got[1]!.body).to.equal(r.got[0]!.body);
      expect(r.got[1]!.headers['x-btpay-signature']).to.equal(r.got[0]!.headers['x-btpay-signature']);
    } finally {
      till.kill('SIGKILL');
      await r.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
