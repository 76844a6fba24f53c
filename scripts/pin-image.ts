/**
 * Pins the Umbrel app package to a pushed image: writes `<name>:<tag>@sha256:<digest>` as
 * the image of docker-compose.yml's `web` service, the tag as umbrel-app.yml's version,
 * and (when given) the repository URL over the manifest's placeholder URLs. The release
 * workflow runs it with the digest the registry returned for the multi-arch push, so no
 * digest is ever written by hand.
 *
 *   node --import tsx scripts/pin-image.ts \
 *     --image ghcr.io/owner/till:0.1.0@sha256:<64 hex> [--repo https://github.com/owner/till] [--dir .]
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';

/** `[registry/]name:tag@sha256:<64 hex>`, as the umbrel-apps linter requires of every image. */
const PINNED = /^(?<name>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*):(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})@(?<digest>sha256:[0-9a-f]{64})$/;

/** What the committed manifest says until the release fills it in. */
export const REPO_PLACEHOLDER = 'https://github.com/__OWNER__/__REPO__';
export const IMAGE_PLACEHOLDER = '__TILL_IMAGE__';

export interface PinOptions {
  /** The pushed image, pinned: name:tag@sha256:digest. */
  image: string;
  /** The project's repository URL, for the manifest's website, repo and support. */
  repo?: string;
  /** Where umbrel-app.yml and docker-compose.yml are (default: the current directory). */
  dir?: string;
}

export interface PinResult {
  image: string;
  version: string;
  files: string[];
}

export function parsePinnedImage(image: string): { name: string; tag: string; digest: string } {
  const m = PINNED.exec(image);
  if (!m?.groups) {
    throw new Error(`--image must be name:tag@sha256:<64 lower-case hex digits>, as pushed (got ${JSON.stringify(image)})`);
  }
  return { name: m.groups.name!, tag: m.groups.tag!, digest: m.groups.digest! };
}

export function pinRelease(opts: PinOptions): PinResult {
  const dir = opts.dir ?? process.cwd();
  const { tag } = parsePinnedImage(opts.image);
  const version = tag.replace(/^v(?=\d)/, '');
  if (opts.repo !== undefined && !/^https:\/\/[^\s/]+\/[^\s]+[^/\s]$/.test(opts.repo)) {
    throw new Error(`--repo must be the repository's https URL (got ${JSON.stringify(opts.repo)})`);
  }

  const composeFile = path.join(dir, 'docker-compose.yml');
  const compose = parseDocument(fs.readFileSync(composeFile, 'utf8'));
  if (compose.errors.length > 0) throw new Error(`${composeFile}: ${compose.errors[0]!.message}`);
  if (!compose.hasIn(['services', 'web', 'image'])) throw new Error(`${composeFile}: no services.web.image to pin`);
  compose.setIn(['services', 'web', 'image'], opts.image);

  // The manifest by its lines, so its folded description and comments stay as written.
  const manifestFile = path.join(dir, 'umbrel-app.yml');
  let manifest = fs.readFileSync(manifestFile, 'utf8');
  if (!/^version: .*$/m.test(manifest)) throw new Error(`${manifestFile}: no top-level version to set`);
  manifest = manifest.replace(/^version: .*$/m, `version: "${version}"`);
  if (opts.repo !== undefined) manifest = manifest.split(REPO_PLACEHOLDER).join(opts.repo);
  const check = parseDocument(manifest);
  if (check.errors.length > 0) throw new Error(`${manifestFile}: ${check.errors[0]!.message}`);

  fs.writeFileSync(composeFile, compose.toString({ lineWidth: 0 }));
  fs.writeFileSync(manifestFile, manifest);
  return { image: opts.image, version, files: [composeFile, manifestFile] };
}

function args(argv: string[]): PinOptions {
  const out: Partial<PinOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--image') out.image = value;
    else if (flag === '--repo') out.repo = value;
    else if (flag === '--dir') out.dir = value;
    else throw new Error(`unknown option ${flag} (known: --image, --repo, --dir)`);
    i++;
  }
  if (!out.image) throw new Error('--image name:tag@sha256:<digest> is required');
  return out as PinOptions;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const r = pinRelease(args(process.argv.slice(2)));
    process.stdout.write(`pinned ${r.image} (version ${r.version}) in ${r.files.join(', ')}\n`);
  } catch (err) {
    process.stderr.write(`pin-image: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
