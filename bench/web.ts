/**
 * Web benchmark: what a payer's first load of the checkout page costs (all bytes, and the
 * time to first contentful paint and to the load event, in headless Chromium), beside a
 * bare static page served by the same Koa app in the same run; then 1,000 open SSE streams
 * of that page held at once, with the server's memory before and after. Prints figures;
 * never passes or fails.
 *
 * The server is a child process (this file run with `--server`): the real Till, as
 * `till serve` composes it, on a fresh SQLite file, with a wallet and one finalized invoice.
 * The bare page is one Koa middleware the child puts in front of the app's own stack, so it
 * measures the HTTP server and Koa alone; the product has no such route.
 *
 *   npm run bench:web [-- --runs 20 --streams 1000]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Koa, { type Context, type Next } from 'koa';
import type { Browser, Request } from 'playwright-core';
import { loadConfig } from '../src/config/load.js';
import { createTill } from '../src/main.js';
import { createLogger } from '../src/log.js';
import { createFixedRateProvider } from '../src/rates/index.js';
import { TSX_LOADER } from '../test/helpers/spawn.js';
import { SEED_INVOICE, testTpub } from '../test/helpers/till.js';
import { CHROMIUM, launchChromium, PHONE } from '../test/web/chromium.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 20);
const WARMUP = 3;
const STREAMS = opt('streams', 1000);
const BARE_PATH = '/bench-bare';

/** The smallest page that paints text: what any page of this server costs at the least. */
const BARE_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Bare</title></head>' +
  '<body><h1>Bare page</h1><p>A static page served by the same Koa app.</p></body></html>';

type Memory = { rss: number; heapUsed: number; external: number };
type FromServer = { ready: { port: number; uuid: string } } | { memory: Memory };

// ---------------------------------------------------------------- the server (child) ----

async function serve(): Promise<void> {
  // One middleware in front of Till's own stack, added when main.ts asks the app for its
  // request handler: the product code is untouched and the bare page rides the same server.
  const callback = Koa.prototype.callback;
  Koa.prototype.callback = function (this: Koa) {
    Koa.prototype.callback = callback;
    this.middleware.unshift(async (ctx: Context, next: Next) => {
      if (ctx.path !== BARE_PATH) return next();
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = BARE_HTML;
    });
    return callback.call(this);
  };

  const dir = process.env.TILL_DATA_DIR!;
  const config = loadConfig(process.env, dir);
  const till = await createTill({
    config,
    log: createLogger(config.logLevel),
    followChain: false,
    notify: false,
    rateProviders: [createFixedRateProvider('USD=70862.71')],
  });
  await till.services.pool.setWallet(till.db, `wpkh(${testTpub(3)}/0/*)`, 0, Date.now());
  const draft = await till.services.invoices.create({
    currency: SEED_INVOICE.currency,
    taxRate: SEED_INVOICE.tax_rate,
    customerEmail: SEED_INVOICE.customer_email,
    customerName: SEED_INVOICE.customer_name,
    customerCompany: SEED_INVOICE.customer_company,
    notes: SEED_INVOICE.notes,
    lines: SEED_INVOICE.lines,
    dialect: 'v1',
  });
  const inv = await till.services.invoices.finalize(draft.ref);
  const port = await till.listen();

  const send = (m: FromServer) => process.send!(m);
  process.on('message', (m) => {
    if (m !== 'memory') return;
    // Twice: the second collects what the first one's finalizers let go.
    global.gc?.();
    global.gc?.();
    const u = process.memoryUsage();
    send({ memory: { rss: u.rss, heapUsed: u.heapUsed, external: u.external } });
  });
  process.on('SIGTERM', () => {
    void till.close().finally(() => process.exit(0));
  });
  send({ ready: { port, uuid: inv.publicId } });
}

// ------------------------------------------------------------- the benchmark (parent) ----

