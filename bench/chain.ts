/**
 * Chain benchmark: detection latency (ZMQ frame published → payment committed), block
 * scan time, catch-up speed and memory. Prints figures; never passes or fails.
 *
 *   npm run bench:chain [-- --payments 1000] [--rate 500] [--settled 100000] [--blocks 200] [--only connect]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Block, Transaction, networks, payments as bjsPayments } from 'bitcoinjs-lib';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config/load.js';
import { createTill, type Till } from '../src/main.js';
import { createLogger } from '../src/log.js';
import { createFixedRateProvider } from '../src/rates/index.js';
import { parseBlock } from '../src/chain/raw.js';
import { WatchMap } from '../src/chain/watch-map.js';
import { parseTx } from '../src/chain/raw.js';
import { SeenTxids } from '../src/chain/seen-txids.js';
import { spawn } from 'node:child_process';
import { TSX_LOADER } from '../test/helpers/spawn.js';
import { durableCommitCeiling, pacedCommitCeiling } from './ceilings.js';
import { childEnv, cpuSeconds, ensureBuilt, rssOf, seedWatched, startCommand, startNodeFlags, startTillChild, tempDir } from './till-child.js';
import { startSimNode } from '../regtest/sim-node.js';
import type { RegtestNode } from '../regtest/node.js';
import { testTpub } from '../test/helpers/till.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const PAYMENTS = opt('payments', 1000);
/** Frames a second: 500 is a busy shop's worst minute; 50 shows the cost of one payment alone. */
const RATES = args.includes('--rate') ? [opt('rate', 500)] : [100, 500];
const PROFILE = args.includes('--profile') ? path.resolve(args[args.indexOf('--profile') + 1]!) : null;
const rows: [string, string][] = [];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

function p2wpkh(): Buffer {
  return Buffer.concat([Buffer.from([0x00, 0x14]), randomBytes(20)]);
}

/** A transaction that parses like a real one (signatures are not checked by a watcher). */
function fakeTx(outputs: { script: Buffer; sats: bigint }[]): Transaction {
  const t = new Transaction();
  t.version = 2;
  t.addInput(randomBytes(32), 0, 0xfffffffd);
  t.setWitness(0, [randomBytes(71), randomBytes(33)]);
  for (const o of outputs) t.addOutput(o.script, o.sats);
  return t;
}

function scanBench(): void {
  const watch = new WatchMap();
  const watched: Buffer[] = [];
  for (let i = 0; i < 100_000; i++) {
    const s = p2wpkh();
    watched.push(s);
    watch.add(s.toString('hex'), i + 1);
  }
  const b = new Block();
  b.version = 0x20000000;
  b.prevHash = randomBytes(32);
  b.timestamp = Math.floor(Date.now() / 1000);
  b.bits = 0x207fffff;
  b.nonce = 0;
  b.transactions = Array.from({ length: 4000 }, (_, i) =>
    fakeTx([
      { script: i % 100 === 0 ? watched[i]! : p2wpkh(), sats: 10_000n },
      { script: p2wpkh(), sats: 5_000n },
      { script: Buffer.concat([Buffer.from([0x51, 0x20]), randomBytes(32)]), sats: 1_000n },
    ]),
  );
  b.merkleRoot = Block.calculateMerkleRoot(b.transactions);
  const raw = Buffer.from(b.toBuffer());
  const times: number[] = [];
  let matched = 0;
  for (let run = 0; run < 30; run++) {
    const t0 = performance.now();
    const block = parseBlock(raw);
    matched = watch.matchAll(block.txs).length;
    times.push(performance.now() - t0);
  }
  rows.push([
    `scan a block of 4,000 txs (${(raw.length / 1e6).toFixed(2)} MB, 12,000 outputs) against 100,000 watched scripts`,
    `p50 ${ms(pct(times, 50))}, best ${ms(Math.min(...times))} (${matched} matches)`,
  ]);
}

