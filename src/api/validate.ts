import { Ajv, type ErrorObject, type JSONSchemaType, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { TillError } from '../domain/errors.js';
import { UnsafeNumber } from './body.js';
import type { RouteContext } from './state.js';

/**
 * One ajv for every dialect. `decimal: true` marks a money or quantity field: it takes a
 * JSON string or number (exact digits kept, see UnsafeNumber) and leaves the arithmetic
 * rules to the domain, which names the field in its own errors.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, strict: true, strictTypes: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  ajv.addKeyword({
    keyword: 'decimal',
    modifying: true,
    schemaType: 'boolean',
    errors: true,
    validate: function decimal(
      this: unknown,
      _schema: boolean,
      data: unknown,
      _parentSchema?: unknown,
      dataCtx?: { parentData: Record<string | number, unknown>; parentDataProperty: string | number },
    ): boolean {
      if (data instanceof UnsafeNumber) {
        if (dataCtx) dataCtx.parentData[dataCtx.parentDataProperty] = data.literal;
        return true;
      }
      if (typeof data === 'string' || (typeof data === 'number' && Number.isFinite(data))) return true;
      (decimal as unknown as { errors: Partial<ErrorObject>[] }).errors = [
        { keyword: 'decimal', message: 'must be a decimal number (a JSON number or a string such as "25.00")', params: {} },
      ];
      return false;
    },
  });
  return ajv;
}

/** "lines[1].unit_price" from ajv's "/lines/1/unit_price". */
export function fieldPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

export function describeAjvError(err: ErrorObject, where: 'body' | 'query'): string {
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return `${fieldPath(err.instancePath, String(params.missingProperty))} is required`;
    case 'additionalProperties':
      return `Unknown field ${fieldPath(err.instancePath, String(params.additionalProperty))}${where === 'query' ? ' in the query string' : ''}`;
    case 'type': {
      const at = fieldPath(err.instancePath);
      const t = String(params.type).replace(/,/g, ' or ');
      return at === '' ? `Request ${where} must be a JSON ${t}` : `${at} must be ${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`;
    }
    case 'enum':
      return `${fieldPath(err.instancePath)} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${fieldPath(err.instancePath) || where} ${err.message ?? 'is invalid'}`;
  }
}

/**
 * Coercion turns "Infinity" or 400 nines into Infinity, and ajv checks minimum/maximum
 * only on finite numbers, so a limit of Infinity passed (and knex then dropped the
 * LIMIT). A query string never means a non-finite number.
 */
function refuseNonFinite(query: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(query)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TillError('validation_failed', `${name} must be a finite number`);
    }
  }
}

/** What a route takes: its compiled schemas (none: no body, and no query string). */
export interface RouteSchemas<B, Q> {
  body?: ValidateFunction<B>;
  query?: ValidateFunction<Q>;
  /** An empty body reads as `{}` (POSTs that take no fields). */
  bodyOptional?: boolean;
}

/** A route's checked input, typed by its schemas. */
export interface RouteInput<B, Q> {
  body: B;
  query: Q;
}

/**
 * The one validation step of every route: checks the query and body against the route's
 * compiled schemas, answers a 400 naming the first bad field, and hands the handler the
 * values typed by those schemas — no handler reads or casts ctx.state for its input.
 */
export function validate<B = Record<string, never>, Q = Record<string, never>>(
  schemas: RouteSchemas<B, Q>,
  handler: (ctx: RouteContext, input: RouteInput<B, Q>) => Promise<void>,
): (ctx: RouteContext) => Promise<void> {
  return async (ctx) => {
    let query = {} as Q;
    if (schemas.query) {
      // Repeated keys (?limit=1&limit=2) arrive as arrays and fail the schema's types.
      const raw: Record<string, unknown> = { ...ctx.query };
      if (!schemas.query(raw)) {
        throw new TillError('validation_failed', describeAjvError(schemas.query.errors![0]!, 'query'));
      }
      refuseNonFinite(raw);
      query = raw;
    }
    let body = {} as B;
    if (schemas.body) {
      let raw = ctx.request.body;
      if (raw === undefined) {
        if (!schemas.bodyOptional) throw new TillError('validation_failed', 'Request body is required (JSON object)');
        raw = {};
      }
      if (!schemas.body(raw)) {
        throw new TillError('validation_failed', describeAjvError(schemas.body.errors![0]!, 'body'));
      }
      body = raw;
    }
    await handler(ctx, { body, query });
  };
}

/** Query strings are text: this ajv turns "50" into 50 and "true" into true first. */
export function createQueryAjv(): Ajv {
  const ajv = new Ajv({ allErrors: false, coerceTypes: true, useDefaults: true, strict: true });
  return ajv;
}

/** A body or query string that takes no fields: anything there is refused. */
export const EMPTY_SCHEMA = { type: 'object', additionalProperties: false, properties: {} } as unknown as JSONSchemaType<Record<string, never>>;

/** A redirect URL a dialect keeps for the payer's way back: absolute http(s), with a host. */
export function checkRedirectUrl(url: string, field: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TillError('validation_failed', `${field} must be an http(s) URL`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') {
    throw new TillError('validation_failed', `${field} must be an http(s) URL`);
  }
}

/**
 * An optional property that still refuses null. ajv's JSONSchemaType types every optional
 * property as nullable; Till refuses a null that would mean nothing (a null currency is not
 * "the default"), so this types the schema as ajv wants an optional property to be, without
 * the runtime `nullable`: the schema is still checked against the interface's field.
 */
export function optional<T>(schema: JSONSchemaType<T>): JSONSchemaType<T | undefined> & { nullable: true } {
  return schema as unknown as JSONSchemaType<T | undefined> & { nullable: true };
}

/**
 * A money or quantity field: a JSON number, or a string such as "25.00". The `decimal`
 * keyword (createAjv) keeps the exact digits of a number a double cannot hold, as its text;
 * the domain does the arithmetic. ajv's types cannot express a custom keyword, so this one
 * schema is typed by what it lets through.
 */
export const DECIMAL_SCHEMA = { decimal: true } as unknown as JSONSchemaType<string | number>;
