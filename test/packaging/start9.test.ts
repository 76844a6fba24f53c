/**
 * The StartOS package (start9/, on @start9labs/start-sdk): it type-checks against the SDK's
 * own types, and its manifest, mounts, interfaces and dependency say what the issue asks.
 * The SDK lives in start9/node_modules (`npm ci --prefix start9`, which .ci/run does):
 * without it these tests are skipped, or fail under TILL_TEST_REQUIRE_ALL=1 (CI).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, read } from './helpers.js';

const DIR = path.join(ROOT, 'start9');
const TSC = path.join(DIR, 'node_modules/typescript/bin/tsc');
const SDK = path.join(DIR, 'node_modules/@start9labs/start-sdk/package.json');
const installed = fs.existsSync(TSC) && fs.existsSync(SDK);
const src = (f: string) => read(`start9/startos/${f}`);

describe('StartOS package (start9/)', function () {
  this.timeout(120_000);

  if (!installed) {
    if (process.env.TILL_TEST_REQUIRE_ALL === '1') {
      it('needs its SDK installed (TILL_TEST_REQUIRE_ALL=1)', () => {
        throw new Error('start9/node_modules is missing: npm ci --prefix start9');
      });
    } else {
      console.log('      skipping the StartOS type-check: start9/node_modules is missing (npm ci --prefix start9)');
    }
  } else {
    it('passes tsc --noEmit against the SDK\'s types (strict)', () => {
      const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', path.join(DIR, 'tsconfig.json')], { cwd: DIR, encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      const sdk = JSON.parse(fs.readFileSync(SDK, 'utf8')) as { version: string };
      expect(sdk.version).to.equal(JSON.parse(read('start9/package.json')).dependencies['@start9labs/start-sdk']);
    });

    it('the manifest: id till, one volume backed up, the repository\'s Dockerfile for x86_64 and aarch64, bitcoind required', async () => {
      const { manifest } = (await import(path.join(DIR, 'startos/manifest/index.ts'))) as { manifest: any };
      expect(manifest.id).to.equal('till');
      expect(manifest.volumes).to.deep.equal(['main']);
      expect(manifest.images.till.source).to.deep.equal({ dockerBuild: { workdir: '..', dockerfile: '../Dockerfile' } });
      expect(manifest.images.till.arch).to.have.members(['x86_64', 'aarch64']);
      expect(manifest.dependencies.bitcoind.optional).to.equal(false);
      expect(manifest.description.short.length).to.be.at.most(80);
      expect(manifest.description.long.length).to.be.at.most(500);
    });
  }

  it('backs up /data; reads bitcoind\'s cookie from its volume, read-only; ZMQ enabled through a task on bitcoind', () => {
    expect(src('backups.ts')).to.match(/Backups\.ofVolumes\('main'\)/);
    const main = src('main.ts');
    expect(main).to.match(/mountVolume\(\{ volumeId: 'main', subpath: null, mountpoint: dataDir, readonly: false \}\)/);
    expect(main).to.match(/mountDependency\(\{\s*dependencyId: bitcoind\.id,\s*volumeId: 'main',\s*subpath: null,\s*mountpoint: bitcoindMount,\s*readonly: true,/);
    expect(main).to.contain('TILL_RPC_COOKIE_FILE: `${bitcoindMount}/${bitcoind.cookie}`');
    expect(main).to.not.match(/TILL_RPC_(USER|PASSWORD)/);
    const deps = src('dependencies.ts');
    expect(deps).to.match(/createTask\(effects, bitcoind\.id, bitcoindAutoconfig, 'critical'/);
    expect(deps).to.contain("set: { zmqEnabled: true }");
  });

  // StartOS does not run here: these read the package's source for what makes Till start
  // as the image's user (the Dockerfile's USER 1000:1000, which start-sdk keeps).
  it('runs as uid 1000: bitcoind\'s root-owned 0600 cookie idmapped to 1000 in Till\'s mount; /data chowned to 1000:1000 by a root one-shot that Till requires', () => {
    expect(read('Dockerfile')).to.match(/^USER 1000:1000$/m);
    const utils = src('utils.ts');
    expect(utils).to.match(/export const tillUid = 1000\b/);
    expect(utils).to.contain('export const tillUser = `${tillUid}:${tillUid}`');
    const main = src('main.ts');
    const dep = /mountDependency\(\{[^}]*?dependencyId: bitcoind\.id[\s\S]*?\}\)\s*\n/.exec(main)?.[0] ?? '';
    expect(dep, 'the bitcoind mount').to.match(/idmap: \[\{ fromId: 0, toId: tillUid \}\]/);
    expect(main).to.match(/\.addOneshot\('chown-data', \{\s*subcontainer: till,\s*exec: \{ command: \['chown', '-R', tillUser, dataDir\], user: 'root' \},\s*requires: \[\],/);
    const daemon = main.slice(main.indexOf(".addDaemon('till'"));
    expect(daemon).to.match(/requires: \['chown-data'\]/);
    expect(main.indexOf(".addOneshot('chown-data'")).to.be.greaterThan(-1).and.lessThan(main.indexOf(".addDaemon('till'"));
    // The daemon itself is not run as root.
    expect(daemon).to.not.match(/user: 'root'/);
  });

  it('makes no session secret: nothing reads one (merchant UI sessions are server-side)', () => {
    expect(src('init/index.ts')).to.not.match(/writeFile|randomBytes|session-secret/);
    expect(src('main.ts')).to.not.contain('TILL_SESSION_SECRET');
    expect(src('utils.ts')).to.not.contain('session-secret');
  });

  it('two interfaces (the merchant UI and the public pages + API) and a health check from /health', () => {
    const ifaces = src('interfaces.ts');
    expect(ifaces).to.match(/id: uiInterfaceId,[\s\S]*type: 'ui',[\s\S]*path: '\/admin'/);
    expect(ifaces).to.match(/id: publicInterfaceId,[\s\S]*type: 'api'/);
    expect(ifaces).to.contain('origin.export([ui, pub])');
    expect(src('main.ts')).to.contain('/health`');
  });

  it('every TILL_* the package sets is a setting Till knows', async () => {
    const { knownVariables } = await import('../../src/config/load.js');
    const names = [...src('main.ts').matchAll(/\b(TILL_[A-Z0-9_]+):/g)].map((m) => m[1]!);
    expect(names.length).to.be.greaterThan(5);
    for (const n of names) expect(knownVariables(), n).to.include(n);
  });
});