function memoryBench(): void {
  global.gc?.();
  const before = process.memoryUsage();
  const watch = new WatchMap();
  for (let i = 0; i < 100_000; i++) watch.add(p2wpkh().toString('hex'), i);
  global.gc?.();
  const after = process.memoryUsage();
  // Typed arrays live outside the JS heap: both are counted.
  const heap = after.heapUsed - before.heapUsed;
  const buffers = after.arrayBuffers - before.arrayBuffers;
  rows.push([
    'memory of 100,000 watched scripts',
    `+${((heap + buffers) / 1e6).toFixed(1)} MB (${(heap / 1e6).toFixed(1)} MB heap, ${(buffers / 1e6).toFixed(1)} MB typed arrays); process RSS ${(after.rss / 1e6).toFixed(0)} MB`,
  ]);
  // Kept alive until measured.
  if (watch.size !== 100_000) throw new Error('watch map lost entries');
}

async function startTillOn(node: RegtestNode, dir: string, zmqRawTx: string): Promise<Till> {
  const config = loadConfig({
    TILL_DATA_DIR: dir, TILL_PORT: '0', TILL_HOST: '127.0.0.1', TILL_CHAIN: 'regtest',
    TILL_RPC_HOST: node.rpc.host, TILL_RPC_PORT: String(node.rpc.port),
    TILL_RPC_USER: node.rpc.user, TILL_RPC_PASSWORD: node.rpc.password,
    TILL_ZMQ_RAWTX: zmqRawTx, TILL_ZMQ_RAWBLOCK: node.zmq.rawblock ?? '', TILL_ZMQ_SEQUENCE: node.zmq.sequence ?? '',
    TILL_LOG_LEVEL: 'warn', TILL_MEMPOOL_RESYNC_SECONDS: '3600',
  }, dir);
  return createTill({ config, log: createLogger('warn'), rateProviders: [createFixedRateProvider('USD=70000')] });
}

