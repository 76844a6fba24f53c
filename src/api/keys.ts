import { TillError } from '../domain/errors.js';
import { hashApiKey, newApiKey, isApiKeyFormat } from '../domain/ids.js';
import type { Database } from '../db/connection.js';
import {
  findApiKeyByHash, insertApiKey, listApiKeys, revokeApiKey, touchApiKey, SCOPES, type ApiKey, type Scope,
} from '../db/api-keys.js';

export { SCOPES, type ApiKey, type Scope };

/** Scopes a new key gets when none are named: everything but admin. */
export const DEFAULT_SCOPES: Scope[] = ['invoices:read', 'invoices:write', 'links:write', 'webhooks:write'];

export function parseScopes(list: string[]): Scope[] {
  for (const s of list) {
    if (!(SCOPES as readonly string[]).includes(s)) {
      throw new TillError('validation_failed', `Unknown scope "${s}"; scopes are ${SCOPES.join(', ')}`);
    }
  }
  return [...new Set(list)] as Scope[];
}

/** `admin` holds every scope. */
export function hasScope(key: Pick<ApiKey, 'scopes'>, scope: Scope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}

interface CacheEntry {
  key: ApiKey | null;
  until: number;
}

/**
 * API keys: created once (the secret is shown then and only its SHA-256 is kept),
 * looked up by hash with a short cache so a busy client does not cost a query per
 * request, revoked by id or prefix. A revocation from another process (the CLI) takes
 * effect within `cacheMs`.
 */
export class ApiKeys {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly lastTouched = new Map<number, number>();

  constructor(
    private readonly db: Database,
    private readonly now: () => number,
    private readonly cacheMs = 5_000,
  ) {}

  async create(name: string, scopes: Scope[] = DEFAULT_SCOPES): Promise<{ key: string; record: ApiKey }> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 100) throw new TillError('validation_failed', 'A key name of 1 to 100 characters is required');
    if (scopes.length === 0) throw new TillError('validation_failed', 'A key needs at least one scope');
    const k = newApiKey();
    const record = await this.db.tx((trx) =>
      insertApiKey(trx, { name: trimmed, prefix: k.prefix, keyHash: hashApiKey(k.key), scopes, createdAt: this.now() }),
    );
    return { key: k.key, record };
  }

  list(): Promise<ApiKey[]> {
    return listApiKeys(this.db.read);
  }

  async revoke(idOrPrefix: string): Promise<number> {
    const n = await this.db.tx((trx) => revokeApiKey(trx, idOrPrefix, this.now()));
    this.cache.clear();
    return n;
  }

  /** Another process changed a key: look every key up afresh. */
  forgetCached(): void {
    this.cache.clear();
  }

  /** The live key for a presented secret, or null (unknown, malformed or revoked). */
  async authenticate(secret: string): Promise<ApiKey | null> {
    if (!isApiKeyFormat(secret)) return null;
    const hash = hashApiKey(secret);
    const t = this.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > t) return hit.key;
    const found = await findApiKeyByHash(this.db.read, hash);
    const key = found && found.revokedAt === null ? found : null;
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { key, until: t + this.cacheMs });
    if (key) this.touch(key.id, t);
    return key;
  }

  /** last_used_at is written at most once a minute per key: a read must not cost a write. */
  private touch(id: number, t: number): void {
    const last = this.lastTouched.get(id) ?? 0;
    if (t - last < 60_000) return;
    this.lastTouched.set(id, t);
    this.db.tx((trx) => touchApiKey(trx, id, t)).catch(() => this.lastTouched.delete(id));
  }
}
