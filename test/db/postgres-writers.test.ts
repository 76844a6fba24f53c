/**
 * Many writers on one PostgreSQL (issue 14): two database handles stand for two Till
 * processes, their transactions interleaved on purpose. Each unit holds its transaction
 * open a moment after its claim (pg_sleep), so a second claimer meets the first one's row
 * locks rather than finishing before it starts.
 */
import { expect } from 'chai';
import { openDatabase, migrateLatest, type Database } from '../../src/db/connection.js';
import { claimDue, insertDelivery, outboxAfter } from '../../src/db/deliveries.js';
import { WriteConflict } from '../../src/db/errors.js';
import { insertInvoice } from '../../src/db/invoices.js';
import { appendEvent } from '../../src/db/outbox.js';
import { claimFreeAddress, insertActiveWallet, insertAddress } from '../../src/db/wallets.js';
import { isTillError } from '../../src/domain/errors.js';
import { newBitpayId, newPublicId, newRef } from '../../src/domain/ids.js';
import { PaymentLinkService } from '../../src/invoicing/payment-links.js';
import { startPostgres, withPostgres, type PgCluster } from '../helpers/postgres.js';

const NOW = Date.UTC(2026, 2, 13, 18, 0, 0);

function draft(n: number): Parameters<typeof insertInvoice>[1] {
  return {
    ref: newRef(), publicId: newPublicId(), bitpayId: newBitpayId(), status: 'pending', exception: null, currency: 'USD',
    subtotal: 1000n, taxRate: '0', tax: 0n, discount: 0n, total: 1000n, rate: null, dueSats: null, paidSats: 0n,
    requiredConfirmations: 1, addressId: null, customerEmail: null, customerName: null, customerCompany: null,
    notes: `writer test ${n}`, paymentMethods: ['onchain_btc'], dialect: 'v1', metadata: null, dialectData: null,
    pageBase: null, paymentLinkId: null, apiKeyId: null, createdAt: NOW, updatedAt: NOW, finalizedAt: null,
    quoteExpiresAt: null, graceUntil: null, paidAt: null, confirmedAt: null, expiredAt: null, cancelledAt: null,
    markedPaidAt: null, lines: [],
  };
}