const rows: [string, string][] = [];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** The soft limit of open files of a process, from /proc (Linux). */
function nofile(pid: number | 'self'): { soft: number; hard: number } | null {
  try {
    const line = fs.readFileSync(`/proc/${pid}/limits`, 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const [soft, hard] = line!.split(/\s{2,}/).slice(1, 3).map((v) => (v === 'unlimited' ? Infinity : Number(v)));
    return { soft: soft!, hard: hard! };
  } catch {
    return null;
  }
}

/** Raises a process's soft limit of open files to its hard limit where `need` is more than it allows. */
function ensureFiles(pid: number, who: string, need: number): string {
  const before = nofile(pid);
  if (!before) return `${who}: unknown (no /proc)`;
  if (before.soft >= need) return `${who}: ${before.soft}`;
  try {
    execFileSync('prlimit', ['--pid', String(pid), `--nofile=${before.hard}:${before.hard}`]);
  } catch {
    // Reported below.
  }
  const after = nofile(pid)!;
  return `${who}: ${before.soft} raised to ${after.soft}${after.soft < need ? ` (still under ${need}: streams will fail)` : ''}`;
}

function vmRss(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

function ask(server: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    const on = (m: FromServer) => {
      if (!('memory' in m)) return;
      server.off('message', on);
      resolve(m.memory);
    };
    server.on('message', on);
    server.send('memory');
  });
}

interface Load {
  fcp: number;
  load: number;
  /** Response bodies as they came over the wire, and the same with the response headers. */
  body: number;
  wire: number;
  resources: { url: string; status: number; body: number; wire: number }[];
  /** Requests still open at the load event and not counted (the page's SSE stream). */
  open: string[];
}

/** One first load in a fresh browser context (no cache, no cookies). */
async function firstLoad(browser: Browser, url: string): Promise<Load> {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const started = new Set<Request>();
  const sized: Promise<Load['resources'][number]>[] = [];
  page.on('request', (r) => started.add(r));
  page.on('requestfinished', (r) => {
    started.delete(r);
    sized.push((async () => {
      const [s, res] = await Promise.all([r.sizes(), r.response()]);
      return { url: r.url(), status: res?.status() ?? 0, body: s.responseBodySize, wire: s.responseBodySize + s.responseHeadersSize };
    })());
  });
  await page.goto(url, { waitUntil: 'load' });
  // Strings, not functions: tsx's helpers would not exist in the page. Polled with evaluate
  // (over CDP, which the page's CSP allows) rather than waitForFunction (an eval it forbids).
  let t: { fcp: number; load: number } | null = null;
  for (let i = 0; i < 200 && !t; i++) {
    t = (await page.evaluate(`(() => {
      const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
      const nav = performance.getEntriesByType('navigation')[0];
      return fcp && nav && nav.loadEventEnd > 0 ? { fcp: fcp.startTime, load: nav.loadEventEnd } : null;
    })()`)) as { fcp: number; load: number } | null;
    if (!t) await new Promise((r) => setTimeout(r, 25));
  }
  if (!t) throw new Error(`no first contentful paint on ${url}`);
  // Let a favicon or late asset finish, then count.
  await page.waitForLoadState('networkidle', { timeout: 1000 }).catch(() => undefined);
  const open = [...started].map((r) => r.url());
  const resources = await Promise.all(sized);
  await context.close();
  return {
    ...t,
    body: resources.reduce((a, r) => a + r.body, 0),
    wire: resources.reduce((a, r) => a + r.wire, 0),
    resources,
    open,
  };
}

