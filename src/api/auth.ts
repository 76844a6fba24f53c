import type { Context, Next } from 'koa';
import { TillError } from '../domain/errors.js';
import { hasScope, type ApiKeys, type ApiKey, type Scope } from './keys.js';

/** How each dialect presents its key. */
export type KeyExtractor = (ctx: Context) => string | null;

export const bearerKey: KeyExtractor = (ctx) => {
  const h = ctx.get('Authorization');
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1]! : null;
};

export function authenticate(keys: ApiKeys, extract: KeyExtractor, hint: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const secret = extract(ctx);
    if (secret === null) throw new TillError('unauthorized', `Missing API key: send it as ${hint}`);
    const key = await keys.authenticate(secret);
    if (!key) throw new TillError('unauthorized', 'Invalid or revoked API key');
    ctx.state.apiKey = key;
    return next();
  };
}

export function requireScope(scope: Scope) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const key = ctx.state.apiKey as ApiKey;
    if (!hasScope(key, scope)) throw new TillError('forbidden', `This API key lacks the ${scope} scope`);
    return next();
  };
}
