/**
 * DESIGN.md's layer table, enforced: arrows point down the page only, domain imports
 * nothing of ours, notify knows no dialect, chain reports through its ports, a dialect
 * never touches db, and no import cycles anywhere. `npm run lint` runs it; a breach fails
 * `npm test`. Paths match anywhere in the tree (`(^|/)src/…`) so the rule set can be tested
 * on a fixture tree (test/unit/layers.test.ts).
 */
const src = (dirs) => `(^|/)src/(${dirs})(/|\\.ts$)`;
/** Any module of ours (a relative import under src/, not a package's own src/). */
const OURS = '(^|/)src/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles: each module can be read, tested and replaced on its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ is money, totals, states and ids: it imports nothing of ours.',
      severity: 'error',
      from: { path: src('domain') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('domain') },
    },
    {
      name: 'config-reads-settings-only',
      severity: 'error',
      from: { path: src('config') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('config|domain') },
    },
    {
      name: 'db-is-below-the-services',
      comment: 'db/ holds all SQL and knows only domain (and the migrations it runs).',
      severity: 'error',
      from: { path: src('db') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('db|domain') },
    },
    {
      name: 'net-is-a-leaf',
      comment: 'net/ is the outbound-HTTP client: it knows nothing of what it carries.',
      severity: 'error',
      from: { path: src('net') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('net|domain|log') },
    },
    {
      name: 'rates-fetch-and-convert-only',
      severity: 'error',
      from: { path: src('rates') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('rates|domain|net|log|loop') },
    },
    {
      name: 'wallet-derives-only',
      severity: 'error',
      from: { path: src('wallet') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('wallet|domain|db') },
    },
    {
      name: 'chain-reports-invoicing-records',
      comment: 'chain/ declares the ports it reports to and reads through (chain/ports.ts); main.ts wires them.',
      severity: 'error',
      from: { path: src('chain') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('chain|domain|log|loop') },
    },
    {
      name: 'invoicing-is-below-the-dialects',
      comment: 'invoicing/ may implement chain\'s port, but knows no dialect, page or notifier.',
      severity: 'error',
      from: { path: src('invoicing') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: `${src('invoicing|domain|db|wallet|rates')}|(^|/)src/chain/ports\\.ts$` },
    },
    {
      name: 'notify-knows-no-dialect',
      comment: 'notify/ reads the outbox; dialects render through its ports (notify/ports.ts).',
      severity: 'error',
      from: { path: src('notify') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('notify|domain|db|net|web|log|loop') },
    },
    {
      name: 'a-dialect-never-touches-db',
      comment: 'api/<dialect>/ calls the services; SQL stays in db/.',
      severity: 'error',
      from: { path: '(^|/)src/api/[^/]+/' },
      to: { path: src('db') },
    },
    {
      name: 'a-dialect-keeps-to-itself',
      comment: 'One dialect never imports another: what two share lives in the shared api/ layer or below.',
      severity: 'error',
      from: { path: '(^|/)src/api/([^/]+)/' },
      to: { path: '(^|/)src/api/[^/]+/', pathNot: '(^|/)src/api/$2/' },
    },
    {
      name: 'web-renders-only',
      comment: 'web/ is the template engine and the pages: it knows the domain and calls the invoicing services, never the tables.',
      severity: 'error',
      from: { path: src('web') },
      to: { dependencyTypes: ['local'], path: OURS, pathNot: src('web|domain|invoicing') },
    },
    {
      name: 'dialects-are-plug-ins',
      comment: 'The shared api/ layer never imports a dialect: main.ts registers them.',
      severity: 'error',
      from: { path: '(^|/)src/api/[^/]+\\.ts$' },
      to: { path: '(^|/)src/api/[^/]+/' },
    },
    {
      name: 'only-the-composition-root-builds',
      comment: 'main.ts builds the concrete objects; only the CLI may start it.',
      severity: 'error',
      from: { path: '(^|/)src/', pathNot: `${src('cli')}|(^|/)src/main\\.ts$` },
      to: { path: '(^|/)src/main\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    // Beside this file, so the rules also run from elsewhere (the fixture trees of the test).
    tsConfig: { fileName: require('node:path').join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
