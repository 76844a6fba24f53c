import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachNode } from '../../regtest/find-nodes.js';
import { loadConfig } from '../../src/config/load.js';
import { openDatabase, migrateLatest } from '../../src/db/connection.js';
import { ApiKeys } from '../../src/api/keys.js';
import { AddressPool } from '../../src/wallet/pool.js';
import { engineEnv, testTpub } from '../helpers/till.js';
import { nodeEnv, waitFor } from './helpers.js';
import { tillCliArgs } from '../helpers/spawn.js';
import { freePort } from '../../regtest/daemon.js';

/** Till as its own process, the way `npm start` runs it, so it can be killed for real. */
function spawnTill(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, tillCliArgs('start'), {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

describeEachNode('crash safety', [], (node) => {
  it('Till killed with SIGKILL while payments and blocks happen loses nothing and counts nothing twice', async function () {
    this.timeout(120_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-crash-'));
    // A port the kernel just handed out, not a random one: a random port can be some
    // socket's ephemeral port already, and then Till cannot listen on it.
    const port = await freePort();
    const env = {
      // The suite's engine: on PostgreSQL the killed and restarted Till share one database.
      ...(await engineEnv(dir)), ...nodeEnv(node()), TILL_DATA_DIR: dir, TILL_PORT: String(port), TILL_HOST: '127.0.0.1',
      TILL_RATES_FIXED: 'USD=70000', TILL_LOG_LEVEL: 'warn',
    };
    const config = loadConfig(env, dir);
    const db = openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { filename: config.databaseFile });
    await migrateLatest(db);
    const { key } = await new ApiKeys(db, Date.now).create('crash', ['admin']);
    await new AddressPool('regtest').setWallet(db, `wpkh(${testTpub(randomBytes(32))}/0/*)`, 0, Date.now());
    await db.close();

    const url = `http://127.0.0.1:${port}`;
    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(url + p, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const up = () => waitFor(async () => (await fetch(`${url}/health`)).status === 200, 'Till to be up and synced', 30_000);

    let till = spawnTill(env);
    try {
      await up();
      const invoices: { ref: string; address: string; sats: bigint }[] = [];
      for (let i = 0; i < 6; i++) {
        const sats = BigInt(10_000 + i * 1_111);
        const c = await api('POST', '/api/v1/invoices', { currency: 'BTC', lines: [{ description: `crash ${i}`, quantity: 1, unit_price: (Number(sats) / 1e8).toFixed(8) }] });
        const f = await api('POST', `/api/v1/invoices/${c.body.ref}/finalize`);
        invoices.push({ ref: c.body.ref, address: f.body.payment_address, sats });
      }

      // Pay and mine while Till is killed twice, at no particular moment.
      const txids: string[] = [];
      for (let i = 0; i < invoices.length; i++) {
        txids.push(await node().pay(invoices[i]!.address, invoices[i]!.sats));
        if (i === 1 || i === 4) {
          till.kill('SIGKILL');
          await new Promise((r) => till.once('exit', r));
          await node().mine(1);
          till = spawnTill(env);
        }
        if (i === 2) await node().mine(1);
      }
      await up();
      await node().mine(1);

      for (const inv of invoices) {
        const body = await waitFor(async () => {
          const r = await api('GET', `/api/v1/invoices/${inv.ref}?include_payments=true`);
          return r.body.status === 'confirmed' ? r.body : false;
        }, `${inv.ref} confirmed`, 30_000);
        expect(body.btc_paid).to.equal((Number(inv.sats) / 1e8).toFixed(8));
        expect(body.payments).to.have.length(1);
      }
    } finally {
      till.kill('SIGKILL');
      await new Promise((r) => (till.exitCode !== null || till.signalCode !== null ? r(null) : till.once('exit', r)));
    }

    const check = openDatabase(config.databaseUrl ? { url: config.databaseUrl } : { filename: config.databaseFile });
    try {
      const payments = await check.read('payments');
      expect(payments).to.have.length(6);
      expect(new Set(payments.map((p: any) => `${p.txid}:${p.vout}`)).size).to.equal(6);
      const received = await check.read('outbox').where({ type: 'payment.received' });
      expect(received).to.have.length(6);
      const paid = await check.read('outbox').where({ type: 'invoice.paid' });
      expect(paid).to.have.length(6);
    } finally {
      await check.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}, { kinds: ['litecoind', 'sim', 'bitcoind'] });
