/**
 * The Dockerfile, .dockerignore and regtest/docker-compose.yml, read without a Docker
 * engine: the stages, the user, the init, the health check, what the build context
 * keeps, and a regtest compose file whose settings Till still takes.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, unknownVariables } from '../../src/config/load.js';
import { ROOT, composeErrors, environmentOf, interpolate, read, readYaml } from './helpers.js';

interface Instruction {
  op: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  platform: string | undefined;
  steps: Instruction[];
}

/** The Dockerfile's instructions by stage (continuations joined, comments dropped). */
function stages(text: string): { args: Record<string, string>; stages: Stage[] } {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\w+)\s+(.*)$/.exec(line)!;
    const ins = { op: op!.toUpperCase(), args: rest!.trim() };
    if (ins.op === 'FROM') {
      const m = /^(?:--platform=(\S+)\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      const from = m[2]!.replace(/\$\{(\w+)\}/g, (_a, n: string) => args[n] ?? '');
      out.push({ from, name: m[3], platform: m[1], steps: [] });
    } else if (out.length === 0 && ins.op === 'ARG') {
      const [k, v] = ins.args.split('=');
      args[k!] = v ?? '';
    } else {
      out.at(-1)?.steps.push(ins);
    }
  }
  return { args, stages: out };
}

const exec = (s: Stage, op: string) => s.steps.filter((i) => i.op === op);

describe('container image', () => {
  const { stages: all } = stages(read('Dockerfile'));
  const build = all.find((s) => s.name === 'build')!;
  const runtime = all.at(-1)!;

  it('is multi-stage on Node 20 slim: a build stage, then a runtime stage that copies from it', () => {
    expect(all.length).to.be.at.least(2);
    for (const s of all) expect(s.from, s.name).to.match(/^node:20(\.\d+)*-[a-z]+-slim$/);
    expect(build).to.be.an('object');
    expect(runtime.name).to.not.equal('build');
    const copies = exec(runtime, 'COPY').map((c) => c.args);
    expect(copies.every((c) => c.startsWith('--from=build '))).to.equal(true);
    expect(copies.some((c) => / \/app\/node_modules /.test(c))).to.equal(true);
    expect(copies.some((c) => / \/app\/dist /.test(c))).to.equal(true);
  });

  it('native addons for every platform: no stage runs on $BUILDPLATFORM, the build stage has a compiler, prod dependencies only', () => {
    for (const s of all) expect(s.platform, s.name).to.equal(undefined);
    const runs = exec(build, 'RUN').map((r) => r.args).join(' && ');
    expect(runs).to.match(/apt-get install[^&]*\bpython3\b[^&]*\bmake\b[^&]*\bg\+\+/);
    expect(runs).to.match(/npm ci\b/);
    expect(runs).to.match(/npm prune --omit=dev\b/);
    // The runtime stage installs no compiler and runs no npm.
    const runtimeRuns = exec(runtime, 'RUN').map((r) => r.args).join(' ');
    expect(runtimeRuns).to.not.match(/\b(g\+\+|make|python3|npm)\b/);
  });

  it('runs as 1000:1000 under an init (tini), data in /data, port 5000, HEALTHCHECK on /health', () => {
    const user = exec(runtime, 'USER');
    expect(user.map((u) => u.args)).to.deep.equal(['1000:1000']);
    const entry = JSON.parse(exec(runtime, 'ENTRYPOINT').at(-1)!.args) as string[];
    expect(entry).to.deep.equal(['/usr/bin/tini', '--']);
    expect(exec(runtime, 'RUN').map((r) => r.args).join(' ')).to.match(/apt-get install[^&]*\btini\b/);
    // The image runs what `npm start` runs, flags and all.
    const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(JSON.parse(exec(runtime, 'CMD').at(-1)!.args)).to.deep.equal(start.split(' '));
    expect(start).to.match(/^node (--\S+ )*bin\/till\.js start$/);
    const env = exec(runtime, 'ENV').map((e) => e.args).join(' ');
    expect(env).to.contain('TILL_DATA_DIR=/data').and.contain('TILL_PORT=5000').and.contain('TILL_HOST=0.0.0.0');
    expect(exec(runtime, 'VOLUME').map((v) => v.args)).to.deep.equal(['/data']);
    expect(exec(runtime, 'RUN').map((r) => r.args).join(' ')).to.contain('chown 1000:1000 /data');
    expect(exec(runtime, 'EXPOSE').map((v) => v.args)).to.deep.equal(['5000']);
    const health = exec(runtime, 'HEALTHCHECK').at(-1)!.args;
    expect(health).to.match(/^--interval=\S+\s+--timeout=\S+\s+--start-period=\S+\s+--retries=\d+\s+CMD\s+\[/);
    const probe = JSON.parse(health.replace(/^.*?CMD\s+/, '')) as string[];
    expect(probe.slice(0, 2)).to.deep.equal(['node', '-e']);
    expect(probe[2]).to.contain("'/health'").and.contain('process.env.TILL_PORT');
    // The USER comes before the CMD runs and after everything that needs root.
    const ops = runtime.steps.map((s) => s.op);
    expect(ops.lastIndexOf('RUN')).to.be.lessThan(ops.indexOf('USER'));
  });

  it('the build context (.dockerignore) keeps everything the Dockerfile copies, and leaves out data, tests and git', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const sources = exec(build, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1)).filter((s) => !s.startsWith('--'));
    expect(sources).to.include.members(['package.json', 'package-lock.json', 'bin', 'src', 'migrations']);
    const glob = (p: string) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    for (const src of sources) for (const pat of ignored) expect(glob(pat).test(src), `${src} ignored by ${pat}`).to.equal(false);
    expect(ignored).to.include.members(['.git', 'node_modules', 'data', 'test', 'dist']);
  });

  it('keeps local settings, databases and keys out of the build context at any depth, even inside what is copied', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignored).to.include.members(['**/.env', '**/.env.*', '**/*.sqlite', '**/*.sqlite-*', '.npmrc', '**/*.pem', '**/*.key']);
    // Docker's matching (Go's filepath.Match per pattern, `**` any number of directories):
    // a path is left out when it or a directory above it matches.
    const segment = (seg: string) => seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    const toRegExp = (p: string) => {
      let re = '';
      for (const [i, seg] of p.split('/').entries()) {
        const last = i === p.split('/').length - 1;
        if (seg === '**') re += last ? '.*' : '(?:.*/)?';
        else re += segment(seg) + (last ? '' : '/');
      }
      return new RegExp(`^${re}$`);
    };
    const excluded = (file: string) => {
      const parts = file.split('/');
      return parts.some((_, i) => ignored.some((p) => toRegExp(p).test(parts.slice(0, i + 1).join('/'))));
    };
    for (const f of ['.env', 'src/.env', 'src/config/.env.local', 'till.sqlite', 'src/till.sqlite-wal', 'bin/old.sqlite-shm', '.npmrc', 'src/tls/server.pem', 'migrations/x.key', 'src/api/.env.production']) {
      expect(excluded(f), f).to.equal(true);
    }
    for (const f of ['src/main.ts', 'src/config/load.ts', 'bin/till.js', 'migrations/index.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
      expect(excluded(f), f).to.equal(false);
    }
    // No file of the sources the image is built from is caught by these patterns.
    const walk = (dir: string): string[] =>
      fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]));
    for (const f of ['bin', 'src', 'migrations'].flatMap(walk)) expect(excluded(f), f).to.equal(false);
  });
});

