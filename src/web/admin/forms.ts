import type { Context } from 'koa';
import { TillError } from '../../domain/errors.js';
import type { FieldError } from './ports.js';

/** A posted form as an object of strings ({} for anything else). */
export function formOf(ctx: Context): Record<string, string> {
  const body = (ctx.request as { body?: unknown }).body;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * A service's refusal as field errors: a TillError naming its field (`details.field`)
 * goes beside that field, any other expected refusal at the top of the form. Anything
 * else is not the merchant's doing and is thrown on.
 */
export function fieldErrorsOf(e: unknown, fields: readonly string[] = []): FieldError[] {
  if (!(e instanceof TillError)) throw e;
  if (e.code === 'internal') throw e;
  const d = e.details as { field?: unknown } | undefined;
  if (d && typeof d.field === 'string') return [{ field: d.field, message: e.message }];
  // Messages name their field first ("unit_price must …", "lines[0].amount …").
  const named = fields.find((f) => e.message.startsWith(`${f} `) || e.message.startsWith(`${f}:`));
  return [{ field: named ?? null, message: e.message }];
}
