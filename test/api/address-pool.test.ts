import { expect } from 'chai';
import type { DerivedAddress } from '../../src/wallet/watch-only-wallet.js';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

describe('address pool: addresses derived ahead', () => {
  let t: TestTill;
  beforeEach(async () => {
    t = await startTill();
    await t.setWallet();
  });
  afterEach(async () => {
    await t.stop();
  });

  async function activeWallet() {
    const active = await t.till.services.pool.activeWallet(t.till.db.read);
    if (!active) throw new Error('no wallet');
    return active.wallet;
  }

  async function finalize(n: number, opts: { together: boolean }): Promise<string[]> {
    const numbers: string[] = [];
    for (let i = 0; i < n; i++) {
      numbers.push((await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE })).body.invoice_number);
    }
    const one = async (number: string) => {
      const res = await t.request('POST', `/api/v1/invoices/${number}/finalize`);
      expect(res.status, number).to.equal(200);
      return res.body.payment_address as string;
    };
    if (opts.together) return Promise.all(numbers.map(one));
    const out: string[] = [];
    for (const number of numbers) out.push(await one(number));
    return out;
  }

  it('derives nothing inside the write transaction of a finalize', async () => {
    const wallet = await activeWallet();
    const db = t.till.db;
    let open = 0;
    let derivedInside = 0;
    const tx = db.tx.bind(db);
    db.tx = (fn, opts) =>
      tx(async (trx, claim) => {
        open++;
        try {
          return await fn(trx, claim);
        } finally {
          open--;
        }
      }, opts);
    const derive = wallet.derive;
    (wallet as { derive: (i: number) => DerivedAddress }).derive = (i) => {
      if (open > 0) derivedInside++;
      return derive(i);
    };
    const addresses = await finalize(3, { together: false });
    expect(addresses).to.deep.equal([0, 1, 2].map((i) => derive(i).address));
    expect(derivedInside).to.equal(0);
  });

  it('hands each of a burst of finalizes its own address, past the look-ahead too', async () => {
    const addresses = await finalize(40, { together: true });
    expect(new Set(addresses).size).to.equal(40);
    const wallet = await activeWallet();
    expect([...addresses].sort()).to.deep.equal([...Array(40).keys()].map((i) => wallet.derive(i).address).sort());
    expect(await t.count('addresses')).to.equal(40);
  });
});
