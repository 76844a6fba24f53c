import type { Database } from '../db/connection.js';
import { insertAudit, listAudit, type AuditEntry } from '../db/merchant.js';

export type { AuditEntry };

/** Who did it: the merchant's UI session (by its id), the CLI, or the API key. */
export interface Actor {
  actor: string;
  ip: string | null;
}

/**
 * The merchant's actions, kept for them to read back: wallet changes, keys made and
 * revoked, invoices marked paid or cancelled, links and webhooks changed, settings.
 * Written after the action committed (a crash between the two loses the line, never the
 * action); never changed or deleted.
 */
export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async record(by: Actor, action: string, subject: string | null, detail: Record<string, unknown> | null = null): Promise<void> {
    await this.db.tx((trx) => insertAudit(trx, { at: this.now(), action, subject, detail, actor: by.actor, ip: by.ip }));
  }

  list(o: { limit: number; offset: number }): Promise<{ entries: AuditEntry[]; total: number }> {
    return listAudit(this.db.read, o);
  }
}
