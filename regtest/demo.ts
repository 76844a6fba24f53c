/**
 * `npm run demo`: the simulated regtest node and Till together, with a key and a wallet
 * ready, so the whole flow — invoice, payment, confirmation — runs in a minute with
 * nothing else installed. Data lives in ./data-demo and is wiped at each start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { networks } from 'bitcoinjs-lib';
import { loadConfig } from '../src/config/load.js';
import { createTill } from '../src/main.js';
import { bip32Api } from '../src/wallet/ecc.js';
import { startSimNode } from './sim-node.js';

async function main(): Promise<void> {
  const dir = path.resolve('data-demo');
  fs.rmSync(dir, { recursive: true, force: true });
  const node = await startSimNode();
  const env: Record<string, string> = {
    TILL_DATA_DIR: dir,
    TILL_PORT: process.env.TILL_PORT ?? '5000',
    TILL_HOST: '127.0.0.1',
    TILL_CHAIN: 'regtest',
    TILL_RPC_HOST: node.rpc.host,
    TILL_RPC_PORT: String(node.rpc.port),
    TILL_RPC_USER: node.rpc.user,
    TILL_RPC_PASSWORD: node.rpc.password,
    TILL_ZMQ_RAWTX: node.zmq.rawtx ?? '',
    TILL_ZMQ_RAWBLOCK: node.zmq.rawblock ?? '',
    TILL_ZMQ_SEQUENCE: node.zmq.sequence ?? '',
    TILL_RATES_FIXED: 'USD=70000,EUR=61000',
    TILL_RATE_CURRENCIES: 'USD,EUR',
    TILL_LOG_LEVEL: process.env.TILL_LOG_LEVEL ?? 'warn',
  };
  const till = await createTill({ config: loadConfig(env, process.cwd()) });
  const { key } = await till.services.keys.create('demo', ['admin']);
  // A demo key from a fixed seed: never use it for real money.
  const tpub = bip32Api().fromSeed(Buffer.alloc(32, 42), networks.regtest).derivePath("m/84'/1'/0'").neutered().toBase58();
  await till.services.pool.setWallet(till.db, `wpkh(${tpub}/0/*)`, 0, Date.now());
  const port = await till.listen();

  const exports = Object.entries(env)
    .filter(([k]) => ['TILL_DATA_DIR', 'TILL_CHAIN', 'TILL_RPC_HOST', 'TILL_RPC_PORT', 'TILL_RPC_USER', 'TILL_RPC_PASSWORD'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const api = `http://localhost:${port}/api/v1`;
  console.log(`
Till is running on http://localhost:${port} against a simulated regtest node
(RPC 127.0.0.1:${node.rpc.port}, ZMQ ${node.zmq.rawtx}). Rates are fixed: 1 BTC = 70,000 USD.

In another terminal:

  export TILL_KEY=${key}
  export ${exports}

  # 1. an invoice (the seed example)
  curl -s -X POST ${api}/invoices -H "Authorization: Bearer $TILL_KEY" -H "Content-Type: application/json" \\
    -d '{"currency":"USD","tax_rate":10,"lines":[{"description":"Consulting (1 hour)","quantity":1,"unit_price":"150.00"},{"description":"Hardware wallet setup","quantity":2,"unit_price":"25.00"}]}'
  # 2. lock the rate and get an address
  curl -s -X POST ${api}/invoices/INV-0001/finalize -H "Authorization: Bearer $TILL_KEY"
  # 3. pay it from the node's wallet: seen at once over ZMQ
  npx till regtest pay INV-0001
  curl -s ${api}/invoices/INV-0001/status -H "Authorization: Bearer $TILL_KEY"
  # 4. mine a block: confirmed
  npx till regtest mine 1
  curl -s "${api}/invoices/INV-0001?include_payments=true" -H "Authorization: Bearer $TILL_KEY"

Ctrl-C stops both.
`);
  const stop = async () => {
    await till.close();
    await node.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