async function detectionBench(node: RegtestNode, RATE: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-chain-'));
  const paced = await pacedCommitCeiling(dir, RATE, PAYMENTS);
  // Frames come from a process of their own, as Core's do (sending costs Till's process
  // nothing), which notes when each left on the clock both processes share.
  const bodiesFile = path.join(dir, 'bodies.hex');
  const pub = await publisherChild('zmq-payments.ts', [bodiesFile, String(RATE)]);
  const till = await startTillOn(node, dir, pub.endpoint);
  await till.services.pool.setWallet(till.db, `wpkh(${testTpub(randomBytes(32))}/0/*)`, 0, Date.now());
  await till.listen();
  for (let i = 0; i < 200 && !(await till.health()).ok; i++) await new Promise((r) => setTimeout(r, 50));

  const addresses: { scriptHex: string; sats: bigint }[] = [];
  for (let i = 0; i < PAYMENTS; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, PAYMENTS - i) }, async () => {
      const inv = await till.services.invoices.create({ currency: 'BTC', lines: [{ description: 'b', quantity: 1, unit_price: '0.0001' }], dialect: 'v1' });
      const fin = await till.services.invoices.finalize(inv.ref);
      const row = await till.db.read('addresses').where({ id: fin.addressId }).first();
      addresses.push({ scriptHex: String(row.script_hex), sats: 10_000n });
    }));
  }

  // When each payment was committed, on the monotonic clock the publisher reads too.
  const committedAt = new Map<string, bigint>();
  const payments = till.services.payments;
  const apply = payments.apply.bind(payments);
  payments.apply = async (changes) => {
    const r = await apply(changes);
    const t = process.hrtime.bigint();
    for (const p of r.newPayments) if (!committedAt.has(p.txid)) committedAt.set(p.txid, t);
    return r;
  };

  // Slow joiner: the publisher's trickle of frames that pay no one reaches Till.
  const feedSeen = () => (till.services.follower.health().zmq as Record<string, { messages: number }>).rawtx?.messages ?? 0;
  for (let i = 0; i < 250 && feedSeen() === 0; i++) await new Promise((r) => setTimeout(r, 20));

  const txs = addresses.map((a) => fakeTx([{ script: Buffer.from(a.scriptHex, 'hex'), sats: a.sats }, { script: p2wpkh(), sats: 5_000n }]));
  const session = PROFILE ? new Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const commitsBefore = till.db.commitStats();
  const applyTimes: number[] = [];
  const timedApply = payments.apply;
  payments.apply = async (changes) => {
    const t0 = performance.now();
    try {
      return await timedApply(changes);
    } finally {
      applyTimes.push(performance.now() - t0);
    }
  };
  const ids = txs.map((t) => t.getId());
  fs.writeFileSync(bodiesFile, txs.map((t) => t.toHex()).join('\n'));
  const started = performance.now();
  // Paced by the publisher to its clock (frame i is due at i / RATE seconds), so timer
  // slack does not change the rate; each frame's clock starts when it actually left.
  pub.go();
  const sentLine = (await pub.nextLine()).split(' ');
  const sentAt = new Map(ids.map((id, i) => [id, BigInt(sentLine[i + 1]!)]));
  for (let i = 0; i < 400 && committedAt.size < txs.length; i++) await new Promise((r) => setTimeout(r, 25));
  const elapsed = performance.now() - started;
  const latencies: number[] = [];
  for (const [txid, t] of committedAt) {
    const t0 = sentAt.get(txid);
    if (t0 !== undefined) latencies.push(Number(t - t0) / 1e6);
  }
  if (session) {
    const { profile } = await session.post('Profiler.stop');
    fs.mkdirSync(PROFILE!, { recursive: true });
    const file = path.join(PROFILE!, `detection-${RATE}.cpuprofile`);
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`detection profile (the send window only): ${file}`);
  }
  const commits = till.db.commitStats();
  rows.push([
    `detection latency, ZMQ rawtx frame sent → payment committed (${latencies.length} of ${txs.length} payments, ~${Math.round(txs.length / (elapsed / 1000))}/s)`,
    `p50 ${ms(pct(latencies, 50))}, p99 ${ms(pct(latencies, 99))}, max ${ms(Math.max(...latencies))} (${(elapsed / 1000).toFixed(1)} s; aim: p99 under ${RATE <= 100 ? 10 : 50} ms)` +
      (parseCeiling ? `; ${(pct(latencies, 50) / parseCeiling.commitP50).toFixed(1)}× and ${(pct(latencies, 99) / parseCeiling.commitP99).toFixed(1)}× a bare commit's p50 and p99` : ''),
  ]);
  rows.push([
    `  ceiling: bare one-row durable commits arriving at the same rate for as long (those that arrive during a commit share the next), just before`,
    `p50 ${ms(paced.p50)}, p99 ${ms(paced.p99)}, max ${ms(paced.max)}; Till's p99 ${(pct(latencies, 99) / paced.p99).toFixed(1)}× that p99, ${ms(pct(latencies, 99) - paced.p99)} above it`,
  ]);
  rows.push([
    `  the writer meanwhile: payments.apply calls, all units of work (the notify worker's too), commits, batches side by side, replayed`,
    `${applyTimes.length} calls (each p50 ${ms(pct(applyTimes, 50))}, p99 ${ms(pct(applyTimes, 99))}); ${commits.units - commitsBefore.units} units in ${commits.commits - commitsBefore.commits} commits, ${commits.together - commitsBefore.together} side by side, ${commits.replayed - commitsBefore.replayed} replayed`,
  ]);

  await till.close();
  pub.kill();
  fs.rmSync(dir, { recursive: true, force: true });
}

/** What a frame costs with no database: the ceiling beside detection and the flood. */
let parseCeiling: { usPerFrame: number; commitP50: number; commitP99: number } | null = null;

