import { Command, InvalidArgumentError } from 'commander';
import { loadConfig, type Config } from '../config/load.js';
import { isTillError } from '../domain/errors.js';
import { runServe } from './serve.js';
import { runMigrate } from './migrate.js';
import { keysCreate, keysList, keysRevoke } from './keys.js';
import { walletSet, walletShow } from './wallet.js';
import { regtestMine, regtestPay } from './regtest.js';
import { runConfigCheck } from './config-check.js';
import { adminSetPassword } from './admin.js';

function config(): Config {
  return loadConfig(process.env);
}

function int(name: string, min: number, max: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return Number(v);
  };
}

const program = new Command()
  .name('till')
  .description('Till: take bitcoin payments with your own node')
  .showHelpAfterError();

program.command('start').description('migrate the database, then serve (what `npm start` runs)')
  .action(() => runServe(config(), { migrate: true }));
program.command('serve').description('serve the API and run the background workers')
  .action(() => runServe(config(), { migrate: true }));
program.command('migrate').description('bring the database schema up to date')
  .option('--from-sqlite <file>', 'instead: copy this SQLite installation into the empty PostgreSQL database TILL_DATABASE_URL names')
  .action((o: { fromSqlite?: string }) => runMigrate(config(), o));

const configCmd = program.command('config').description('Till\'s settings');
configCmd.command('check')
  .description('show the resolved settings (secrets hidden) and where each came from, then try the node (RPC, each ZMQ topic), the database, SMTP and a rate source')
  .action(async () => {
    process.exitCode = await runConfigCheck();
  });

const keys = program.command('keys').description('API keys');
keys.command('create').argument('<name>', 'what the key is for, e.g. "woocommerce"')
  .option('--scopes <list>', 'comma-separated: invoices:read, invoices:write, links:write, webhooks:write, admin')
  .description('create a key; its secret is shown once')
  .action((name: string, o: { scopes?: string }) => keysCreate(config(), name, o.scopes));
keys.command('list').description('list keys (never their secrets)').action(() => keysList(config()));
keys.command('revoke').argument('<id-or-prefix>').description('revoke a key at once')
  .action((id: string) => keysRevoke(config(), id));

const admin = program.command('admin').description('the merchant web UI');
admin.command('set-password')
  .description('set the merchant UI password (asked on the terminal, or the first line of stdin); ends every session')
  .action(() => adminSetPassword(config()));

const wallet = program.command('wallet').description('the watch-only wallet invoices are paid to');
wallet.command('set').argument('<key>', 'an xpub/ypub/zpub (tpub/upub/vpub) or an output descriptor')
  .option('--first-index <n>', 'first receive index to hand out (skip addresses used elsewhere)', int('--first-index', 0, 2 ** 31 - 1), 0)
  .option('--count <n>', 'how many addresses to show for checking', int('--count', 1, 100), 5)
  .description('set the active wallet and show its first addresses')
  .action((key: string, o: { firstIndex: number; count: number }) => walletSet(config(), key, o.firstIndex, o.count));
wallet.command('show')
  .option('--count <n>', 'how many addresses to show', int('--count', 1, 100), 5)
  .description('show the active wallet and its first addresses')
  .action((o: { count: number }) => walletShow(config(), o.count));

const regtest = program.command('regtest').description('developer helpers for a regtest node with a wallet');
regtest.command('pay').argument('<invoice>', 'INV-0001, a ref or an id').argument('[amount]', 'BTC (default: what is still due)')
  .description('pay an invoice from the node wallet')
  .action((ref: string, amount?: string) => regtestPay(config(), ref, amount));
regtest.command('mine').argument('[n]', 'how many blocks', int('n', 1, 1000), 1)
  .description('mine blocks')
  .action((n: number) => regtestMine(config(), n));

program.parseAsync(process.argv).catch((err: unknown) => {
  // One clear line for anything expected (bad config, bad key); a stack only for bugs.
  if (isTillError(err)) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
