import type { ErrorObject } from 'ajv';
import { createAjv, createQueryAjv, describeAjvError, fieldPath } from '../validate.js';
import { compileV1Schemas } from './schemas.js';

export type FormKind = 'createInvoice' | 'createLink' | 'createWebhook';

/**
 * The v1 request schemas for the merchant UI's forms: a form is held to what the API
 * accepts, and each error names its field ("lines[0].unit_price") so the page shows it
 * beside that field.
 */
export function v1FormSchemas(): { check(kind: FormKind, body: unknown): { field: string | null; message: string }[] } {
  const s = compileV1Schemas(createAjv(), createQueryAjv());
  return {
    check(kind, body) {
      const v = s[kind];
      if (v(body)) return [];
      return (v.errors ?? []).map((e: ErrorObject) => {
        const params = e.params as Record<string, unknown>;
        const extra = e.keyword === 'required' ? String(params.missingProperty) : undefined;
        const field = fieldPath(e.instancePath, extra);
        return { field: field === '' ? null : field, message: describeAjvError(e, 'body') };
      });
    },
  };
}
