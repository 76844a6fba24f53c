/**
 * For group-commit.test.ts: writes units of three rows each through db.tx, 64 at a time
 * in flight, and prints `ack <unit>` once a unit's commit has resolved, until killed.
 * Every unit whose number is 3 modulo 7 throws after writing its rows.
 */
import path from 'node:path';
import { openDatabase } from '../../src/db/connection.js';
import { execute } from '../../src/db/fast.js';

const dir = process.argv[2]!;
const db = openDatabase({ filename: path.join(dir, 'gc.sqlite') });
await db.write.raw('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, unit INTEGER NOT NULL, k TEXT NOT NULL UNIQUE)');
let next = 1_000_000;
const one = async (): Promise<void> => {
  const id = next++;
  try {
    await db.tx(async (trx) => {
      for (let j = 0; j < 3; j++) await execute(trx, 'INSERT INTO rows (unit, k) VALUES (?, ?)', [id, `${id}-${j}`]);
      if (id % 7 === 3) throw new Error('fails on purpose');
    });
    process.stdout.write(`ack ${id}\n`);
  } catch {
    // the unit that fails on purpose
  }
};
const lane = async (): Promise<void> => {
  for (;;) await one();
};
await Promise.all(Array.from({ length: 64 }, lane));