describe('regtest/docker-compose.yml', () => {
  const compose = readYaml('regtest/docker-compose.yml');

  it('is a valid Compose file and builds Till from this repository\'s Dockerfile', () => {
    expect(composeErrors(compose)).to.deep.equal([]);
    expect(compose.services.till.build).to.equal('..');
    expect(compose.services.till.depends_on.bitcoind.condition).to.equal('service_healthy');
    expect(compose.services.bitcoind.healthcheck).to.be.an('object');
  });

  it('Till takes its settings as they are: no unknown variable, on regtest against the bitcoind service, ZMQ on its ports', () => {
    const env = Object.fromEntries(Object.entries(environmentOf(compose.services.till)).map(([k, v]) => [k, interpolate(v, {})]));
    expect(unknownVariables(env)).to.deep.equal([]);
    const config = loadConfig(env, os.tmpdir());
    expect(config).to.deep.include({ chain: 'regtest', rpcHost: 'bitcoind', rpcPort: 18443, rpcUser: 'till', dataDir: '/data', port: 5000 });
    const command = (compose.services.bitcoind.command as string[]).join(' ');
    for (const [topic, url] of [['rawtx', config.zmqRawTx], ['rawblock', config.zmqRawBlock], ['sequence', config.zmqSequence]]) {
      const port = /:(\d+)$/.exec(url!)![1];
      expect(command, topic).to.contain(`-zmqpub${topic}=tcp://0.0.0.0:${port}`);
    }
    expect(command).to.contain(`-rpcpassword=\${BITCOIN_RPC_PASSWORD:-${config.rpcPassword}}`);
    expect(compose.services.till.healthcheck.test.join(' ')).to.contain('/health');
  });
});
