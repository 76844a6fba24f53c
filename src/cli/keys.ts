import type { Config } from '../config/load.js';
import { openConfiguredDatabase, migrateLatest } from '../db/connection.js';
import { ApiKeys, DEFAULT_SCOPES, parseScopes } from '../api/keys.js';
import { AuditLog } from '../invoicing/audit.js';

const CLI = { actor: 'cli', ip: null };

async function withKeys<T>(config: Config, fn: (keys: ApiKeys, audit: AuditLog) => Promise<T>): Promise<T> {
  const db = await openConfiguredDatabase(config);
  try {
    await migrateLatest(db);
    return await fn(new ApiKeys(db, Date.now), new AuditLog(db, Date.now));
  } finally {
    await db.close();
  }
}

export async function keysCreate(config: Config, name: string, scopes?: string): Promise<void> {
  const list = scopes ? parseScopes(scopes.split(',').map((s) => s.trim()).filter(Boolean)) : DEFAULT_SCOPES;
  const { key, record } = await withKeys(config, async (k, audit) => {
    const made = await k.create(name, list);
    await audit.record(CLI, 'key.created', made.record.prefix, { id: made.record.id, name: made.record.name, scopes: made.record.scopes });
    return made;
  });
  console.log(`Created API key #${record.id} "${record.name}" (${record.scopes.join(', ')})`);
  console.log('');
  console.log(`  ${key}`);
  console.log('');
  console.log('This is the only time the key is shown: Till keeps only its hash. Use it as');
  console.log('  Authorization: Bearer <key>');
}

export async function keysList(config: Config): Promise<void> {
  const list = await withKeys(config, (k) => k.list());
  if (list.length === 0) {
    console.log('No API keys yet. Create one with: till keys create <name>');
    return;
  }
  for (const k of list) {
    const state = k.revokedAt ? `revoked ${new Date(k.revokedAt).toISOString()}` : 'active';
    const used = k.lastUsedAt ? new Date(k.lastUsedAt).toISOString() : 'never';
    console.log(`#${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(', ')}]  ${state}  last used ${used}`);
  }
}

export async function keysRevoke(config: Config, idOrPrefix: string): Promise<void> {
  const n = await withKeys(config, async (k, audit) => {
    const revoked = await k.revoke(idOrPrefix);
    if (revoked > 0) await audit.record(CLI, 'key.revoked', idOrPrefix, { count: revoked });
    return revoked;
  });
  if (n === 0) {
    console.error(`No active key matches ${idOrPrefix}`);
    process.exitCode = 1;
    return;
  }
  console.log(`Revoked ${n} key${n === 1 ? '' : 's'}. A running Till refuses it within seconds.`);
}
