import type { Ajv, JSONSchemaType } from 'ajv';
import { DECIMAL_SCHEMA, EMPTY_SCHEMA, optional } from '../validate.js';

/** The status words a checkout list may filter on (seed 003). */
export const CHECKOUT_STATUSES = ['pending', 'paid', 'confirmed', 'expired', 'cancelled', 'underpaid'] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/** The seed's limits. */
export const MAX_TTL_MINUTES = 1440;
export const MAX_PRODUCT_NAME = 200;
export const MAX_LIST_LIMIT = 200;

/**
 * amountUsd: a JSON number, its exact digits kept by the `decimal` keyword (createAjv)
 * and parsed to cents by the domain; the route refuses a string before this runs (the
 * seed's type is number).
 */
const decimal = DECIMAL_SCHEMA;

export interface CreateInvoiceBody {
  amountUsd: string | number;
  ttlMinutes?: number;
  productName?: string | null;
  redirectUrl?: string | null;
  metadata?: Record<string, unknown> | null;
}

const createInvoice: JSONSchemaType<CreateInvoiceBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['amountUsd'],
  properties: {
    amountUsd: decimal,
    ttlMinutes: optional<number>({ type: 'integer', minimum: 1, maximum: MAX_TTL_MINUTES }),
    productName: { type: 'string', nullable: true, maxLength: MAX_PRODUCT_NAME },
    redirectUrl: { type: 'string', nullable: true, maxLength: 2000, pattern: '^https?://', format: 'uri' },
    metadata: { type: 'object', nullable: true, maxProperties: 50, required: [] },
  },
};

export interface ListInvoicesQuery {
  status?: CheckoutStatus;
  limit: number;
  offset: number;
}

const listInvoices: JSONSchemaType<ListInvoicesQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['limit', 'offset'],
  properties: {
    status: optional<CheckoutStatus>({ type: 'string', enum: [...CHECKOUT_STATUSES] }),
    limit: { type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: 50 },
    offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 },
  },
};

const empty = EMPTY_SCHEMA;

export function compileCheckoutSchemas(body: Ajv, query: Ajv) {
  return {
    createInvoice: body.compile(createInvoice),
    listInvoices: query.compile(listInvoices),
    noQuery: query.compile(empty),
  };
}
export type CheckoutSchemas = ReturnType<typeof compileCheckoutSchemas>;
