import type { Ajv, JSONSchemaType } from 'ajv';
import { DECIMAL_SCHEMA, EMPTY_SCHEMA, optional } from '../validate.js';
import { PAYMENT_METHODS, type PaymentMethod } from '../../domain/invoice.js';
import { WEBHOOK_EVENTS } from '../../domain/events.js';

/** The v1 status words a list may filter on (seed 000). */
export const V1_STATUSES = ['draft', 'pending', 'partial', 'paid', 'confirmed', 'expired', 'cancelled'] as const;
export type V1Status = (typeof V1_STATUSES)[number];

/** Money and quantities: exact digits kept, the domain names the field in its errors. */
const decimal = DECIMAL_SCHEMA;
type Decimal = string | number;

const text = (maxLength: number) => ({ type: 'string', nullable: true, maxLength }) as const;
const currency: JSONSchemaType<string> = { type: 'string', pattern: '^[A-Za-z]{3}$' };
const paymentMethods: JSONSchemaType<PaymentMethod[]> = {
  type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...PAYMENT_METHODS] },
};
const metadata = { type: 'object', nullable: true, maxProperties: 50, required: [] } as const;

export interface CreateInvoiceBody {
  lines: { description: string; quantity: Decimal; unit_price: Decimal }[];
  customer_email?: string | null;
  customer_name?: string | null;
  customer_company?: string | null;
  currency?: string;
  notes?: string | null;
  tax_rate?: Decimal;
  discount_amount?: Decimal;
  payment_methods?: PaymentMethod[];
  metadata?: Record<string, unknown> | null;
}

const createInvoice: JSONSchemaType<CreateInvoiceBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['lines'],
  properties: {
    lines: {
      type: 'array',
      minItems: 1,
      maxItems: 500,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'quantity', 'unit_price'],
        properties: {
          description: { type: 'string', minLength: 1, maxLength: 1000 },
          quantity: decimal,
          unit_price: decimal,
        },
      },
    },
    customer_email: { type: 'string', nullable: true, format: 'email', maxLength: 320 },
    customer_name: text(200),
    customer_company: text(200),
    currency: optional<string>(currency),
    notes: text(5000),
    tax_rate: optional<Decimal>(decimal),
    discount_amount: optional<Decimal>(decimal),
    payment_methods: optional<PaymentMethod[]>(paymentMethods),
    metadata,
  },
};

export interface ListInvoicesQuery {
  status?: V1Status;
  limit: number;
  offset: number;
}

/** The seed's paging: limit up to 100 (default 50), offset from 0. */
const limit = { type: 'integer', minimum: 1, maximum: 100, default: 50 } as const;
const offset = { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 } as const;

const listInvoices: JSONSchemaType<ListInvoicesQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['limit', 'offset'],
  properties: { status: optional<V1Status>({ type: 'string', enum: [...V1_STATUSES] }), limit, offset },
};

export interface GetInvoiceQuery {
  include_payments: boolean;
}

const getInvoice: JSONSchemaType<GetInvoiceQuery> = {
  type: 'object',
  additionalProperties: false,
  required: ['include_payments'],
  properties: { include_payments: { type: 'boolean', default: false } },
};

export interface CreateLinkBody {
  title: string;
  slug?: string;
  description?: string | null;
  amount?: Decimal | null;
  min_amount?: Decimal | null;
  max_amount?: Decimal | null;
  currency?: string;
  payment_methods?: PaymentMethod[];
  redirect_url?: string | null;
  metadata?: Record<string, unknown> | null;
}

const createLink: JSONSchemaType<CreateLinkBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    slug: optional<string>({ type: 'string', minLength: 1, maxLength: 64 }),
    description: text(2000),
    // A decimal or null (the payer picks the amount).
    amount: { anyOf: [decimal, { type: 'null' }] } as never,
    // Till's own: the bounds of a payer-chosen amount.
    min_amount: { anyOf: [decimal, { type: 'null' }] } as never,
    max_amount: { anyOf: [decimal, { type: 'null' }] } as never,
    currency: optional<string>(currency),
    payment_methods: optional<PaymentMethod[]>(paymentMethods),
    redirect_url: { type: 'string', nullable: true, maxLength: 2000, pattern: '^https?://', format: 'uri' },
    metadata,
  },
};

export interface CreateWebhookBody {
  url: string;
  events?: string[];
  description?: string | null;
}

const createWebhook: JSONSchemaType<CreateWebhookBody> = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000 },
    events: optional<string[]>({ type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } }),
    description: text(500),
  },
};

export interface PageQuery {
  limit: number;
  offset: number;
}

const page: JSONSchemaType<PageQuery> = {
  type: 'object', additionalProperties: false, required: ['limit', 'offset'], properties: { limit, offset },
};

export interface MarkPaidBody {
  note?: string | null;
}

const markPaid: JSONSchemaType<MarkPaidBody> = {
  type: 'object',
  additionalProperties: false,
  properties: { note: text(500) },
};

const empty = EMPTY_SCHEMA;

export function compileV1Schemas(body: Ajv, query: Ajv) {
  return {
    createInvoice: body.compile(createInvoice),
    createLink: body.compile(createLink),
    createWebhook: body.compile(createWebhook),
    empty: body.compile(empty),
    markPaid: body.compile(markPaid),
    listInvoices: query.compile(listInvoices),
    getInvoice: query.compile(getInvoice),
    noQuery: query.compile(empty),
    page: query.compile(page),
  };
}
export type V1Schemas = ReturnType<typeof compileV1Schemas>;
