/**
 * Where the time went in a `--cpu-prof` profile, by package or source file and by
 * function, optionally only between two offsets (seconds after the profile began).
 *
 *   tsx bench/profile-summary.ts <file.cpuprofile> [--from 12.5 --to 22.5] [--top 25]
 */
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const opt = (name: string, def: number) => (args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : def);
const p = JSON.parse(fs.readFileSync(args[0]!, 'utf8')) as Profile;
const from = opt('from', 0) * 1e6;
const to = opt('to', Infinity) * 1e6;
const top = opt('top', 25);

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let t = 0;
let total = 0;
p.samples.forEach((id, i) => {
  const d = p.timeDeltas[i] ?? 0;
  t += d;
  if (t < from || t > to) return;
  self.set(id, (self.get(id) ?? 0) + d);
  total += d;
});
const short = (url: string) => url.replace(/.*node_modules\/(@[^/]+\/[^/]+|[^/]+)\/.*/, 'npm:$1').replace(/^file:\/\/.*?\/(src|bench|migrations)\//, '$1/');
const files = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const file = url ? short(url) : functionName || '(native)';
  files.set(file, (files.get(file) ?? 0) + us);
  const fn = `${functionName || '(anonymous)'} ${url ? `${short(url)}:${lineNumber + 1}` : ''}`;
  fns.set(fn, (fns.get(fn) ?? 0) + us);
}
const print = (m: Map<string, number>) => {
  for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  }
};
console.log(`${(total / 1e6).toFixed(2)} s of samples${from > 0 || to < Infinity ? ` between ${from / 1e6} and ${to / 1e6} s` : ''}`);
console.log('\nby package or file (self time):');
print(files);
console.log('\nby function (self time):');
print(fns);
