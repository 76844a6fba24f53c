import type { Context, Next } from 'koa';
import { TillError } from '../domain/errors.js';
import { apiKeyOf } from './auth.js';

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A token bucket per API key: `limit` requests a minute, refilled smoothly, so a client
 * that keeps to the limit is never refused and one that bursts waits only as long as it
 * must. Every response says where the caller stands (IETF RateLimit fields); a 429 says
 * when to come back in Retry-After.
 */
export class RateLimiter {
  private readonly buckets = new Map<number, Bucket>();
  private readonly perMs: number;

  constructor(
    private readonly limit: number,
    private readonly now: () => number,
  ) {
    this.perMs = limit / 60_000;
  }

  take(id: number): { allowed: boolean; remaining: number; retryAfterS: number; resetS: number } {
    const t = this.now();
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size > 100_000) this.buckets.clear();
      b = { tokens: this.limit, updated: t };
      this.buckets.set(id, b);
    } else {
      b.tokens = Math.min(this.limit, b.tokens + (t - b.updated) * this.perMs);
      b.updated = t;
    }
    const resetS = Math.ceil((this.limit - b.tokens) / this.perMs / 1000);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true, remaining: Math.floor(b.tokens), retryAfterS: 0, resetS };
    }
    return { allowed: false, remaining: 0, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000)), resetS };
  }

  middleware() {
    return async (ctx: Context, next: Next): Promise<void> => {
      const key = apiKeyOf(ctx);
      const r = this.take(key.id);
      ctx.set('RateLimit-Limit', String(this.limit));
      ctx.set('RateLimit-Remaining', String(r.remaining));
      ctx.set('RateLimit-Reset', String(r.resetS));
      ctx.set('RateLimit-Policy', `${this.limit};w=60`);
      if (!r.allowed) {
        ctx.set('Retry-After', String(r.retryAfterS));
        throw new TillError('rate_limited', `Rate limited: ${this.limit} requests per minute per API key; retry in ${r.retryAfterS} s`);
      }
      return next();
    };
  }
}