async function pageBench(base: string, uuid: string): Promise<void> {
  const browser = await launchChromium();
  const pages = { bare: `${base}${BARE_PATH}`, checkout: `${base}/i/${uuid}` } as const;
  const loads: Record<keyof typeof pages, Load[]> = { bare: [], checkout: [] };
  try {
    for (let i = 0; i < WARMUP; i++) for (const u of Object.values(pages)) await firstLoad(browser, u);
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so neither always meets a server just woken by the other.
      const order = i % 2 === 0 ? (['bare', 'checkout'] as const) : (['checkout', 'bare'] as const);
      for (const k of order) loads[k].push(await firstLoad(browser, pages[k]));
    }
  } finally {
    await browser.close();
  }

  const c = loads.checkout[0]!;
  const b = loads.bare[0]!;
  rows.push([`checkout page weight, first load (${c.resources.length} responses; aim: under 100 KB)`, `${kb(c.wire)} with headers, ${kb(c.body)} bodies`]);
  for (const r of c.resources) {
    rows.push([`  ${r.status} ${new URL(r.url).pathname.replace(uuid, '<uuid>')}`, `${kb(r.wire)} with headers, ${kb(r.body)} body`]);
  }
  if (c.open.length > 0) rows.push(['  still open at load, not counted', c.open.map((u) => new URL(u).pathname.replace(uuid, '<uuid>')).join(', ')]);
  rows.push([`bare page weight, first load (${b.resources.length} response${b.resources.length === 1 ? '' : 's'})`, `${kb(b.wire)} with headers, ${kb(b.body)} bodies`]);
  rows.push(['  checkout minus bare', `${kb(c.wire - b.wire)} with headers`]);
  const varies = (ls: Load[]) => new Set(ls.map((l) => l.wire)).size > 1;
  if (varies(loads.checkout) || varies(loads.bare)) {
    rows.push(['  (weight varied between runs)', `checkout ${kb(Math.min(...loads.checkout.map((l) => l.wire)))}–${kb(Math.max(...loads.checkout.map((l) => l.wire)))}`]);
  }

  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const fig = (ls: Load[], f: 'fcp' | 'load') => {
    const xs = ls.map((l) => l[f]);
    return `p50 ${ms(pct(xs, 50))}, p95 ${ms(pct(xs, 95))}, best ${ms(Math.min(...xs))}`;
  };
  const p50 = (ls: Load[], f: 'fcp' | 'load') => pct(ls.map((l) => l[f]), 50);
  rows.push([`checkout first contentful paint, from navigation start (${RUNS} runs; aim: under 200 ms)`, fig(loads.checkout, 'fcp')]);
  rows.push(['bare page first contentful paint', fig(loads.bare, 'fcp')]);
  rows.push(['  ratio checkout / bare (p50)', `${(p50(loads.checkout, 'fcp') / p50(loads.bare, 'fcp')).toFixed(2)}×`]);
  rows.push(['checkout load event end, from navigation start', fig(loads.checkout, 'load')]);
  rows.push(['bare page load event end', fig(loads.bare, 'load')]);
  rows.push(['  ratio checkout / bare (p50)', `${(p50(loads.checkout, 'load') / p50(loads.bare, 'load')).toFixed(2)}×`]);
}

/** Opens one SSE stream and resolves once its headers and first bytes (`retry:`) arrived. */
function openStream(url: string, agent: http.Agent): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let text = '';
      const first = (d: string) => {
        text += d;
        if (!text.includes('\n\n')) return;
        res.off('data', first);
        res.resume();
        if (text.startsWith('retry:')) resolve(req);
        else reject(new Error(`unexpected first event: ${JSON.stringify(text.slice(0, 40))}`));
      };
      res.on('data', first);
    });
    req.on('error', reject);
  });
}

