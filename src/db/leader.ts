import type pg from 'pg';
import { LOCKS, postgresClient, queryWithin } from './postgres.js';

export type Role = 'leader' | 'standby';

export interface ElectionHandlers {
  /** This process holds the lock now: start the work that must run once. */
  elected(): Promise<void> | void;
  /** The lock is lost (its session died): stop that work at once, another may take it. */
  demoted(reason: string): Promise<void> | void;
}

/**
 * Elects the one process of many that runs the chain watcher, the notification worker
 * and the expiry sweep: whoever holds a session-level advisory lock on a connection of
 * its own. PostgreSQL frees the lock the moment that session ends, so when the leader
 * dies (a killed process's socket is closed by its kernel; a lost machine's by TCP
 * keepalive) a standby trying every `tryEveryMs` takes over.
 */
export class WorkerElection {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private current: Role = 'standby';
  private changing: Promise<void> = Promise.resolve();
  private readonly tryEveryMs: number;

  constructor(
    private readonly url: string,
    private readonly name: string,
    private readonly on: ElectionHandlers,
    opts: { tryEveryMs?: number } = {},
  ) {
    this.tryEveryMs = opts.tryEveryMs ?? 2000;
  }

  get role(): Role {
    return this.current;
  }

  /** Tries once at once, then every `tryEveryMs` while a standby; checks its session as often while the leader. */
  async start(): Promise<void> {
    await this.attempt();
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.attempt();
    }, this.tryEveryMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if (this.closed) return;
    if (this.current === 'leader') return this.heartbeat();
    try {
      if (!this.client) {
        const client = postgresClient(this.url, `${this.name} election`);
        client.on('error', (err) => this.lost(client, err.message));
        client.on('end', () => this.lost(client, 'the database closed the connection'));
        this.client = client;
        await client.connect();
        // A leader whose machine vanished sends no FIN: the server probes its session and
        // ends it (freeing the lock) after about 5 + 2 × 3 s of silence, not hours.
        await queryWithin(client, 'SET tcp_keepalives_idle = 5', [], 5000);
        await queryWithin(client, 'SET tcp_keepalives_interval = 2', [], 5000);
        await queryWithin(client, 'SET tcp_keepalives_count = 3', [], 5000);
        // A stopped process (SIGSTOP, a VM paused) still answers TCP probes: its session
        // holding the lock while silent for 10 s — it asks every 2 s when alive — is
        // ended by the server, which frees the lock for another to take.
        await queryWithin(client, "SET idle_session_timeout = '10s'", [], 5000);
      }
      const r = await queryWithin<{ got: boolean }>(this.client, 'SELECT pg_try_advisory_lock($1) AS got', [LOCKS.worker], 5000);
      if (r.rows[0]?.got && !this.closed) {
        this.current = 'leader';
        // The heartbeat runs while the work starts: the session must not sit idle.
        this.schedule();
        await this.change(() => this.on.elected());
        return;
      }
    } catch (err) {
      if (this.client) this.lost(this.client, (err as Error).message);
    }
    this.schedule();
  }

  /**
   * A leader asks its session every `tryEveryMs` whether it is still there: one cut off
   * from the database stops its work within seconds, as the server frees its lock for
   * another to take.
   */
  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      await queryWithin(client, 'SELECT 1', [], 5000);
    } catch (err) {
      this.lost(client, (err as Error).message);
      return;
    }
    this.schedule();
  }

  private lost(client: pg.Client, reason: string): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => {});
    if (this.current === 'leader') {
      this.current = 'standby';
      void this.change(() => this.on.demoted(reason));
    }
    this.schedule();
  }

  /**
   * Elected and demoted run one after the other, never interleaved. A failed `elected`
   * (the database went away meanwhile) reaches `attempt`, which gives the lock up.
   */
  private change(fn: () => Promise<void> | void): Promise<void> {
    const p = this.changing.then(fn);
    this.changing = p.catch(() => {});
    return p;
  }

  /** Stops trying; a leader gives the lock up (its session ends) once `demoted` has run. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const wasLeader = this.current === 'leader';
    this.current = 'standby';
    if (wasLeader) await this.change(() => this.on.demoted('shutting down'));
    await this.changing;
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => {});
  }
}
