import { TillError } from '../domain/errors.js';
import { hasScope, type ApiKeys, type ApiKey, type Scope } from './keys.js';
import type { TillContext, TillMiddleware } from './state.js';

/** How each dialect presents its key. */
export type KeyExtractor = (ctx: TillContext) => string | null;

export const bearerKey: KeyExtractor = (ctx) => {
  const h = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
};

export function authenticate(keys: ApiKeys, extract: KeyExtractor, hint: string): TillMiddleware {
  return async (ctx, next) => {
    const secret = extract(ctx);
    if (secret === null) throw new TillError('unauthorized', `Missing API key: send it as ${hint}`);
    const key = await keys.authenticate(secret);
    if (!key) throw new TillError('unauthorized', 'Invalid or revoked API key');
    ctx.state.apiKey = key;
    return next();
  };
}

/**
 * The key `authenticate` put on the request. Anything that acts on a key reads it here,
 * so a request that somehow skipped authentication (a router quirk, a new mount) is
 * refused as unauthenticated instead of crashing on an undefined key or running keyless.
 */
export function apiKeyOf(ctx: TillContext): ApiKey {
  const key = ctx.state.apiKey;
  if (!key) throw new TillError('unauthorized', 'Missing API key');
  return key;
}

export function requireScope(scope: Scope): TillMiddleware {
  return async (ctx, next) => {
    if (!hasScope(apiKeyOf(ctx), scope)) throw new TillError('forbidden', `This API key lacks the ${scope} scope`);
    return next();
  };
}

/** For routes open to any valid key: still refuses a request that carries none. */
export function requireKey(): TillMiddleware {
  return async (ctx, next) => {
    apiKeyOf(ctx);
    return next();
  };
}
