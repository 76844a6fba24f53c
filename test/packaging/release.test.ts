/**
 * The release tooling, offline: scripts/pin-image.ts on a sample digest (as the release
 * workflow runs it), and the workflow's wiring of buildx, the push and the pin.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { pinRelease } from '../../scripts/pin-image.js';
import { TSX_LOADER } from '../helpers/spawn.js';
import { ROOT, read, readYaml } from './helpers.js';

const DIGEST = `sha256:${'5f3c1b7a9e2d4c6f'.repeat(4)}`;
const IMAGE = `ghcr.io/example-org/till:0.1.0@${DIGEST}`;

function pin(dir: string, ...args: string[]) {
  return spawnSync(process.execPath, ['--import', TSX_LOADER, path.join(ROOT, 'scripts/pin-image.ts'), '--dir', dir, ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('release: pinning the Umbrel package to the pushed image', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-pin-'));
    for (const f of ['docker-compose.yml', 'umbrel-app.yml']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the sample digest as the web image, the tag as the version, the repository URL; nothing else changes', () => {
    const r = pin(dir, '--image', IMAGE, '--repo', 'https://github.com/example-org/till');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(`pinned ${IMAGE} (version 0.1.0)`);

    const before = read('docker-compose.yml').split('\n');
    const after = fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8').split('\n');
    const changed = after.filter((l, i) => l !== before[i]);
    expect(changed).to.deep.equal([`    image: ${IMAGE}`]);
    expect(parse(after.join('\n')).services.web.image).to.equal(IMAGE);

    const manifest = parse(fs.readFileSync(path.join(dir, 'umbrel-app.yml'), 'utf8'));
    expect(manifest).to.deep.include({
      version: '0.1.0',
      website: 'https://github.com/example-org/till',
      repo: 'https://github.com/example-org/till',
      support: 'https://github.com/example-org/till/issues',
    });
    // The rest of the manifest, folded description and all, as committed.
    const { version: _v, website: _w, repo: _r, support: _s, ...rest } = manifest;
    const { version: _v0, website: _w0, repo: _r0, support: _s0, ...committed } = readYaml('umbrel-app.yml');
    expect(rest).to.deep.equal(committed);
  });

  it('pins again over an earlier release (a new tag and digest), a v-prefixed tag giving the bare version', () => {
    expect(pin(dir, '--image', IMAGE).status).to.equal(0);
    const next = `ghcr.io/example-org/till:v0.2.0@sha256:${'a'.repeat(64)}`;
    const r = pinRelease({ dir, image: next });
    expect(r.version).to.equal('0.2.0');
    expect(parse(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).services.web.image).to.equal(next);
    expect(parse(fs.readFileSync(path.join(dir, 'umbrel-app.yml'), 'utf8')).version).to.equal('0.2.0');
  });

  it('refuses anything but name:tag@sha256:<64 hex>, and changes nothing then', () => {
    for (const bad of [
      'ghcr.io/example-org/till:0.1.0',
      `ghcr.io/example-org/till@${DIGEST}`,
      'ghcr.io/example-org/till:0.1.0@sha256:abc',
      `ghcr.io/Example/till:0.1.0@${DIGEST}`,
      `ghcr.io/example-org/till:0.1.0@${DIGEST.toUpperCase()}`,
    ]) {
      const r = pin(dir, '--image', bad);
      expect(r.status, bad).to.equal(1);
      expect(r.stderr).to.match(/^pin-image: --image must be name:tag@sha256:<64 lower-case hex digits>/);
    }
    expect(pin(dir).stderr).to.contain('--image name:tag@sha256:<digest> is required');
    expect(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8')).to.equal(read('docker-compose.yml'));
    expect(fs.readFileSync(path.join(dir, 'umbrel-app.yml'), 'utf8')).to.equal(read('umbrel-app.yml'));
  });

  const wf = readYaml('.github/workflows/release.yml');
  const jobs = wf.jobs as Record<string, any>;
  const stepsOf = (job: string) => jobs[job].steps as any[];

  it('the workflow builds amd64 and arm64 with buildx, pushes, and pins the digest the push returned', () => {
    expect(Object.keys(wf.on)).to.deep.equal(['push']);
    expect(wf.on.push.tags).to.deep.equal(['v*']);
    const steps = stepsOf('image');
    const uses = steps.map((s) => s.uses).filter(Boolean) as string[];
    expect(uses.some((u) => u.startsWith('docker/setup-qemu-action@'))).to.equal(true);
    expect(uses.some((u) => u.startsWith('docker/setup-buildx-action@'))).to.equal(true);
    const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build.id).to.equal('build');
    expect(build.with.platforms).to.equal('linux/amd64,linux/arm64');
    expect(build.with.push).to.equal(true);
    expect(jobs.image.outputs.image).to.equal('${{ steps.meta.outputs.name }}:${{ steps.meta.outputs.version }}@${{ steps.build.outputs.digest }}');
    const pinStep = stepsOf('pin').find((s) => typeof s.run === 'string' && s.run.includes('scripts/pin-image.ts'));
    expect(pinStep.env.IMAGE).to.equal('${{ needs.image.outputs.image }}');
    expect(pinStep.run).to.contain('--image "$IMAGE"');
    expect(jobs.pin.needs).to.include.members(['image', 'public']);
  });

  it('permissions per job, none at the top: the build may push packages, only the pin may write the repository', () => {
    expect(wf.permissions).to.deep.equal({});
    for (const [name, job] of Object.entries(jobs)) expect(job, name).to.have.property('permissions');
    expect(jobs.image.permissions).to.deep.equal({ contents: 'read', packages: 'write' });
    expect(jobs.public.permissions).to.deep.equal({});
    expect(jobs.pin.permissions).to.deep.equal({ contents: 'write' });
  });

  it('every action is pinned by a full commit SHA, its tag in a comment', () => {
    const text = read('.github/workflows/release.yml');
    const lines = text.split('\n').filter((l) => /^\s*-?\s*uses:/.test(l));
    expect(lines.length).to.be.at.least(6);
    for (const l of lines) expect(l, l).to.match(/uses: [\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('after the push, a job without credentials pulls the manifest anonymously and fails saying to make the package public', () => {
    const steps = stepsOf('public');
    expect(jobs.public.needs).to.equal('image');
    const run = steps.map((s) => s.run ?? '').join('\n');
    expect(run).to.contain('https://ghcr.io/token?scope=repository:${repo}:pull');
    expect(run).to.contain('https://ghcr.io/v2/${repo}/manifests/${digest}');
    expect(run).to.not.match(/GITHUB_TOKEN|secrets\./);
    expect(steps.some((s) => s.env && Object.values(s.env).some((v) => String(v).includes('secrets.')))).to.equal(false);
    expect(run).to.match(/::error::.*make it public once.*re-run the failed jobs/);
  });

  it('a re-run with nothing to commit does not fail: the pin commits only when the files changed', () => {
    const run = stepsOf('pin').find((s) => typeof s.run === 'string' && s.run.includes('scripts/pin-image.ts')).run as string;
    const guard = run.indexOf('if git diff --quiet -- docker-compose.yml umbrel-app.yml; then');
    expect(guard).to.be.greaterThan(run.indexOf('scripts/pin-image.ts'));
    expect(guard).to.be.lessThan(run.indexOf('git commit'));
    expect(run.slice(guard, run.indexOf('fi', guard))).to.contain('exit 0');
    expect(run.indexOf('git push')).to.be.greaterThan(run.indexOf('git commit'));
  });
});
