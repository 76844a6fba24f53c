/**
 * Child process for the cleanup tests: starts litecoind, prints its pid and datadir, then
 * dies without closing it — the way a crashing or killed test run would.
 */
import { Daemon } from '../../../../regtest/daemon.js';

const [binary, mode] = process.argv.slice(2);
if (binary === undefined || (mode !== 'exit' && mode !== 'sigterm')) throw new Error('usage: orphan.ts <binary> <exit|sigterm>');
const daemon = await Daemon.start({ binary, label: 'orphan' });
process.stdout.write(`${JSON.stringify({ pid: daemon.pid, datadir: daemon.datadir })}\n`);
if (mode === 'exit') process.exit(3);
process.kill(process.pid, 'SIGTERM');
// Keep the event loop alive until the signal ends us.
setInterval(() => undefined, 1_000);
