/**
 * Web benchmark: what a payer's first load of the checkout page costs (all bytes, and the
 * time to first contentful paint and to the load event, in headless Chromium), beside a
 * bare static page served by the same Koa app in the same run; then 1,000 open SSE streams
 * of that page held at once, with the server's memory before and after. Then the merchant's
 * side with a busy shop's 100,000 invoices in the database: the dashboard's render time
 * (beside the bare page, and beside plain SQL over the same rows), and the CSV exports'
 * rate and the server's memory while they run. Prints figures; never passes or fails.
 *
 * The server is a child process (this file run with `--server`): the real Till, as
 * `till serve` composes it, on a fresh SQLite file, with a wallet and one finalized invoice.
 * The bare page is one Koa middleware the child puts in front of the app's own stack, so it
 * measures the HTTP server and Koa alone; the product has no such route.
 *
 *   npm run bench:web [-- --runs 20 --streams 1000 --invoices 100000 --only checkout|ui]
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
import { STREAMS_PER_CLIENT } from '../src/web/checkout/routes.js';
import { CHROMIUM, launchChromium, PHONE } from '../test/web/chromium.js';
import { insertShop } from '../test/web/shop-fixture.js';
import { ReportService } from '../src/invoicing/reports.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const RUNS = opt('runs', 20);
const WARMUP = 3;
const STREAMS = opt('streams', 1000);
const INVOICES = opt('invoices', 100_000);
/** `--only checkout` (the payer's page and its streams) or `--only ui` (the merchant's dashboard and exports). */
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const BARE_PATH = '/bench-bare';

/** The smallest page that paints text: what any page of this server costs at the least. */
const BARE_HTML =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"><title>Bare</title></head>' +
  '<body><h1>Bare page</h1><p>A static page served by the same Koa app.</p></body></html>';

type Memory = { rss: number; heapUsed: number; external: number };
/** What the server measured of the merchant's data: seeding, and plain SQL over the rows the pages read. */
type Shop = { seedMs: number; invoices: number; payments: number; session: string };
type Ceiling = { label: string; ms: number; rows: number };
type FromServer =
  | { ready: { port: number; uuid: string } } | { memory: Memory } | { heap: Memory } | { shop: Shop } | { ceilings: Ceiling[] };

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
    if (m === 'heap') {
      // No GC: what the heap holds at this moment, mid-export.
      const u = process.memoryUsage();
      send({ heap: { rss: u.rss, heapUsed: u.heapUsed, external: u.external } });
      return;
    }
    if (m === 'shop') {
      void seedShop(till).then((shop) => send({ shop }));
      return;
    }
    if (m === 'ceilings') {
      void sqlCeilings(till).then((ceilings) => send({ ceilings }));
      return;
    }
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

/**
 * A busy shop's year, written straight through knex in a few transactions (shop-fixture.ts):
 * every status, four currencies, the paid ones with their payments. Then the ceilings: plain
 * SQL over the same rows the dashboard sums and the exports read, timed here in the server.
 */
async function seedShop(till: Awaited<ReturnType<typeof createTill>>): Promise<Shop> {
  const t0 = performance.now();
  let payments = 0;
  const now = Date.now();
  // Four transactions of a quarter each, the newest last.
  for (let q = 0; q < 4; q++) {
    const part = Math.floor(INVOICES / 4) + (q === 3 ? INVOICES % 4 : 0);
    const r = await insertShop(till.db.write, { invoices: part, now: now - (3 - q) * 91 * 86_400_000, days: 91, seed: q + 1 });
    payments += r.payments;
  }
  const seedMs = performance.now() - t0;
  await till.db.checkpoint();
  const { token } = await till.services.auth.startSession({ ip: '127.0.0.1', userAgent: 'bench' });
  return { seedMs, invoices: INVOICES, payments, session: token };
}

