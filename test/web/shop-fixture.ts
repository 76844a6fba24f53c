/**
 * A busy shop's history written straight into the database (no service, no HTTP): for the
 * reports' tests and bench:web, which need thousands of invoices in seconds. Invoices of
 * every status in several currencies over `days` days, each quoted at its own hour's rate,
 * the paid ones with their payments (some in the mempool, a few replaced), all on one
 * inactive wallet of its own. Deterministic for a seed.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { fiatToSats } from '../../src/domain/money.js';
import { execute, rowsOf } from '../../src/db/fast.js';

/**
 * Rows one at a time through a statement prepared once on the transaction's connection
 * (src/db/fast.ts): on SQLite ~25 µs a row, far below a many-row INSERT built by knex.
 */
async function insertRows(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[], returning: boolean): Promise<number[]> {
  const ids: number[] = [];
  for (const r of rows) {
    const cols = Object.keys(r);
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
    if (returning) ids.push(Number((await rowsOf(trx, `${sql} RETURNING id`, Object.values(r)))[0]!.id));
    else await execute(trx, sql, Object.values(r));
  }
  return ids;
}

export interface ShopOptions {
  invoices: number;
  /** The newest invoice's time (ms); the others go back `days` days from it. */
  now: number;
  days: number;
  seed?: number;
  /** Rows per INSERT. */
  chunk?: number;
}

