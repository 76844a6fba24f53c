/**
 * The layer rules (.dependency-cruiser.cjs) on a small tree made here: each forbidden
 * arrow of DESIGN.md is caught by name, and the arrows the design allows pass. `npm run
 * lint` runs the same rules over src/.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers/spawn.js';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Writes `files` (path → imports) as a tree and cruises it with the project's rules. */
function cruise(files: Record<string, string[]>): Violation[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-layers-'));
  try {
    for (const [file, imports] of Object.entries(files)) {
      const at = path.join(dir, file);
      fs.mkdirSync(path.dirname(at), { recursive: true });
      const lines = imports.map((target, i) => {
        const rel = path.relative(path.dirname(at), path.join(dir, target)).replace(/\.ts$/, '.js');
        return `import { x${i} } from '${rel.startsWith('.') ? rel : `./${rel}`}';`;
      });
      fs.writeFileSync(at, `${lines.join('\n')}\nexport const x = 1;\n${imports.map((_t, i) => `export const y${i} = x${i};`).join('\n')}\n`);
    }
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'],
      { cwd: dir, encoding: 'utf8' },
    );
    const out = JSON.parse(r.stdout) as { summary: { violations: Violation[] } };
    return out.summary.violations;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rules = (v: Violation[]) => [...new Set(v.map((x) => x.rule.name))].sort();

describe('layer rules (DESIGN.md, enforced by dependency-cruiser)', function () {
  this.timeout(30_000);

  it('refuses a notify → api import', () => {
    const v = cruise({ 'src/notify/worker.ts': ['src/api/v1/present.ts'], 'src/api/v1/present.ts': [] });
    expect(rules(v)).to.deep.equal(['notify-knows-no-dialect']);
    expect(v[0]).to.include({ from: 'src/notify/worker.ts', to: 'src/api/v1/present.ts' });
  });

  it('refuses an import cycle, however long', () => {
    const v = cruise({
      'src/invoicing/a.ts': ['src/invoicing/b.ts'],
      'src/invoicing/b.ts': ['src/invoicing/c.ts'],
      'src/invoicing/c.ts': ['src/invoicing/a.ts'],
    });
    expect(rules(v)).to.deep.equal(['no-circular']);
  });

  it('refuses each arrow that points up the page', () => {
    const cases: [string, string, string][] = [
      ['src/domain/money.ts', 'src/db/rows.ts', 'domain-is-pure'],
      ['src/db/invoices.ts', 'src/invoicing/settle.ts', 'db-is-below-the-services'],
      ['src/chain/watcher.ts', 'src/invoicing/payments.ts', 'chain-reports-invoicing-records'],
      ['src/chain/watcher.ts', 'src/db/chain.ts', 'chain-reports-invoicing-records'],
      ['src/invoicing/invoices.ts', 'src/api/deps.ts', 'invoicing-is-below-the-dialects'],
      ['src/api/v1/routes.ts', 'src/db/invoices.ts', 'a-dialect-never-touches-db'],
      ['src/api/app.ts', 'src/api/v1/routes.ts', 'dialects-are-plug-ins'],
      ['src/api/bitpay/present.ts', 'src/api/v1/present.ts', 'a-dialect-keeps-to-itself'],
      ['src/web/page.ts', 'src/db/invoices.ts', 'web-renders-only'],
      ['src/web/checkout/routes.ts', 'src/api/deps.ts', 'web-renders-only'],
      ['src/net/http-client.ts', 'src/rates/types.ts', 'net-is-a-leaf'],
      ['src/wallet/pool.ts', 'src/invoicing/invoices.ts', 'wallet-derives-only'],
      ['src/rates/rate-service.ts', 'src/db/rates.ts', 'rates-fetch-and-convert-only'],
      ['src/invoicing/invoices.ts', 'src/main.ts', 'only-the-composition-root-builds'],
    ];
    // One tree, one cruise: each case's importer imports only its own target.
    const tree: Record<string, string[]> = {};
    for (const [from, to] of cases) {
      tree[from] = [...(tree[from] ?? []), to];
      tree[to] ??= [];
    }
    const v = cruise(tree);
    for (const [from, to, rule] of cases) {
      expect(rules(v.filter((x) => x.from === from && x.to === to)), `${from} → ${to}`).to.include(rule);
    }
    expect(v.every((x) => cases.some(([f, t]) => x.from === f && x.to === t)), 'nothing else is refused').to.equal(true);
  });

  it('lets the arrows the design draws through', () => {
    const v = cruise({
      'src/main.ts': ['src/api/v1/index.ts', 'src/chain/watcher.ts', 'src/invoicing/payments.ts', 'src/db/chain.ts', 'src/notify/worker.ts', 'src/web/checkout/routes.ts'],
      // The pages call the invoicing services (never SQL) and render through web/.
      'src/web/checkout/routes.ts': ['src/invoicing/payments.ts', 'src/web/render.ts', 'src/domain/payment.ts'],
      'src/web/render.ts': [],
      'src/api/v1/index.ts': ['src/api/v1/routes.ts', 'src/api/dialect.ts'],
      'src/api/v1/routes.ts': ['src/api/auth.ts', 'src/domain/errors.ts'],
      'src/api/dialect.ts': ['src/notify/ports.ts'],
      'src/api/auth.ts': ['src/domain/errors.ts'],
      'src/invoicing/payments.ts': ['src/chain/ports.ts', 'src/db/payments.ts', 'src/domain/payment-state.ts'],
      'src/chain/watcher.ts': ['src/chain/ports.ts', 'src/log.ts'],
      'src/notify/worker.ts': ['src/notify/ports.ts', 'src/db/deliveries.ts', 'src/net/http-client.ts'],
      'src/notify/ports.ts': ['src/domain/events.ts'],
      'src/db/chain.ts': ['src/db/payments.ts'],
      'src/db/payments.ts': ['src/domain/payment.ts'],
      'src/db/deliveries.ts': [],
      'src/net/http-client.ts': ['src/domain/errors.ts'],
      'src/chain/ports.ts': [],
      'src/domain/payment-state.ts': ['src/domain/payment.ts'],
      'src/domain/payment.ts': [],
      'src/domain/events.ts': [],
      'src/domain/errors.ts': [],
      'src/log.ts': [],
      'src/cli/main.ts': ['src/main.ts'],
    });
    expect(v).to.deep.equal([]);
  });
});