/** Plain SQL over the rows the dashboard and the exports read, best of 5: what they cannot beat. */
async function sqlCeilings(till: Awaited<ReturnType<typeof createTill>>): Promise<Ceiling[]> {
  const now = Date.now();
  const read = till.db.read;
  const sql: Ceiling[] = [];
  const time = async (label: string, q: string, params: unknown[] = []) => {
    const best: number[] = [];
    let rows = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const r = (await read.raw(q, params as never[])) as unknown[];
      best.push(performance.now() - t);
      rows = r.length;
    }
    sql.push({ label, ms: Math.min(...best), rows });
  };
  const since = Math.floor(now / 86_400_000) * 86_400_000 - 29 * 86_400_000;
  await time('SELECT count(*) FROM invoices', 'SELECT count(*) AS n FROM invoices');
  await time('SELECT status, count(*) FROM invoices GROUP BY status', 'SELECT status, count(*) AS n FROM invoices GROUP BY status');
  await time(
    'SELECT count(*), SUM(sats) of the 30 days\' payments (no join, no grouping)',
    'SELECT count(*) AS n, SUM(sats) AS s FROM payments WHERE COALESCE(moved_at, seen_at) >= ?',
    [since],
  );
  const reports = new ReportService({ db: till.db, now: Date.now });
  const timeFn = async (label: string, fn: () => Promise<unknown>) => {
    const best: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await fn();
      best.push(performance.now() - t);
    }
    sql.push({ label, ms: Math.min(...best), rows: 0 });
  };
  await timeFn('the dashboard\'s sums, chart and recent payments (ReportService.dashboard)', () => reports.dashboard());
  await timeFn('the dashboard\'s counts by status (InvoiceService.countByStatus)', () => till.services.invoices.countByStatus());
  await timeFn('the node\'s state the dashboard shows (health())', () => till.health());
  // The export's own work without HTTP: its pages read and written as CSV text, in the server.
  for (const [label, gen] of [
    ['invoices.csv made in the server, no HTTP (its pages and the CSV text)', () => reports.invoicesCsv({ from: null, to: null, status: null })],
    ['payments.csv made in the server, no HTTP', () => reports.paymentsCsv({ from: null, to: null })],
  ] as const) {
    const t = performance.now();
    let lines = 0;
    for await (const text of gen()) for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
    sql.push({ label, ms: performance.now() - t, rows: lines - 1 });
  }
  // Whole tables into memory at once, as an export must not: the driver's raw read rate.
  await time('SELECT * FROM invoices, every row into memory at once (what the export avoids)', 'SELECT * FROM invoices');
  await time('SELECT * FROM payments, every row into memory at once', 'SELECT * FROM payments');
  return sql;
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
function openStream(url: string, agent: http.Agent, localAddress: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, localAddress, headers: { accept: 'text/event-stream' } }, (res) => {
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
    // Payers at many addresses: Till holds at most STREAMS_PER_CLIENT streams for one
    // (Linux answers every 127/8 address on loopback).
    const wave = await Promise.allSettled(Array.from({ length: Math.min(100, STREAMS - i) }, (_, j) =>
      openStream(url, agent, `127.0.${Math.floor((i + j) / STREAMS_PER_CLIENT) + 1}.1`)));
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

/** Asks the server something and waits for the answer of that kind. */
function askFor<K extends 'shop' | 'ceilings' | 'heap'>(server: ChildProcess, kind: K): Promise<Extract<FromServer, Record<K, unknown>>[K]> {
  return new Promise((resolve) => {
    const on = (m: FromServer) => {
      if (!(kind in m)) return;
      server.off('message', on);
      resolve((m as unknown as Record<K, never>)[kind]);
    };
    server.on('message', on);
    server.send(kind);
  });
}

/** One export read to its end, the server's RSS (from /proc) and heap (no GC) sampled every 50 ms meanwhile. */
async function exportRun(server: ChildProcess, url: string, cookie: string): Promise<{ ms: number; bytes: number; rows: number; peakRss: number; peakHeap: number; chunks: number }> {
  const pid = server.pid!;
  let peakRss = vmRss(pid);
  let peakHeap = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, vmRss(pid));
      const h = await askFor(server, 'heap');
      peakHeap = Math.max(peakHeap, h.heapUsed);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t0 = performance.now();
  const res = await fetch(url, { headers: { Cookie: cookie } });
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  let bytes = 0;
  let rows = 0;
  let chunks = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    chunks++;
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) rows++;
  }
  const ms = performance.now() - t0;
  sampling = false;
  await sampler;
  // Less the header line.
  return { ms, bytes, rows: rows - 1, peakRss, peakHeap, chunks };
}