async function detectionCeiling(): Promise<void> {
  const watch = new WatchMap();
  for (let i = 0; i < PAYMENTS; i++) watch.add(p2wpkh().toString('hex'), i + 1);
  const seen = new SeenTxids();
  const bodies = Array.from({ length: 20_000 }, () => Buffer.from(fakeTx([{ script: p2wpkh(), sats: 10_000n }, { script: p2wpkh(), sats: 5_000n }]).toBuffer()));
  // What dispatch does with a rawtx frame that pays no one: parse, match, remember its txid.
  const once = () => {
    for (const b of bodies) {
      const tx = parseTx(b);
      if (watch.match(tx).length === 0) seen.rememberBinary(tx.hashBinary());
    }
  };
  once();
  const cpu0 = process.cpuUsage();
  once();
  const cpu = process.cpuUsage(cpu0);
  const usPerFrame = (cpu.user + cpu.system) / bodies.length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-ceiling-'));
  const commit = await durableCommitCeiling(dir, 2);
  fs.rmSync(dir, { recursive: true, force: true });
  parseCeiling = { usPerFrame, commitP50: commit.p50, commitP99: commit.p99 };
  rows.push([
    'ceiling: a rawtx frame parsed and matched with no database (what dispatch does with one that pays no one)',
    `${usPerFrame.toFixed(1)} µs CPU a frame: ${Math.round(1e6 / usPerFrame).toLocaleString('en')} frames/s on one core`,
  ]);
  rows.push([
    'ceiling: one durable commit alone on the same disk (BEGIN IMMEDIATE, one INSERT, COMMIT; synchronous=FULL)',
    `p50 ${ms(commit.p50)}, p99 ${ms(commit.p99)} (${commit.perSecond.toFixed(0)} commits/s)`,
  ]);
}

/** A script of bench/ in a child process: its first line (a publisher's endpoint), a line on its stdin, its next line out. */
async function publisherChild(
  script: string,
  argv: string[],
  nodeFlags: string[] = [],
): Promise<{ endpoint: string; pid: number; go(): void; nextLine(): Promise<string>; kill(): void }> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', TSX_LOADER, path.join(import.meta.dirname, script), ...argv], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let waiting: (() => void) | null = null;
  let exited: string | null = null;
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
    waiting?.();
  });
  child.on('exit', (code, signal) => {
    exited = `${script} exited (${signal ?? code})`;
    waiting?.();
  });
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) {
      if (exited) throw new Error(exited);
      await new Promise<void>((r) => (waiting = r));
    }
    return lines.shift()!;
  };
  const endpoint = await nextLine();
  return { endpoint, pid: child.pid!, go: () => child.stdin!.write('go\n'), nextLine, kill: () => child.kill() };
}

/** A zmq-flood.ts publisher in a child process: its endpoint, and a burst on demand. */
async function floodPublisher(rate: number, seconds: number): Promise<{ endpoint: string; burst(): Promise<number>; kill(): void }> {
  const child = await publisherChild('zmq-flood.ts', [String(rate), String(seconds)]);
  return {
    endpoint: child.endpoint,
    burst: async () => {
      child.go();
      return Number((await child.nextLine()).split(' ')[1]);
    },
    kill: child.kill,
  };
}

/**
 * The floors under the flood: the same frames received by a bare zeromq subscriber in a
 * process of its own run with npm start's node flags, doing nothing with them, and then
 * doing with each what Till does with one that pays no one (parse, match against as many
 * watched scripts, remember its txid). Till cannot spend less than the first; what it
 * spends beyond the second is its own plumbing.
 */
