/**
 * payment_spends (migration 0011): the outpoints each payment's transaction spends, kept
 * by a trigger and read by key when a new payment retires what it replaces.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { migrationSource } from '../../migrations/index.js';
import { payableInvoice, startTill, type TestTill } from '../helpers/till.js';

const rnd = () => randomBytes(32).toString('hex');

describe('payment_spends', function () {
  this.timeout(30_000);
  let t: TestTill;
  afterEach(async () => {
    await t?.stop();
  });

  const rows = async () =>
    ((await t.till.db.read('payment_spends').join('payments', 'payments.id', 'payment_spends.payment_id')
      .select('payment_spends.outpoint', 'payments.txid').orderBy(['payment_spends.outpoint', 'payments.txid'])) as { outpoint: string; txid: string }[])
      .map((r) => `${r.outpoint} ${r.txid}`);
  const statusOf = async (txid: string) => (await t.till.db.read('payments').where({ txid }).first()).status as string;

  it('is filled as payments land, rebuilt from payments by the migration, and finds replacements by key', async () => {
    t = await startTill();
    await t.setWallet();
    const a = await payableInvoice(t);
    const b = await payableInvoice(t);
    const [x, y, z] = [`${rnd()}:0`, `${rnd()}:1`, `${rnd()}:2`];
    const ta = rnd();
    const tb = rnd();
    await t.till.services.payments.apply({ seen: [{ txid: ta, vout: 0, sats: 100_000n, addressId: a.addressId, spends: [x, y] }] });
    await t.till.services.payments.apply({ seen: [{ txid: tb, vout: 0, sats: 100_000n, addressId: b.addressId, spends: [z] }] });
    // A payment whose transaction the node gave no inputs for (found in a block by a scan) has no rows.
    const c = await payableInvoice(t);
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: 1n, addressId: c.addressId }] });
    const expected = [`${x} ${ta}`, `${y} ${ta}`, `${z} ${tb}`].sort();
    expect(await rows()).to.deep.equal(expected);

    // An installation upgrading to 0011 gets the rows of the payments it already had.
    const knex = t.till.db.write;
    await knex.migrate.down({ migrationSource });
    expect(await knex.schema.hasTable('payment_spends')).to.equal(false);
    await knex.migrate.latest({ migrationSource });
    expect(await rows()).to.deep.equal(expected);

    // A replacement spending y retires ta, and only ta; the replaced payment's invoice is told.
    const ta2 = rnd();
    await t.till.services.payments.apply({ seen: [{ txid: ta2, vout: 0, sats: 100_000n, addressId: a.addressId, spends: [y] }] });
    expect(await statusOf(ta)).to.equal('replaced');
    expect(await statusOf(ta2)).to.equal('mempool');
    expect(await statusOf(tb)).to.equal('mempool');
    // One spending more outpoints than one statement asks about (z last) still finds tb.
    const many = [...Array.from({ length: 1200 }, (_, i) => `${rnd()}:${i}`), z];
    await t.till.services.payments.apply({ seen: [{ txid: rnd(), vout: 0, sats: 100_000n, addressId: b.addressId, spends: many }] });
    expect(await statusOf(tb)).to.equal('replaced');
    expect(await statusOf(ta2)).to.equal('mempool');
    const events = (await t.till.db.read('outbox').where({ type: 'payment.reverted' }).select('payload')).map((r) => JSON.parse(r.payload).payment.txid);
    expect(events.sort()).to.deep.equal([ta, tb].sort());
  });

  it('a spends value that is not a list of outpoints (written by hand) stops neither an insert nor the migration, on either engine', async () => {
    t = await startTill();
    await t.setWallet();
    const a = await payableInvoice(t);
    const now = Date.now();
    const row = (spends: string | null) => ({ invoice_id: null, address_id: a.addressId, txid: rnd(), vout: 0, sats: 1, status: 'mempool', seen_at: now, updated_at: now, spends });
    const good = `${rnd()}:4`;
    await t.till.db.write('payments').insert([row('not json'), row('{"a":1}'), row(`[null, 7, "${'x'.repeat(80)}", "${good}"]`), row('[]'), row(null)]);
    expect((await t.till.db.read('payment_spends').select('outpoint')).map((r) => r.outpoint)).to.deep.equal([good]);
    const knex = t.till.db.write;
    await knex.migrate.down({ migrationSource });
    await knex.migrate.latest({ migrationSource });
    expect((await t.till.db.read('payment_spends').select('outpoint')).map((r) => r.outpoint)).to.deep.equal([good]);
  });
});
