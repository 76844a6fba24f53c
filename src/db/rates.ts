import type { Knex } from 'knex';
import { parseJson, toNum, type Row } from './rows.js';

type Q = Knex | Knex.Transaction;

export interface StoredRate {
  currency: string;
  rate: string;
  sources: string[];
  fetchedAt: number;
}

/** The last good rate per currency, so a restart during a rate outage can still quote. */
export async function loadRates(q: Q): Promise<StoredRate[]> {
  const rows: Row[] = await q('rates').orderBy('currency');
  return rows.map((r) => ({
    currency: String(r.currency),
    rate: String(r.rate),
    sources: parseJson<string[]>(r.sources) ?? [],
    fetchedAt: toNum(r.fetched_at),
  }));
}

export async function saveRates(trx: Knex.Transaction, rates: StoredRate[]): Promise<void> {
  if (rates.length === 0) return;
  await trx('rates')
    .insert(rates.map((r) => ({ currency: r.currency, rate: r.rate, sources: JSON.stringify(r.sources), fetched_at: r.fetchedAt })))
    .onConflict('currency')
    .merge();
}