async function bareReceiveShare(rate: number, seconds: number, work: boolean): Promise<{ share: number; got: number; sent: number }> {
  const pub = await floodPublisher(rate, seconds);
  const bare = await publisherChild('zmq-bare.ts', [pub.endpoint, ...(work ? [String(opt('watched', 100_000))] : [])], startNodeFlags());
  const count = async () => {
    bare.go();
    return Number(await bare.nextLine());
  };
  // The trickle arrives: the subscription is live.
  for (let i = 0; i < 400 && (await count()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
  const before = await count();
  // As Till's below: the burst and 300 ms for the frames still in flight.
  let sent = 0;
  const share = await childCpuShare(bare.pid, async () => {
    sent = await pub.burst();
    await new Promise((r) => setTimeout(r, 300));
  });
  const got = (await count()) - before;
  bare.kill();
  pub.kill();
  return { share, got, sent };
}

/** CPU share of process `pid` over `run` (user + system, every thread), read from /proc. */
async function childCpuShare(pid: number, run: () => Promise<void>): Promise<number> {
  const wall0 = performance.now();
  const cpu0 = cpuSeconds(pid);
  await run();
  return (cpuSeconds(pid) - cpu0) / ((performance.now() - wall0) / 1000);
}

/**
 * 10,000 mempool transactions a second that pay no one, sent from a process of its own
 * to Till as `npm start` runs it (compiled, in its own process, watching 100,000
 * addresses): the CPU Till's process (ZMQ's I/O thread included) spends on them, beside
 * what the same frames cost parsed with no database and what a bare zeromq subscriber in
 * a process of its own spends receiving them.
 */
async function floodBench(node: RegtestNode): Promise<void> {
  const RATE_FLOOD = opt('flood', 10_000);
  const SECONDS = 3;
  const WATCHED = opt('watched', 100_000);
  await ensureBuilt(args.includes('--no-build'));
  const floor = await bareReceiveShare(RATE_FLOOD, SECONDS, false);
  const floorWork = await bareReceiveShare(RATE_FLOOD, SECONDS, true);
  const pub = await floodPublisher(RATE_FLOOD, SECONDS);
  const env = childEnv(node, tempDir('till-bench-flood-'), pub.endpoint);
  await seedWatched(env, WATCHED);
  const prof = PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`, '--cpu-prof-name=flood-till.cpuprofile'] : [];
  const till = await startTillChild(env, prof);
  const received = async () => ((await till.health()).zmq as Record<string, { messages: number }>).rawtx?.messages ?? 0;
  for (let i = 0; i < 400 && (await received()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
  // Its start-up catch-up done (it reads the node's blocks and mempool), Till at rest under
  // the trickle: what it spends with no flood.
  const settled = await till.settled();
  const idle0 = performance.now();
  const idle = await childCpuShare(till.proc.pid!, () => new Promise((r) => setTimeout(r, 2000)));
  const before = await received();
  let sent = 0;
  const wall0 = performance.now();
  // The burst and 300 ms for the frames still in flight, with nothing asked of Till meanwhile
  // (/health reads the database); how many arrived is asked after.
  const share = await childCpuShare(till.proc.pid!, async () => {
    sent = await pub.burst();
    await new Promise((r) => setTimeout(r, 300));
  });
  const wall = performance.now() - wall0;
  const got = (await received()) - before;
  if (PROFILE) {
    const from = (wall0 - till.spawnedAt) / 1000;
    console.log(`flood profile: ${path.join(PROFILE, 'flood-till.cpuprofile')} (the whole process; at rest: --from ${((idle0 - till.spawnedAt) / 1000).toFixed(1)} --to ${from.toFixed(1)}; the burst: --from ${from.toFixed(1)} --to ${(from + wall / 1000).toFixed(1)})`);
  }
  const ceiling = parseCeiling ? (parseCeiling.usPerFrame * got) / 1000 / wall : NaN;
  rows.push([
    `${RATE_FLOOD.toLocaleString('en')} non-matching mempool txs/s for ${SECONDS} s over ZMQ from another process to \`npm start\` watching ${WATCHED.toLocaleString('en')} addresses (${got} of ${sent} received)`,
    `${(100 * share).toFixed(1)} % of one core (aim: under 20 %; Till at rest: ${(100 * idle).toFixed(1)} %${settled ? '' : ', NOT SETTLED after start-up within 25 s'}); a bare zeromq subscriber receiving the same (${floor.got} of ${floor.sent}): ${(100 * floor.share).toFixed(1)} % (${(share / floor.share).toFixed(2)}×); the same subscriber also parsing, matching and remembering each (${floorWork.got} of ${floorWork.sent}): ${(100 * floorWork.share).toFixed(1)} % (${(share / floorWork.share).toFixed(2)}×); parsing alone ${(100 * ceiling).toFixed(1)} %`,
  ]);
  pub.kill();
  await till.stop();
  fs.rmSync(env.TILL_DATA_DIR!, { recursive: true, force: true });
}