export interface ShopSummary {
  invoices: number;
  payments: number;
  firstId: number;
  lastId: number;
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUS_MIX: [string, number][] = [
  ['confirmed', 0.45], ['expired', 0.25], ['pending', 0.08], ['paid', 0.05], ['cancelled', 0.05],
  ['draft', 0.05], ['underpaid', 0.04], ['partial', 0.02], ['invalid', 0.01],
];
const CURRENCY_MIX: [string, number, number][] = [
  // code, share, rate around which it moves
  ['USD', 0.6, 70_000], ['EUR', 0.28, 61_000], ['JPY', 0.07, 10_500_000], ['BTC', 0.05, 1],
];
const MINOR: Record<string, number> = { USD: 2, EUR: 2, JPY: 0, BTC: 8 };

function pick<T extends [string, number, ...unknown[]]>(mix: T[], x: number): T {
  let acc = 0;
  for (const m of mix) {
    acc += m[1];
    if (x < acc) return m;
  }
  return mix[mix.length - 1]!;
}

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

/** Writes the shop in one transaction; returns what it wrote. */
export async function insertShop(knex: Knex, o: ShopOptions): Promise<ShopSummary> {
  const rand = rng(o.seed ?? 7);
  const chunk = o.chunk ?? 500;
  const span = o.days * 86_400_000;
  return knex.transaction(async (trx) => {
    const [{ seq: maxSeq }] = (await trx('invoices').max({ seq: 'seq' })) as [{ seq: number | null }];
    const [{ idx: maxIdx }] = (await trx('addresses').max({ idx: 'derivation_index' })) as [{ idx: number | null }];
    const [wallet] = (await trx('wallets')
      .insert({ descriptor: `fixture(${randomUUID()})`, chain: 'regtest', script_type: 'p2wpkh', active: false, created_at: o.now - span })
      .returning('id')) as [{ id: number } | number];
    const walletId = typeof wallet === 'number' ? wallet : wallet.id;
    let seq = maxSeq ?? 0;
    let idx = (maxIdx ?? 0) + 1_000_000;
    let firstId = 0;
    let lastId = 0;
    let paymentCount = 0;

    for (let done = 0; done < o.invoices; done += chunk) {
      const n = Math.min(chunk, o.invoices - done);
      const invoices: Record<string, unknown>[] = [];
      const plans: { sats: number; at: number; status: string; replaced: boolean; confirmed: boolean }[] = [];
      for (let k = 0; k < n; k++) {
        const i = done + k;
        // Oldest first, evenly over the span, so ids grow with created_at as in life.
        const created = Math.round(o.now - span + (span * (i + 1)) / o.invoices);
        const status = pick(STATUS_MIX, rand())[0];
        const [currency, , base] = pick(CURRENCY_MIX, rand());
        const total = currency === 'BTC' ? 10_000 + Math.floor(rand() * 5_000_000) : Math.round((5 + rand() * 495) * 10 ** MINOR[currency]!);
        // The rate of its hour: a slow walk of ±5 %, with cents (so groups are per hour, not per invoice).
        const hour = Math.floor(created / 3_600_000);
        const rate = currency === 'BTC' ? null : (base * (1 + 0.05 * Math.sin(hour / 37))).toFixed(currency === 'JPY' ? 0 : 2);
        const quoted = status !== 'draft';
        const due = quoted ? Number(fiatToSats(BigInt(total), currency, rate ?? '1')) : null;
        const paidShare = status === 'confirmed' || status === 'paid' ? 1 : status === 'underpaid' || status === 'partial' ? 0.5 : 0;
        const paid = due === null ? 0 : Math.floor(due * paidShare);
        seq += 1;
        invoices.push({
          seq, ref: `FX${hex(seq, 7)}-${hex(i, 8)}`.slice(0, 17), public_id: randomUUID(), bitpay_id: `fx${hex(seq, 22)}`,
          status, exception: status === 'underpaid' ? 'paid_partial' : null, currency,
          subtotal: total, tax_rate: '0', tax: 0, discount: 0, total, rate: quoted ? (rate ?? '1') : null,
          due_sats: due, paid_sats: paid, required_confirmations: 1, address_id: null,
          customer_email: rand() < 0.7 ? `buyer${i}@example.com` : null, customer_name: null, customer_company: null,
          notes: null, payment_methods: '["onchain_btc"]', dialect: 'v1', metadata: null, dialect_data: null,
          created_at: created, updated_at: created, finalized_at: quoted ? created : null,
          // Open ones are still open at `now`: the expiry loop has nothing to do with them.
          quote_expires_at: quoted ? (status === 'pending' || status === 'partial' ? o.now + 3_600_000 : created + 900_000) : null, grace_until: null,
          paid_at: paid > 0 ? created + 120_000 : null, confirmed_at: status === 'confirmed' ? created + 900_000 : null,
          expired_at: status === 'expired' ? created + 900_000 : null, cancelled_at: status === 'cancelled' ? created + 60_000 : null,
        });
        plans.push({ sats: paid, at: created + 120_000, status, replaced: paid > 0 && rand() < 0.02, confirmed: status === 'confirmed' || status === 'underpaid' });
      }
      const ids = await insertRows(trx, 'invoices', invoices, true);
      const idOf = (r: number) => r;
      firstId ||= idOf(ids[0]!);
      lastId = idOf(ids[ids.length - 1]!);

      const addresses: Record<string, unknown>[] = [];
      const payers: { invoiceId: number; plan: (typeof plans)[number]; index: number }[] = [];
      plans.forEach((plan, k) => {
        if (plan.sats <= 0) return;
        idx += 1;
        const invoiceId = idOf(ids[k]!);
        addresses.push({
          wallet_id: walletId, derivation_index: idx, address: `bcrt1qfixture${hex(idx, 12)}`, script_hex: `0014${hex(idx, 40)}`,
          state: 'used', invoice_id: invoiceId, assigned_at: plan.at - 120_000, created_at: plan.at - 120_000,
        });
        payers.push({ invoiceId, plan, index: idx });
      });
      if (addresses.length === 0) continue;
      const aids = await insertRows(trx, 'addresses', addresses, true);
      const payments: Record<string, unknown>[] = [];
      payers.forEach((p, k) => {
        const base = { invoice_id: p.invoiceId, address_id: idOf(aids[k]!), vout: 0, sats: p.plan.sats, seen_at: p.plan.at, moved_at: p.plan.at, updated_at: p.plan.at };
        if (p.plan.replaced) {
          // A fee bump: the first transaction replaced, the second standing.
          payments.push({ ...base, txid: hex(p.index, 60) + 'dead', status: 'replaced' });
        }
        const confirmed = p.plan.confirmed;
        payments.push({
          ...base, txid: hex(p.index, 60) + 'beef', status: confirmed ? 'confirmed' : 'mempool',
          block_hash: confirmed ? hex(Math.floor(p.plan.at / 600_000), 64) : null,
          block_height: confirmed ? Math.floor(p.plan.at / 600_000) % 1_000_000 : null,
          confirmed_at: confirmed ? p.plan.at + 600_000 : null,
        });
      });
      await insertRows(trx, 'payments', payments, false);
      paymentCount += payments.length;
    }
    return { invoices: o.invoices, payments: paymentCount, firstId, lastId };
  });
}