async function uiBench(server: ChildProcess, base: string): Promise<void> {
  const shop = await askFor(server, 'shop');
  rows.push([
    `merchant data written straight through knex (4 transactions)`,
    `${shop.invoices.toLocaleString('en')} invoices, ${shop.payments.toLocaleString('en')} payments in ${(shop.seedMs / 1000).toFixed(1)} s`,
  ]);
  const cookie = `till_session=${shop.session}`;
  const timeGet = async (path: string) => {
    const t = performance.now();
    const res = await fetch(base + path, { headers: { Cookie: cookie } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 200)}`);
    return { ms: performance.now() - t, bytes: Buffer.byteLength(text) };
  };
  const dash: number[] = [];
  const bare: number[] = [];
  let size = 0;
  for (let i = 0; i < WARMUP; i++) {
    await timeGet('/admin');
    await timeGet(BARE_PATH);
  }
  for (let i = 0; i < RUNS; i++) {
    const d = await timeGet('/admin');
    dash.push(d.ms);
    size = d.bytes;
    bare.push((await timeGet(BARE_PATH)).ms);
  }
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const fig = (xs: number[]) => `p50 ${ms(pct(xs, 50))}, p95 ${ms(pct(xs, 95))}, best ${ms(Math.min(...xs))}`;
  rows.push([`dashboard /admin, request to last byte over loopback (${RUNS} runs, ${kb(size)} of HTML)`, fig(dash)]);
  rows.push(['bare page, the same way', fig(bare)]);
  rows.push(['  dashboard minus bare (p50): the render and its queries', ms(pct(dash, 50) - pct(bare, 50))]);

  await new Promise((r) => setTimeout(r, 300));
  const rest = await ask(server);
  rows.push(['server at rest after GC, before the exports: RSS, heap used', `${mb(vmRss(server.pid!))}, ${mb(rest.heapUsed)}`]);
  for (const path of ['invoices.csv', 'invoices.csv?status=confirmed', 'payments.csv'] as const) {
    const r = await exportRun(server, `${base}/admin/export/${path}`, cookie);
    rows.push([
      `${path}${path.includes('?') ? '' : ', everything'} (${r.rows.toLocaleString('en')} rows, ${mb(r.bytes)}, ${r.chunks} chunks read)`,
      `${(r.ms / 1000).toFixed(2)} s: ${Math.round(r.rows / (r.ms / 1000)).toLocaleString('en')} rows/s, ${(r.bytes / 1024 / 1024 / (r.ms / 1000)).toFixed(1)} MB/s`,
    ]);
    rows.push([`  server peak while exporting: RSS, heap used (sampled every 50 ms, no GC)`, `${mb(r.peakRss)}, ${mb(r.peakHeap)}`]);
  }
  // Last: the ceilings load whole tables into the server's memory.
  for (const c of await askFor(server, 'ceilings')) {
    rows.push([`${c.label.startsWith('SELECT') ? 'ceiling, in the server: ' : 'in the server: '}${c.label}`, `${ms(c.ms)}${c.rows > 1000 ? `, ${Math.round(c.rows / (c.ms / 1000)).toLocaleString('en')} rows/s` : ''}`]);
  }
}

async function main(): Promise<void> {
  if (ONLY !== 'ui' && !fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set TILL_CHROMIUM`);
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
    if (ONLY === null || ONLY === 'checkout') {
      await pageBench(base, uuid);
      await streamBench(server, base, uuid);
    }
    // Last: the 100,000 invoices it writes would weigh on the checkout's figures.
    if (ONLY === null || ONLY === 'ui') await uiBench(server, base);
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
  console.log('The merchant\'s figures: 100,000 invoices written by the bench, a session made in the server; what is timed inside the');
  console.log('server is the best of 5 runs (the in-server exports: one run each).');
  console.log('');
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

(args.includes('--server') ? serve() : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
