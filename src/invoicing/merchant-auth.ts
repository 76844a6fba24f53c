import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { TillError } from '../domain/errors.js';
import type { Database } from '../db/connection.js';
import {
  deleteAllSessions, deleteExpiredSessions, deleteSession, findPasswordHash, findSession, insertFirstPasswordHash, insertSession, savePasswordHash,
  touchSession, type UiSession,
} from '../db/merchant.js';

export type { UiSession };

/** scrypt's cost: 2^15 × 8 (32 MiB, about 0.1 s a guess on a Raspberry Pi 4's core). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;
export const MIN_PASSWORD = 10;
const MAX_PASSWORD = 1024;

/** A session ends after this long without a request, and in any case this long after login. */
export const SESSION_IDLE_MS = 12 * 60 * 60_000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60_000;
/** last_seen_at is written at most this often: a page view must not cost a write. */
const TOUCH_EVERY_MS = 60_000;

function derive(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...p, maxmem: SCRYPT.maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** `scrypt$<log2 N>$<r>$<p>$<salt>$<key>`, base64url: the cost travels with the hash. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', Math.log2(SCRYPT.N), SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, logN, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !logN || !r || !p || !salt || !key) return false;
  const want = Buffer.from(key, 'base64url');
  const got = await derive(password, Buffer.from(salt, 'base64url'), { N: 1 << Number(logN), r: Number(r), p: Number(p) });
  return got.length === want.length && timingSafeEqual(got, want);
}

export function checkPasswordRule(password: string): void {
  if ([...password].length < MIN_PASSWORD) {
    throw new TillError('validation_failed', `The password needs at least ${MIN_PASSWORD} characters`, { field: 'password' });
  }
  if (password.length > MAX_PASSWORD) {
    throw new TillError('validation_failed', `The password may have at most ${MAX_PASSWORD} characters`, { field: 'password' });
  }
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface SessionStart {
  /** For the cookie: shown once, kept only as its hash. */
  token: string;
  session: UiSession;
}

/**
 * The merchant's password and sessions. One merchant, one password (scrypt); sessions
 * live in the database, the cookie holds a random token whose SHA-256 is the key, and
 * each session carries the CSRF token its forms must send back. A new password ends
 * every session.
 */
export class MerchantAuth {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  async hasPassword(): Promise<boolean> {
    return (await findPasswordHash(this.db.read)) !== null;
  }

  /**
   * The first-run password: set only while none is. False when one already is (two
   * first-run posts at once: the second must not replace the first's).
   */
  async setFirstPassword(password: string): Promise<boolean> {
    checkPasswordRule(password);
    const hash = await hashPassword(password);
    try {
      return await this.db.tx((trx) => insertFirstPasswordHash(trx, hash, this.now()));
    } catch (e) {
      // The other post's row landed between our read and our insert (the key is one row).
      if (/UNIQUE|unique|duplicate/.test(String((e as Error).message))) return false;
      throw e;
    }
  }

  /** Sets (or replaces) the password; every session ends. */
  async setPassword(password: string): Promise<void> {
    checkPasswordRule(password);
    const hash = await hashPassword(password);
    await this.db.tx(async (trx) => {
      await savePasswordHash(trx, hash, this.now());
      await deleteAllSessions(trx);
    });
  }

  /** Whether this is the password (a change of password asks for the current one). */
  async checkPassword(password: string): Promise<boolean> {
    const stored = await findPasswordHash(this.db.read);
    if (stored === null || password.length > MAX_PASSWORD) return false;
    return verifyPassword(password, stored);
  }

  /** A session for the right password; null for a wrong one, or when none is set. */
  async login(password: string, client: { ip: string | null; userAgent: string | null }): Promise<SessionStart | null> {
    const stored = await findPasswordHash(this.db.read);
    if (stored === null || password.length > MAX_PASSWORD) return null;
    if (!(await verifyPassword(password, stored))) return null;
    return this.startSession(client);
  }

  /** A session without a password: for a merchant the trusted proxy already logged in (Umbrel). */
  async startSession(client: { ip: string | null; userAgent: string | null }): Promise<SessionStart> {
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const session = await this.db.tx(async (trx) => {
      await deleteExpiredSessions(trx, at);
      return insertSession(trx, {
        tokenHash: tokenHash(token), csrf: randomBytes(24).toString('base64url'), now: at,
        expiresAt: at + SESSION_IDLE_MS, ip: client.ip, userAgent: client.userAgent?.slice(0, 300) ?? null,
      });
    });
    return { token, session };
  }

  /** The live session of a cookie's token, its idle deadline moved on; null when there is none. */
  async session(token: string): Promise<UiSession | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
    const s = await findSession(this.db.read, tokenHash(token));
    const at = this.now();
    if (!s || s.expiresAt <= at) return null;
    if (at - s.lastSeenAt >= TOUCH_EVERY_MS) {
      const expiresAt = Math.min(at + SESSION_IDLE_MS, s.createdAt + SESSION_MAX_MS);
      await this.db.tx((trx) => touchSession(trx, s.id, at, expiresAt));
      return { ...s, lastSeenAt: at, expiresAt };
    }
    return s;
  }

  async logout(token: string): Promise<void> {
    await this.db.tx((trx) => deleteSession(trx, tokenHash(token)));
  }
}