async function streamBench(server: ChildProcess, base: string, uuid: string): Promise<void> {
  const pid = server.pid!;
  rows.push(['open files allowed (soft limit)', `${ensureFiles(process.pid, 'bench', STREAMS + 200)}; ${ensureFiles(pid, 'server', STREAMS + 200)}`]);

  await new Promise((r) => setTimeout(r, 500));
  const before = await ask(server);
  const rssBefore = vmRss(pid);

  // No socket limit, no keep-alive: one connection per stream, as browsers hold them.
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const url = `${base}/i/${uuid}/events`;
  const reqs: http.ClientRequest[] = [];
  let failed = 0;
  let firstError = '';
  const t0 = performance.now();
  // In waves of 100: past the listen backlog a burst is refused by the kernel, not the server.
  for (let i = 0; i < STREAMS; i += 100) {
    const wave = await Promise.allSettled(Array.from({ length: Math.min(100, STREAMS - i) }, () => openStream(url, agent)));
    for (const w of wave) {
      if (w.status === 'fulfilled') reqs.push(w.value);
      else {
        failed++;
        firstError ||= String(w.reason);
      }
    }
  }
  const opened = performance.now() - t0;
  // Held a moment: what the server allocates per stream after the first write is in.
  await new Promise((r) => setTimeout(r, 2000));
  const after = await ask(server);
  const rssAfter = vmRss(pid);
  const extra = rssAfter - rssBefore;

  rows.push([
    `SSE streams open at once on one checkout page (each got its headers and first event)`,
    `${reqs.length} of ${STREAMS} in ${(opened / 1000).toFixed(2)} s${failed ? `, ${failed} failed (${firstError})` : ''}`,
  ]);
  rows.push(['server RSS (VmRSS) before → with the streams open', `${mb(rssBefore)} → ${mb(rssAfter)}`]);
  rows.push([`  extra for ${reqs.length} streams (aim: under 50 MB for 1,000)`, `${mb(extra)}, ${(extra / Math.max(1, reqs.length) / 1024).toFixed(1)} KB a stream`]);
  rows.push([
    'server JS heap used after GC, before → with the streams open',
    `${mb(before.heapUsed)} → ${mb(after.heapUsed)} (+${mb(after.heapUsed - before.heapUsed)}, ${((after.heapUsed - before.heapUsed) / Math.max(1, reqs.length) / 1024).toFixed(1)} KB a stream)`,
  ]);
  rows.push(['server external (buffers) after GC, before → with the streams open', `${mb(before.external)} → ${mb(after.external)}`]);

  for (const r of reqs) r.destroy();
  agent.destroy();
  await new Promise((r) => setTimeout(r, 1000));
  const released = await ask(server);
  rows.push(['server after the streams closed: RSS, heap used after GC', `${mb(vmRss(pid))}, ${mb(released.heapUsed)}`]);
}

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set TILL_CHROMIUM`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-web-'));
  const env = {
    PATH: process.env.PATH ?? '',
    TILL_DATA_DIR: dir,
    TILL_PORT: '0',
    TILL_HOST: '127.0.0.1',
    TILL_CHAIN: 'regtest',
    TILL_SHOP_NAME: 'Corner Café',
    TILL_RATE_CURRENCIES: 'USD',
  };
  const server = spawn(process.execPath, ['--expose-gc', '--import', TSX_LOADER, fileURLToPath(import.meta.url), '--server'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const { port, uuid } = await new Promise<{ port: number; uuid: string }>((resolve, reject) => {
      server.on('message', (m: FromServer) => 'ready' in m && resolve(m.ready));
      server.on('exit', (code) => reject(new Error(`server exited (${code}) before it was ready`)));
    });
    const base = `http://127.0.0.1:${port}`;
    await pageBench(base, uuid);
    await streamBench(server, base, uuid);
  } finally {
    server.kill('SIGTERM');
    if (server.exitCode === null) await new Promise((r) => server.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log('');
  console.log(`Till web benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), node ${process.version}, Chromium at ${CHROMIUM} (headless, ${PHONE.width}×${PHONE.height}),`);
  console.log(`real server (child process, logging at info) and SQLite on ${os.tmpdir()}; loopback, no throttling.`);
  console.log(`Every load is a first load (a fresh browser context); ${WARMUP} warm-up loads of each page are not counted.`);
  console.log(`The bare page is one Koa middleware in front of Till's stack (${BARE_PATH}, added by the bench only).`);
  console.log('The server runs from source under tsx: its resting RSS is above a built one; the extra is what the streams cost.');
  console.log('');
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

(args.includes('--server') ? serve() : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
