/**
 * `npm test`'s second pass: the API, chain and notify suites again, on PostgreSQL
 * (TILL_TEST_ENGINE=postgres, the one switch test/helpers/till.ts reads). Without
 * PostgreSQL's binaries the pass is skipped with the reason, or fails under
 * TILL_TEST_REQUIRE_ALL=1 (CI).
 */
import { spawnSync } from 'node:child_process';
import { postgresBin } from './helpers/postgres.js';

if (!postgresBin()) {
  const why = 'no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)';
  if (process.env.TILL_TEST_REQUIRE_ALL === '1') {
    console.error(`the PostgreSQL pass needs PostgreSQL (TILL_TEST_REQUIRE_ALL=1): ${why}`);
    process.exit(1);
  }
  console.log(`skipping the PostgreSQL pass: ${why}`);
  process.exit(0);
}
const specs = ['test/api/**/*.test.ts', 'test/chain/**/*.test.ts', 'test/notify/**/*.test.ts', ...process.argv.slice(2)];
// --no-config: .mocharc.json's spec would add every other suite to these.
const options = [
  '--no-config', '--node-option', 'import=tsx', '--require', 'test/global-postgres.ts',
  '--timeout', '20000', '--exit', '--parallel', '--jobs', '3',
];
const r = spawnSync('npx', ['mocha', ...options, ...specs], { stdio: 'inherit', env: { ...process.env, TILL_TEST_ENGINE: 'postgres' } });
process.exit(r.status ?? 1);