/**
 * Resident memory of Till as `npm start` runs it (package.json's own command, compiled:
 * built first unless --no-build) with 100,000 issued addresses in its database, all of
 * them in its watch map, beside an idle `node` process on the same machine.
 */
async function rssBench(node: RegtestNode): Promise<void> {
  const N = opt('watched', 100_000);
  await ensureBuilt(args.includes('--no-build'));
  const env = childEnv(node, tempDir('till-bench-rss-'), node.zmq.rawtx ?? '');
  await seedWatched(env, N);
  const till = await startTillChild(env);
  await new Promise((r) => setTimeout(r, 4000));
  const tillRss = rssOf(till.proc.pid!);
  await till.stop();
  const idle = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const idleRss = rssOf(idle.pid!);
  idle.kill();
  rows.push([
    `resident memory of \`npm start\` (compiled: ${startCommand().join(' ')}) with ${N.toLocaleString('en')} watched addresses, 4 s after start`,
    `${tillRss.rss.toFixed(0)} MB (peak ${tillRss.peak.toFixed(0)} MB; aim: under 150 MB); an idle node process: ${idleRss.rss.toFixed(0)} MB`,
  ]);
  fs.rmSync(env.TILL_DATA_DIR!, { recursive: true, force: true });
}

async function catchUpBench(node: RegtestNode): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-catchup-'));
  const till = await startTillOn(node, dir, node.zmq.rawtx ?? '');
  await till.services.watcher.syncToTip();
  const from = till.services.watcher.currentTip!.height;
  await till.close();

  // Blocks mined while Till is down, each with payments to unknown addresses.
  const BLOCKS = 200;
  for (let i = 0; i < BLOCKS; i++) {
    for (let j = 0; j < 5; j++) await node.pay(strangerAddress(), 1_000n);
    await node.mine(1);
  }
  const again = await startTillOn(node, dir, node.zmq.rawtx ?? '');
  const t0 = performance.now();
  await again.services.watcher.syncToTip();
  const secs = (performance.now() - t0) / 1000;
  const to = again.services.watcher.currentTip!.height;
  rows.push([
    `catch-up after downtime over RPC (${to - from} blocks of ~6 txs, getblock + parse + match + commit)`,
    `${((to - from) / secs).toFixed(0)} blocks/s (${secs.toFixed(2)} s)`,
  ]);
  await again.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * What one new block costs the writer (tip saved, invoices that can move re-settled), in an
 * empty database and in one holding `SETTLED` confirmed invoices with their payments: the
 * two should be alike, since a confirmed invoice only gains depth from a new tip.
 */
