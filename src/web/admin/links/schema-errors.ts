import type { FieldError, FormSchemas } from '../ports.js';

/**
 * Every field's error of a form body under the API's schema, not only the first the
 * validator stops at: a field in error is set aside (or given a stand-in value, for a
 * required one) and the body checked again. Field paths ("payment_methods[0]") are
 * named by their form field.
 */
export function schemaErrors(
  forms: FormSchemas,
  kind: Parameters<FormSchemas['check']>[0],
  body: Record<string, unknown>,
  standIn: Record<string, unknown> = {},
): FieldError[] {
  const out: FieldError[] = [];
  const b = { ...body };
  for (let round = 0; round < 12; round++) {
    const errs = forms.check(kind, b).map((e) => ({ ...e, field: e.field === null ? null : e.field.replace(/[[.].*$/, '') }));
    const fresh = errs.filter((e) => !out.some((o) => o.field === e.field));
    if (fresh.length === 0) break;
    out.push(...fresh);
    for (const e of fresh) {
      if (e.field === null) return out;
      if (e.field in standIn) b[e.field] = standIn[e.field];
      else delete b[e.field];
    }
  }
  return out;
}
