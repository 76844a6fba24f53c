import Client from 'bitcoin-core';
import type { Config } from '../config/load.js';
import { openConfiguredDatabase } from '../db/connection.js';
import { findInvoice } from '../db/invoices.js';
import { formatBtc, parseSats } from '../domain/money.js';
import { parseInvoiceKey } from '../invoicing/lookup.js';
import { TillError } from '../domain/errors.js';

/**
 * Developer helpers for a regtest node with a wallet (bitcoind, or the simulated node of
 * `npm run demo`): pay an invoice and mine blocks from the command line. Refused on any
 * other chain: they spend the node wallet's coins.
 */
function nodeClient(config: Config): Client {
  if (config.chain !== 'regtest') {
    throw new TillError('invalid_state', `till regtest works on regtest only; TILL_CHAIN is ${config.chain}`);
  }
  return new Client({
    host: `http://${config.rpcHost}:${config.rpcPort}`,
    username: config.rpcUser || undefined,
    password: config.rpcPassword || undefined,
    timeout: 30_000,
  });
}

export async function regtestPay(config: Config, ref: string, amount?: string): Promise<void> {
  const key = parseInvoiceKey(ref);
  const db = await openConfiguredDatabase(config);
  let address: string;
  let sats: bigint;
  try {
    const inv = key ? await findInvoice(db.read, key) : null;
    if (!inv) throw new TillError('invoice_not_found', `Invoice ${ref} not found`);
    if (!inv.address || inv.dueSats === null) throw new TillError('invalid_state', `Invoice ${inv.number} has no address yet: finalize it first`);
    address = inv.address;
    const left = inv.dueSats - inv.paidSats;
    sats = amount === undefined ? (left > 0n ? left : inv.dueSats) : parseSats(amount, 'amount', { allowZero: false });
  } finally {
    await db.close();
  }
  const txid = (await nodeClient(config).command('sendtoaddress', address, formatBtc(sats))) as string;
  console.log(`Sent ${formatBtc(sats)} BTC to ${address}`);
  console.log(`txid ${txid}`);
}

export async function regtestMine(config: Config, blocks: number): Promise<void> {
  const client = nodeClient(config);
  const to = (await client.command('getnewaddress')) as string;
  const hashes = (await client.command('generatetoaddress', blocks, to)) as string[];
  console.log(`Mined ${hashes.length} block${hashes.length === 1 ? '' : 's'}; tip ${hashes[hashes.length - 1] ?? '?'}`);
}