async function blockConnectBench(): Promise<void> {
  const SETTLED = opt('settled', 100_000);
  const BLOCKS = opt('blocks', 200);
  const figures: number[] = [];
  for (const settled of [0, SETTLED]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-bench-connect-'));
    const config = loadConfig({ TILL_DATA_DIR: dir, TILL_PORT: '0', TILL_LOG_LEVEL: 'warn' }, dir);
    const till = await createTill({ config, log: createLogger('warn'), followChain: false, notify: false, rateProviders: [createFixedRateProvider('USD=70000')] });
    await till.services.pool.setWallet(till.db, `wpkh(${testTpub(randomBytes(32))}/0/*)`, 0, Date.now());
    if (settled > 0) await seedSettled(till, settled);
    // A few invoices still below their depth, as in a live shop.
    for (let i = 0; i < 10; i++) {
      const inv = await till.services.invoices.create({ currency: 'BTC', lines: [{ description: 'b', quantity: 1, unit_price: '0.0001' }], dialect: 'v1' });
      const fin = await till.services.invoices.finalize(inv.ref);
      await till.services.payments.apply({ seen: [{ txid: randomBytes(32).toString('hex'), vout: 0, sats: 10_000n, addressId: fin.addressId! }] });
    }
    let prev = '00'.repeat(32);
    const times: number[] = [];
    for (let h = 1; h <= BLOCKS; h++) {
      const hash = randomBytes(32).toString('hex');
      const t0 = performance.now();
      await till.services.payments.apply({ connected: [{ hash, height: 1_000_000 + h, prevHash: prev, outputs: [] }] });
      times.push(performance.now() - t0);
      prev = hash;
    }
    figures.push(pct(times, 50));
    rows.push([
      `block connect (tip + re-settle, 10 invoices awaiting depth) with ${settled.toLocaleString('en')} settled invoices in the database`,
      `p50 ${ms(pct(times, 50))}, p99 ${ms(pct(times, 99))} over ${BLOCKS} blocks`,
    ]);
    await till.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  rows.push([`  ratio, ${SETTLED.toLocaleString('en')} settled vs empty (aim: within 2×)`, `${(figures[1]! / figures[0]!).toFixed(2)}×`]);
}

/**
 * Confirmed invoices with a confirmed payment each, written straight into the tables in
 * large transactions (going through the API would take minutes for 100,000).
 */
async function seedSettled(till: Till, n: number): Promise<void> {
  const now = Date.now();
  const wallet = await till.db.read('wallets').where({ active: true }).first();
  const BATCH = 500;
  for (let start = 0; start < n; start += BATCH) {
    await till.db.write.transaction(async (trx) => {
      const invoices = [];
      for (let i = start; i < Math.min(n, start + BATCH); i++) {
        invoices.push({
          seq: 1_000_000 + i, ref: `B${String(i).padStart(16, '0')}`, public_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
          bitpay_id: `b${String(i).padStart(21, '0')}`, status: 'confirmed', currency: 'BTC', subtotal: 10_000, tax: 0, discount: 0, total: 10_000,
          rate: '1', due_sats: 10_000, paid_sats: 10_000, required_confirmations: 1, payment_methods: '["onchain_btc"]',
          dialect: 'v1', created_at: now, updated_at: now, finalized_at: now, quote_expires_at: now + 900_000, paid_at: now, confirmed_at: now,
        });
      }
      const ids = (await trx('invoices').insert(invoices).returning('id')) as { id: number }[];
      const addresses = ids.map(({ id }, k) => ({
        wallet_id: wallet.id, derivation_index: 1_000_000 + start + k, address: `bcrt1bench${start + k}`,
        script_hex: `0014${(start + k).toString(16).padStart(40, '0')}`, state: 'used', invoice_id: id, created_at: now,
      }));
      const addressIds = (await trx('addresses').insert(addresses).returning('id')) as { id: number }[];
      await trx('payments').insert(ids.map(({ id }, k) => ({
        invoice_id: id, address_id: addressIds[k]!.id, txid: randomBytes(32).toString('hex'), vout: 0, sats: 10_000,
        status: 'confirmed', seen_at: now, moved_at: now, block_hash: randomBytes(32).toString('hex'), block_height: 10 + k, confirmed_at: now, updated_at: now,
      })));
    });
  }
}

/** A regtest p2wpkh address nobody watches: traffic for the blocks. */
function strangerAddress(): string {
  return bjsPayments.p2wpkh({ hash: randomBytes(20), network: networks.regtest }).address!;
}

/** `--only connect` (or scan, memory, detection, flood, catchup, rss) runs one part. */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const part = (name: string) => only === undefined || only === name;

async function main(): Promise<void> {
  if (part('scan')) scanBench();
  if (part('memory')) memoryBench();
  if (part('connect')) await blockConnectBench();
  if (part('detection') || part('flood') || part('catchup') || part('rss')) {
    const node = await startSimNode();
    try {
      if (part('detection') || part('flood')) await detectionCeiling();
      if (part('detection')) for (const rate of RATES) await detectionBench(node, rate);
      if (part('flood')) await floodBench(node);
      if (part('catchup')) await catchUpBench(node);
      if (part('rss')) await rssBench(node);
    } finally {
      await node.close();
    }
  }
  console.log('');
  console.log(`Till chain benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'}), node ${process.version}, SQLite synchronous=FULL`);
  console.log('');
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
