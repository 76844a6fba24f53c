import type { Knex } from 'knex';
import * as init from './0001_init.js';
import * as chain from './0002_chain.js';
import * as notify from './0003_notify.js';
import * as markPaid from './0004_mark_paid.js';
import * as moneyCore from './0005_money_core.js';
import * as pages from './0006_pages.js';
import * as merchantUi from './0007_merchant_ui.js';
import * as reports from './0008_reports.js';
import * as postgresNews from './0009_postgres_news.js';
import * as rateLimits from './0010_rate_limits.js';
import * as paymentSpends from './0011_payment_spends.js';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations listed in code so they run the same from src (tsx) and from dist (node). */
const migrations: Record<string, Migration> = {
  '0001_init': init,
  '0002_chain': chain,
  '0003_notify': notify,
  '0004_mark_paid': markPaid,
  '0005_money_core': moneyCore,
  '0006_pages': pages,
  '0007_merchant_ui': merchantUi,
  '0008_reports': reports,
  '0009_postgres_news': postgresNews,
  '0010_rate_limits': rateLimits,
  '0011_payment_spends': paymentSpends,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const m = migrations[name];
    if (!m) throw new Error(`unknown migration ${name}`);
    return m;
  },
};
