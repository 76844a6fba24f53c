/**
 * The wallet's longest run of unpaid addresses (/health's `gap`), checked against a plain
 * reading of the rule on random wallets: runs lie between paid addresses, from the first
 * index to the first paid one, and from the last paid one to the last handed out.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { longestUnpaidRun, type UnpaidRun } from '../../src/db/wallets.js';
import { startTill, testTpub, type TestTill } from '../helpers/till.js';

type State = 'free' | 'assigned' | 'used';

/**
 * The rule, read plainly. `states[k]` is index first + k; null: no row (a wallet set again
 * with a lower first index, an index skipped when its script was known): unpaid as well.
 */
function reference(first: number, next: number, states: (State | null)[]): UnpaidRun | null {
  const paid = states.flatMap((s, k) => (s === 'used' ? [first + k] : []));
  const runs: UnpaidRun[] = [];
  let from = first;
  for (const p of paid) {
    if (p > from) runs.push({ start: from, length: p - from, paidAfter: true });
    from = p + 1;
  }
  if (next > from) runs.push({ start: from, length: next - from, paidAfter: false });
  runs.sort((a, b) => b.length + Number(b.paidAfter) - (a.length + Number(a.paidAfter)) || a.start - b.start);
  return runs[0] ?? null;
}

/** A small seeded generator: a failure names its seed and can be run again. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('longest unpaid run of the wallet', function () {
  this.timeout(60_000);
  let t: TestTill;
  after(async () => {
    await t?.stop();
  });

  it('agrees with the rule read plainly on 80 random wallets, indexes with no row among them', async () => {
    t = await startTill();
    for (let seed = 1; seed <= 80; seed++) {
      const rand = rng(seed);
      await t.till.services.pool.setWallet(t.till.db, `wpkh(${testTpub(seed + 100)}/0/*)`, 0, Date.now());
      const wallet = await t.till.db.read('wallets').where({ active: true }).first();
      const first = Math.floor(rand() * 5);
      const next = first + Math.floor(rand() * 40);
      // Rows up to a few past `next` (derived ahead); a payer may have paid one of those.
      const rows = next - first + Math.floor(rand() * 6);
      const paidShare = rand();
      // Half the wallets have holes: a first index set lower than the rows begin, or skips.
      const holes = seed % 2 === 0 ? rand() * 0.4 : 0;
      const lowered = seed % 4 === 0 ? Math.floor(rand() * 8) : 0;
      const states: (State | null)[] = Array.from({ length: rows }, (_, k) => {
        if (k < lowered || rand() < holes) return null;
        if (first + k >= next) return rand() < 0.15 ? 'used' : 'free';
        const r = rand();
        return r < paidShare ? 'used' : r < paidShare + (1 - paidShare) / 2 ? 'assigned' : 'free';
      });
      await t.till.db.write.transaction(async (trx) => {
        await trx('addresses').where({ wallet_id: wallet.id }).del();
        await trx('wallets').where({ id: wallet.id }).update({ first_index: first, next_index: next });
        const present = states.flatMap((state, k) => (state === null ? [] : [{
          wallet_id: wallet.id, derivation_index: first + k, address: `bcrt1gap${seed}x${k}`, script_hex: `0014${seed.toString(16).padStart(8, '0')}${k.toString(16).padStart(32, '0')}`,
          state, created_at: 0,
        }]));
        if (present.length > 0) await trx('addresses').insert(present);
      });
      const expected = reference(first, next, states);
      expect(await longestUnpaidRun(t.till.db.read), `seed ${seed}: first ${first}, next ${next}, ${states.map((x) => x ?? '-').join(' ')}`).to.deep.equal(expected);
    }
  });

  it('/health works the run out again only when a payment lands or the wallet moves on', async () => {
    await t?.stop();
    t = await startTill();
    await t.setWallet();
    const wallet = await t.till.db.read('wallets').where({ active: true }).first();
    await t.till.db.write.transaction(async (trx) => {
      await trx('addresses').where({ wallet_id: wallet.id }).del();
      await trx('wallets').where({ id: wallet.id }).update({ first_index: 0, next_index: 30 });
      await trx('addresses').insert(Array.from({ length: 30 }, (_, k) => ({
        wallet_id: wallet.id, derivation_index: k, address: `bcrt1memo${k}`, script_hex: `0014${k.toString(16).padStart(40, '0')}`, state: 'assigned', created_at: 0,
      })));
    });
    const gap = async () => (await t.till.health()).gap;
    expect(await gap()).to.deep.include({ longest_unused_run: 30, gap_limit_needed: 30 });
    // Marked paid behind Till's back, with no payment recorded: the key has not moved, so
    // the answer is the one worked out before (proof that it is reused, not read again).
    await t.till.db.write('addresses').where({ wallet_id: wallet.id, derivation_index: 10 }).update({ state: 'used' });
    expect(await gap()).to.deep.include({ longest_unused_run: 30 });
    // A payment recorded: worked out again, with both paid addresses.
    const at20 = (await t.till.db.read('addresses').where({ wallet_id: wallet.id, derivation_index: 20 }).first()).id as number;
    await t.till.services.payments.apply({ seen: [{ txid: randomBytes(32).toString('hex'), vout: 0, sats: 1_000n, addressId: at20 }] });
    expect(await gap()).to.deep.include({ longest_unused_run: 10, gap_limit_needed: 11 });
    // The wallet handing out more moves it too.
    await t.till.db.write('wallets').where({ id: wallet.id }).update({ next_index: 45 });
    expect(await gap()).to.deep.include({ longest_unused_run: 24, gap_limit_needed: 24 });
  });
});
