import type { Config } from '../config/load.js';
import { openConfiguredDatabase, migrateLatest, type Database } from '../db/connection.js';
import { AuditLog } from '../invoicing/audit.js';
import { AddressPool, type ActiveWallet } from '../wallet/pool.js';
import type { Chain } from '../wallet/chain.js';

async function withPool<T>(config: Config, fn: (db: Database, pool: AddressPool) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config);
  try {
    await migrateLatest(db);
    return await fn(db, new AddressPool(config.chain as Chain));
  } finally {
    await db.close();
  }
}

function print(active: ActiveWallet, count: number): void {
  const { row, wallet } = active;
  console.log(`Wallet #${row.id} on ${wallet.chain} (${wallet.scriptType})`);
  console.log(`  descriptor   ${wallet.descriptor}`);
  if (wallet.origin) console.log(`  origin       [${wallet.origin.fingerprint}] ${wallet.origin.path}`);
  console.log(`  next index   ${row.nextIndex}`);
  console.log('');
  console.log('Check that your wallet shows these same receive addresses:');
  for (let i = row.firstIndex; i < row.firstIndex + count; i++) {
    const a = wallet.derive(i);
    console.log(`  ${String(i).padStart(6)}  ${a.address}`);
  }
}

export async function walletSet(config: Config, key: string, firstIndex: number, count: number): Promise<void> {
  await withPool(config, async (db, pool) => {
    const active = await pool.setWallet(db, key, firstIndex, Date.now());
    const text = active.wallet.descriptor;
    await new AuditLog(db, Date.now).record({ actor: 'cli', ip: null }, 'wallet.set', `${text.slice(0, 10)}…${text.slice(-6)}`, {
      chain: active.wallet.chain, script_type: active.wallet.scriptType, first_index: firstIndex,
    });
    print(active, count);
    console.log('');
    console.log('Use an account dedicated to Till: if another app hands out addresses from the');
    console.log('same key, a payment to a shared address may be credited to the wrong invoice.');
  });
}

export async function walletShow(config: Config, count: number): Promise<void> {
  await withPool(config, async (db, pool) => {
    const active = await pool.activeWallet(db.read);
    if (!active) {
      console.log('No active wallet. Set one with: till wallet set <xpub or descriptor>');
      process.exitCode = 1;
      return;
    }
    print(active, count);
  });
}
