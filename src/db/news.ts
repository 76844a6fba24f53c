import type { Knex } from 'knex';
import type pg from 'pg';
import { postgresClient, queryWithin } from './postgres.js';

/**
 * What one Till process tells the others sharing a PostgreSQL database, by LISTEN/NOTIFY.
 * Triggers send it, so the news goes out with the commit that made it, whichever process
 * (or `till` command) wrote: nothing can commit and stay unannounced. Each message ends
 * with the writer's application_name, so a process skips what it already knows.
 */
export const CHANNELS = {
  /** An invoice row was written: payload `<id> <writer>`. */
  invoice: 'till_invoice',
  /** An address was handed to an invoice: payload `<script_hex> <id> <writer>`. */
  address: 'till_address',
  /** A new block was stored as the tip: payload `<height> <writer>`. */
  tip: 'till_tip',
  /** An event reached the outbox: payload `<id> <writer>`. */
  outbox: 'till_outbox',
  /** The merchant's settings changed (the settings page): payload `- <writer>`. */
  settings: 'till_settings',
  /** An API key was revoked or its scopes changed: payload `- <writer>`. */
  apiKey: 'till_api_key',
} as const;

export type Channel = keyof typeof CHANNELS;

const TRIGGERS: { table: string; channel: Channel; when: string; payload: string; events: string }[] = [
  { table: 'invoices', channel: 'invoice', events: 'INSERT OR UPDATE', when: 'true', payload: "NEW.id::text" },
  {
    table: 'addresses', channel: 'address', events: 'INSERT OR UPDATE',
    when: "NEW.state = 'assigned'", payload: "NEW.script_hex || ' ' || NEW.id::text",
  },
  { table: 'chain_state', channel: 'tip', events: 'INSERT OR UPDATE', when: 'true', payload: 'NEW.tip_height::text' },
  { table: 'outbox', channel: 'outbox', events: 'INSERT', when: 'true', payload: 'NEW.id::text' },
  { table: 'settings', channel: 'settings', events: 'INSERT OR UPDATE OR DELETE', when: 'true', payload: "'-'" },
  // Not on every use (last_used_at): only what decides whether a key is let in.
  {
    table: 'api_keys', channel: 'apiKey', events: 'UPDATE', payload: "'-'",
    when: 'NEW.revoked_at IS DISTINCT FROM OLD.revoked_at OR NEW.scopes IS DISTINCT FROM OLD.scopes OR NEW.key_hash IS DISTINCT FROM OLD.key_hash',
  },
];

/** PostgreSQL only (the migration calls it): SQLite has one process and needs no news. */
export async function createNewsTriggers(knex: Knex): Promise<void> {
  for (const t of TRIGGERS) {
    const fn = `till_news_${t.table}`;
    await knex.raw(`CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF ${t.when} THEN
    PERFORM pg_notify('${CHANNELS[t.channel]}', ${t.payload} || ' ' || current_setting('application_name'));
  END IF;
  RETURN NULL;
END $$`);
    await knex.raw(`CREATE TRIGGER ${fn} AFTER ${t.events} ON ${t.table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
  }
}

export async function dropNewsTriggers(knex: Knex): Promise<void> {
  for (const t of TRIGGERS) {
    await knex.raw(`DROP TRIGGER IF EXISTS till_news_${t.table} ON ${t.table}`);
    await knex.raw(`DROP FUNCTION IF EXISTS till_news_${t.table}()`);
  }
}

export interface NewsHandlers {
  invoice?(id: number): void;
  address?(scriptHex: string, addressId: number): void;
  tip?(height: number): void;
  outbox?(id: number): void;
  settings?(): void;
  apiKey?(): void;
  /**
   * The listening session was (re)established: news sent while it was down is lost, so
   * whatever it keeps fresh must be read again.
   */
  connected?(): void;
  /** The session was lost: until `connected`, nothing from the others arrives. */
  lost?(err: Error): void;
}

/**
 * LISTENs on a connection of its own, and comes back after the database does (every
 * `retryMs`), telling `connected` each time so the caller reloads what it may have missed.
 */
export class NewsListener {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private beat: NodeJS.Timeout | null = null;
  private closed = false;
  private up = false;

  constructor(
    private readonly url: string,
    /** This process's application_name: its own news is skipped. */
    private readonly self: string,
    private readonly on: NewsHandlers,
    private readonly retryMs = 1000,
    private readonly heartbeatMs = 5000,
  ) {}

  get listening(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = postgresClient(this.url, `${this.self} news`);
    this.client = client;
    client.on('error', (err) => this.drop(client, err));
    client.on('end', () => this.drop(client, new Error('the database closed the connection')));
    client.on('notification', (m) => this.dispatch(m.channel, m.payload ?? ''));
    try {
      await client.connect();
      for (const c of Object.values(CHANNELS)) await queryWithin(client, `LISTEN ${c}`, [], 5000);
      this.up = true;
      this.on.connected?.();
      this.heartbeat(client);
    } catch (err) {
      this.drop(client, err as Error);
    }
  }

  /**
   * A session whose peer went silent (a NAT that forgot it, a host gone without a reset)
   * delivers nothing and says nothing: asked every `heartbeatMs`, one that does not answer
   * is dropped, so the caches stop trusting news that no longer comes.
   */
  private heartbeat(client: pg.Client): void {
    this.beat = setTimeout(() => {
      this.beat = null;
      queryWithin(client, 'SELECT 1', [], 5000).then(
        () => {
          if (this.client === client) this.heartbeat(client);
        },
        (err: Error) => this.drop(client, err),
      );
    }, this.heartbeatMs);
    this.beat.unref();
  }

  private drop(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    if (this.beat) clearTimeout(this.beat);
    this.beat = null;
    this.client = null;
    const wasUp = this.up;
    this.up = false;
    client.removeAllListeners('notification');
    client.end().catch(() => {});
    if (wasUp) this.on.lost?.(err);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
  }

  private dispatch(channel: string, payload: string): void {
    const parts = payload.split(' ');
    const writer = parts.slice(channel === CHANNELS.address ? 2 : 1).join(' ');
    if (writer === this.self) return;
    switch (channel) {
      case CHANNELS.invoice:
        this.on.invoice?.(Number(parts[0]));
        break;
      case CHANNELS.address:
        this.on.address?.(parts[0]!, Number(parts[1]));
        break;
      case CHANNELS.tip:
        this.on.tip?.(Number(parts[0]));
        break;
      case CHANNELS.outbox:
        this.on.outbox?.(Number(parts[0]));
        break;
      case CHANNELS.settings:
        this.on.settings?.();
        break;
      case CHANNELS.apiKey:
        this.on.apiKey?.();
        break;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.beat) clearTimeout(this.beat);
    const c = this.client;
    this.client = null;
    this.up = false;
    await c?.end().catch(() => {});
  }
}