withPostgres('many writers on PostgreSQL', () => {
  describe('many writers on PostgreSQL: two processes, one database', function () {
    this.timeout(60_000);
    let pg: PgCluster;
    let one: Database;
    let two: Database;
    before(async () => {
      pg = await startPostgres();
      one = openDatabase({ url: pg.url });
      two = openDatabase({ url: pg.url });
      await migrateLatest(one);
    });
    after(async () => {
      await one?.close();
      await two?.close();
      await pg?.stop();
    });

    const hold = (trx: Parameters<Parameters<Database['tx']>[0]>[0]) => trx.raw('SELECT pg_sleep(0.05)');

    it('never hands one free address to two invoices', async () => {
      const { wallet, invoices } = await one.tx(async (trx) => {
        const w = await insertActiveWallet(trx, { descriptor: 'wpkh(test-writers)', chain: 'regtest', scriptType: 'p2wpkh', fingerprint: null, firstIndex: 0, createdAt: NOW });
        const ids: number[] = [];
        for (let i = 0; i < 24; i++) ids.push((await insertInvoice(trx, draft(i))).id);
        for (let i = 0; i < 12; i++) {
          await insertAddress(trx, { walletId: w.id, derivationIndex: i, address: `bcrt1qwriters${i}`, scriptHex: `0014${String(i).padStart(40, '0')}`, state: 'free', invoiceId: null, now: NOW });
        }
        return { wallet: w, invoices: ids };
      });
      // Twice as many claimers as free addresses, half through each process, all at once.
      const claims = await Promise.all(invoices.map((invoiceId, i) => (i % 2 ? two : one).tx(async (trx) => {
        const row = await claimFreeAddress(trx, wallet.id, invoiceId, NOW, NOW);
        await hold(trx);
        return row ? { invoiceId, addressId: row.id } : null;
      })));
      const won = claims.filter((c) => c !== null);
      expect(new Set(won.map((c) => c.addressId)).size, 'an address handed out twice').to.equal(won.length);
      expect(won).to.have.length(12);
      // Each address is stored as held by the invoice that was told it got it.
      const rows = (await one.read('addresses').where({ wallet_id: wallet.id }).select('id', 'state', 'invoice_id')) as { id: number; state: string; invoice_id: number }[];
      for (const c of won) expect(rows.find((r) => r.id === c.addressId)).to.include({ state: 'assigned', invoice_id: c.invoiceId });
    });

    it('leaves one wallet active when two processes set a wallet at once', async () => {
      const set = (db: Database, n: number) => db.tx((trx) => insertActiveWallet(trx, {
        descriptor: `wpkh(test-set-${n})`, chain: 'regtest', scriptType: 'p2wpkh', fingerprint: null, firstIndex: 0, createdAt: NOW,
      }));
      const made = await Promise.all(Array.from({ length: 6 }, (_, i) => set(i % 2 ? two : one, i)));
      expect(new Set(made.map((w) => w.id)).size).to.equal(6);
      expect(await one.read('wallets').where({ active: true })).to.have.length(1);
    });

    it('never leases one delivery to two workers at once', async () => {
      await one.tx(async (trx) => {
        for (let i = 0; i < 30; i++) {
          await insertDelivery(trx, {
            deliveryId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, outboxId: null, eventType: 'invoice.paid',
            targetKind: 'webhook', targetId: i, target: 'https://example.com/hook', payload: '{}', now: NOW,
          });
        }
      });
      const leases = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? two : one).tx(async (trx) => {
        const due = await claimDue(trx, NOW, 60_000, 5);
        await hold(trx);
        return due.map((d) => d.id);
      })));
      const leased = leases.flat();
      expect(new Set(leased).size, 'a delivery leased twice').to.equal(leased.length);
      // What no worker got is still due: every delivery is leased by exactly one claim.
      const rest = (await one.tx((trx) => claimDue(trx, NOW, 60_000, 100))).map((d) => d.id);
      expect(new Set([...leased, ...rest]).size).to.equal(leased.length + rest.length);
      expect(leased.length + rest.length).to.equal(30);
    });

    it('gives payment links made at once from one title each its own slug, and a given slug to one of them', async () => {
      const links = [one, two].map((db) => new PaymentLinkService(db, () => 'USD', () => NOW));
      const made = await Promise.all(Array.from({ length: 8 }, (_, i) => links[i % 2]!.create({ title: 'Tip jar' })));
      expect(new Set(made.map((l) => l.slug)).size).to.equal(8);
      const given = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => links[i % 2]!.create({ title: 'Donate', slug: 'donate' })));
      expect(given.filter((r) => r.status === 'fulfilled')).to.have.length(1);
      for (const r of given) if (r.status === 'rejected') expect(isTillError(r.reason) && r.reason.code).to.equal('slug_taken');
    });

    it('runs a unit whose compare-and-set lost to another process again, on fresh rows', async () => {
      const inv = await one.tx((trx) => insertInvoice(trx, draft(100)));
      let attempts = 0;
      const notes = await one.tx(async (trx) => {
        attempts++;
        const [row] = (await trx('invoices').where({ id: inv.id }).select('version', 'notes')) as { version: number; notes: string }[];
        // The other process changes the invoice between this unit's read and its write.
        if (attempts === 1) await two.tx((t2) => t2('invoices').where({ id: inv.id }).update({ notes: 'theirs', version: row!.version + 1 }));
        const n = await trx('invoices').where({ id: inv.id, version: row!.version }).update({ notes: `${row!.notes} + ours`, version: row!.version + 1 });
        if (n !== 1) throw new WriteConflict(`invoice ${inv.id} changed under the writer`);
        return `${row!.notes} + ours`;
      });
      expect(attempts).to.equal(2);
      expect(notes).to.equal('theirs + ours');
    });

    it('makes outbox rows visible in the order of their ids', async () => {
      // Process one writes an event and keeps its transaction open; process two writes one
      // meanwhile and commits. Were two's larger id visible before one's smaller one, a
      // worker reading by a cursor on id would pass one's event and never send it.
      const before = (await outboxAfter(one.read, 0, 1000)).length;
      let written!: () => void;
      const oneWrote = new Promise<void>((r) => (written = r));
      const first = one.tx(async (trx) => {
        await appendEvent(trx, { type: 'invoice.created', invoiceId: null, payload: { n: 1 }, createdAt: NOW });
        written();
        await trx.raw('SELECT pg_sleep(0.3)');
      });
      await oneWrote;
      await two.tx((trx) => appendEvent(trx, { type: 'invoice.created', invoiceId: null, payload: { n: 2 }, createdAt: NOW }));
      // Two has committed: everything with a smaller id than its event is visible too.
      const seen = (await outboxAfter(two.read, 0, 1000)).map((r) => Number(r.id));
      await first;
      expect(seen).to.have.length(before + 2);
      const all = (await outboxAfter(one.read, 0, 1000)).map((r) => Number(r.id));
      expect(seen).to.deep.equal(all);
      const payloads = (await outboxAfter(one.read, 0, 1000)).slice(before).map((r) => JSON.parse(String(r.payload)) as { n: number });
      expect(payloads.map((p) => p.n), 'ids drawn in commit order').to.deep.equal([1, 2]);
    });
  });
});
