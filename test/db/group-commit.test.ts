import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/db/connection.js';
import { execute } from '../../src/db/fast.js';
import { TSX_LOADER } from '../helpers/spawn.js';

/** A table of its own, beside nothing else: units write rows tagged with their unit. */
async function openScratch(dir: string, maxBatch?: number): Promise<Database> {
  const db = openDatabase({ filename: path.join(dir, 'gc.sqlite'), maxBatch });
  await db.write.raw('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, unit INTEGER NOT NULL, k TEXT NOT NULL UNIQUE)');
  await db.write.raw('CREATE TABLE IF NOT EXISTS cas (id INTEGER PRIMARY KEY, version INTEGER NOT NULL)');
  return db;
}

const insert = (trx: Parameters<Parameters<Database['tx']>[0]>[0], unit: number, k: string) =>
  execute(trx, 'INSERT INTO rows (unit, k) VALUES (?, ?)', [unit, k]);

describe('group commit (db.tx)', () => {
  let dir: string;
  let db: Database;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-gc-'));
    db = await openScratch(dir);
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const unitsOf = async () => ((await db.read('rows').select('unit').orderBy('id')) as { unit: number }[]).map((r) => r.unit);

  it('joins concurrent units into one commit and answers each with its own result, in order', async () => {
    const before = db.commitStats();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => db.tx(async (trx) => {
      await insert(trx, i, `a${i}`);
      return i * 2;
    })));
    expect(results).to.deep.equal(Array.from({ length: 40 }, (_, i) => i * 2));
    const after = db.commitStats();
    expect(after.units - before.units).to.equal(40);
    // The first unit commits alone; the 39 that arrived while it did share the next commit.
    expect(after.commits - before.commits).to.be.lessThan(5);
    expect(after.largest).to.be.greaterThan(10);
    expect(after.replayed).to.equal(0);
    expect(await unitsOf()).to.deep.equal(Array.from({ length: 40 }, (_, i) => i));
  });

  for (const concurrent of [false, true]) it(`a unit that throws after writing several rows leaves none of them, and fails only its caller${concurrent ? ' (concurrent units)' : ''}`, async () => {
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => db.tx(async (trx) => {
      await insert(trx, i, `b${i}-1`);
      await insert(trx, i, `b${i}-2`);
      await insert(trx, i, `b${i}-3`);
      if (i % 4 === 2) throw new Error(`unit ${i} fails`);
      return i;
    }, { concurrent })));
    for (const [i, o] of outcomes.entries()) {
      if (i % 4 === 2) {
        expect(o.status).to.equal('rejected');
        expect(((o as PromiseRejectedResult).reason as Error).message).to.equal(`unit ${i} fails`);
      } else {
        expect(o).to.deep.equal({ status: 'fulfilled', value: i });
      }
    }
    const units = await unitsOf();
    for (let i = 0; i < 12; i++) expect(units.filter((u) => u === i).length, `rows of unit ${i}`).to.equal(i % 4 === 2 ? 0 : 3);
    expect(db.commitStats().largest).to.be.greaterThan(1);
    // Units run one after another need no replay; concurrent ones are replayed apart.
    expect(db.commitStats().replayed > 0).to.equal(concurrent);
  });

  it('units that are not concurrent never interleave: a read-then-write with no compare-and-set loses nothing', async () => {
    await db.tx((trx) => execute(trx, 'INSERT INTO cas (id, version) VALUES (1, 0)', []));
    // As the chain's payment path reads a payment's status or the tip, then writes from it.
    await Promise.all(Array.from({ length: 20 }, () => db.tx(async (trx) => {
      const [row] = (await trx('cas').where({ id: 1 }).select('version')) as { version: number }[];
      await new Promise((r) => setImmediate(r));
      await execute(trx, 'UPDATE cas SET version = ? WHERE id = 1', [row!.version + 1]);
    })));
    const [final] = (await db.read('cas').where({ id: 1 })) as { version: number }[];
    expect(final!.version).to.equal(20);
    expect(db.commitStats().largest).to.be.greaterThan(1);
    expect(db.commitStats().replayed).to.equal(0);
  });

  it('a concurrent unit that throws before its first await ends nothing early: the others\' rows are written once', async () => {
    const outcomes = await Promise.allSettled([
      db.tx(async (trx) => {
        for (let k = 0; k < 5; k++) await insert(trx, 1, `s${k}`);
      }, { concurrent: true }),
      db.tx(((_trx: unknown) => {
        throw new Error('at once');
      }) as never, { concurrent: true }),
      db.tx((trx) => insert(trx, 3, 'third'), { concurrent: true }),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(await unitsOf()).to.deep.equal([1, 1, 1, 1, 1, 3]);
  });

  it('a statement that fails (a unique key taken by an earlier unit of the batch) fails only its unit', async () => {
    const outcomes = await Promise.allSettled([
      db.tx((trx) => insert(trx, 1, 'same')),
      db.tx((trx) => insert(trx, 2, 'other')),
      db.tx(async (trx) => {
        await insert(trx, 3, 'mine');
        await insert(trx, 3, 'same');
      }),
      db.tx((trx) => insert(trx, 4, 'last')),
    ]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).to.match(/UNIQUE/);
    expect(await unitsOf()).to.deep.equal([1, 2, 4]);
  });

  it('units run in the order they arrived, each seeing what the earlier ones wrote (compare-and-set holds)', async () => {
    await db.tx((trx) => execute(trx, 'INSERT INTO cas (id, version) VALUES (1, 0)', []));
    // Ten writers all read version 0 before any writes: as with separate commits, only
    // the first compare-and-set succeeds; the others see the row moved.
    const moved = await Promise.all(Array.from({ length: 10 }, () => db.tx((trx) =>
      execute(trx, 'UPDATE cas SET version = version + 1 WHERE id = 1 AND version = ?', [0]),
    )));
    expect(moved).to.deep.equal([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Each unit reads the version and moves it on with a compare-and-set that throws when
    // the row moved (as the invoice code does). Run at once, they collide; the batch is
    // replayed unit by unit, and each gets what it would have got alone, in arrival order.
    const replayed = db.commitStats().replayed;
    const seen = await Promise.all(Array.from({ length: 10 }, () => db.tx(async (trx) => {
      const [row] = (await trx('cas').where({ id: 1 }).select('version')) as { version: number }[];
      const n = await execute(trx, 'UPDATE cas SET version = ? WHERE id = 1 AND version = ?', [row!.version + 1, row!.version]);
      if (n !== 1) throw new Error('the row moved');
      return row!.version;
    }, { concurrent: true })));
    expect(seen).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(db.commitStats().replayed).to.be.greaterThan(replayed);
    const [final] = (await db.read('cas').where({ id: 1 })) as { version: number }[];
    expect(final!.version).to.equal(11);
  });

  it('concurrent units that claim one key are replayed one after another; those that claim none in common commit side by side', async () => {
    await db.write.raw('CREATE TABLE tally (id INTEGER PRIMARY KEY, k TEXT NOT NULL, n INTEGER NOT NULL)');
    // Each unit counts the rows of its key, then writes one more numbered after them: no
    // compare-and-set covers that count, so the unit claims the key it counts.
    const countThenAdd = (k: string) => db.tx(async (trx, claim) => {
      claim(k);
      const [row] = (await trx('tally').where({ k }).count({ n: '*' })) as { n: number }[];
      await new Promise((r) => setImmediate(r));
      await execute(trx, 'INSERT INTO tally (k, n) VALUES (?, ?)', [k, Number(row!.n)]);
    }, { concurrent: true });
    const held = async (units: () => Promise<unknown>[]) => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const first = db.tx(() => gate);
      const all = units();
      open();
      await first;
      return Promise.all(all);
    };
    const tally = async () => ((await db.read('tally').orderBy('id').select('k', 'n')) as { k: string; n: number }[]).map((r) => `${r.k}${r.n}`);
    const before = db.commitStats();
    await held(() => [countThenAdd('a'), countThenAdd('b'), countThenAdd('c')]);
    const mid = db.commitStats();
    expect([mid.together - before.together, mid.replayed - before.replayed]).to.deep.equal([1, 0]);
    // Side by side, both would count one row of `a` and both write a1.
    await held(() => [countThenAdd('a'), countThenAdd('a')]);
    const after = db.commitStats();
    expect([after.together - mid.together, after.replayed - mid.replayed]).to.deep.equal([0, 1]);
    expect((await tally()).sort()).to.deep.equal(['a0', 'a1', 'a2', 'b0', 'c0']);
    // A unit that catches the conflict and carries on does not make the collision commit.
    const swallowing = () => db.tx(async (trx, claim) => {
      try {
        claim('a');
      } catch {
        // carries on regardless
      }
      await execute(trx, 'INSERT INTO tally (k, n) VALUES (?, ?)', ['s', 0]);
    }, { concurrent: true });
    await held(() => [countThenAdd('a'), swallowing()]);
    const last = db.commitStats();
    expect([last.together - after.together, last.replayed - after.replayed]).to.deep.equal([0, 1]);
    expect((await tally()).sort()).to.deep.equal(['a0', 'a1', 'a2', 'a3', 'b0', 'c0', 's0']);
  });

  it('answers no caller before the commit: a reader sees every row of a unit the moment its caller hears back', async () => {
    const checks = await Promise.all(Array.from({ length: 20 }, (_, i) => db.tx((trx) => insert(trx, i, `c${i}`)).then(async () => {
      const rows = (await db.read('rows').where({ unit: i })) as unknown[];
      return rows.length;
    })));
    expect(checks).to.deep.equal(Array.from({ length: 20 }, () => 1));
  });

  it('with maxBatch 1, every unit commits alone', async () => {
    const soloDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-gc1-'));
    const solo = await openScratch(soloDir, 1);
    try {
      await Promise.all(Array.from({ length: 5 }, (_, i) => solo.tx((trx) => insert(trx, i, `d${i}`))));
      expect(solo.commitStats()).to.deep.equal({ commits: 5, units: 5, largest: 1, together: 0, replayed: 0 });
    } finally {
      await solo.close();
      fs.rmSync(soloDir, { recursive: true, force: true });
    }
  });

  it('SIGKILL in the middle of batches loses only units whose callers had not heard back, and never part of a unit', async function () {
    this.timeout(60_000);
    const child = spawn(process.execPath, ['--import', TSX_LOADER, path.join(import.meta.dirname, 'group-commit-child.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked = new Set<number>();
    let buf = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop()!;
        for (const l of lines) if (l.startsWith('ack ')) acked.add(Number(l.slice(4)));
        if (acked.size >= 3000 && child.exitCode === null && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => resolve());
    });
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.once('exit', r) : r(null)));
    expect(child.signalCode).to.equal('SIGKILL');

    const after = await openScratch(dir);
    try {
      const rows = (await after.read('rows').select('unit', 'k')) as { unit: number; k: string }[];
      const perUnit = new Map<number, number>();
      for (const r of rows) perUnit.set(r.unit, (perUnit.get(r.unit) ?? 0) + 1);
      for (const id of acked) expect(perUnit.get(id), `acknowledged unit ${id}`).to.equal(3);
      // All or nothing: never one or two rows of a unit's three; a failing unit's never.
      for (const [id, n] of perUnit) {
        expect(n, `rows of unit ${id}`).to.equal(3);
        expect(id % 7, `unit ${id} threw, its rows must be gone`).to.not.equal(3);
      }
      expect(perUnit.size).to.be.at.least(acked.size);
    } finally {
      await after.close();
    }
  });
});
