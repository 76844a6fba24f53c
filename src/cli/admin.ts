import readline from 'node:readline';
import type { Config } from '../config/load.js';
import { openConfiguredDatabase, migrateLatest } from '../db/connection.js';
import { AuditLog } from '../invoicing/audit.js';
import { MerchantAuth } from '../invoicing/merchant-auth.js';

/** One line from a terminal without echoing it, or the first line of piped input. */
async function readSecret(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const rl = readline.createInterface({ input });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  const rl = readline.createInterface({ input, output: process.stderr, terminal: true });
  // Echo nothing of what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(prompt)) process.stderr.write(prompt);
  };
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

/**
 * `till admin set-password`: sets the merchant UI's password (asked twice on a terminal,
 * or the first line of stdin), never from the command line where `ps` would show it.
 * Every session ends.
 */
export async function adminSetPassword(config: Config): Promise<void> {
  const password = await readSecret('New merchant password: ');
  if (process.stdin.isTTY) {
    const again = await readSecret('The same again: ');
    if (again !== password) throw new Error('The two passwords differ; nothing was changed');
  }
  const db = await openConfiguredDatabase(config);
  try {
    await migrateLatest(db);
    await new MerchantAuth(db, Date.now).setPassword(password);
    await new AuditLog(db, Date.now).record({ actor: 'cli', ip: null }, 'password.set', null, { via: 'till admin set-password' });
  } finally {
    await db.close();
  }
  console.log('The merchant password is set; every session was ended. Log in at /admin.');
}
