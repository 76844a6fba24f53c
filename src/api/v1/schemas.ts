import type { Ajv } from 'ajv';
import { PAYMENT_METHODS, type PaymentMethod } from '../../domain/invoice.js';
import { WEBHOOK_EVENTS } from '../../domain/events.js';

/** The v1 status words a list may filter on (seed 000). */
export const V1_STATUSES = ['draft', 'pending', 'partial', 'paid', 'confirmed', 'expired', 'cancelled'] as const;
export type V1Status = (typeof V1_STATUSES)[number];

const text = (maxLength: number) => ({ type: ['string', 'null'], maxLength });
const decimal = { decimal: true };
const currency = { type: 'string', pattern: '^[A-Za-z]{3}$' };
const paymentMethods = { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: [...PAYMENT_METHODS] } };
const metadata = { type: ['object', 'null'], maxProperties: 50 };

export interface CreateInvoiceBody {
  lines: { description: string; quantity: unknown; unit_price: unknown }[];
  customer_email?: string | null;
  customer_name?: string | null;
  customer_company?: string | null;
  currency?: string;
  notes?: string | null;
  tax_rate?: unknown;
  discount_amount?: unknown;
  payment_methods?: PaymentMethod[];
  metadata?: Record<string, unknown> | null;
}

const createInvoice = {
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
    customer_email: { anyOf: [{ type: 'string', format: 'email', maxLength: 320 }, { type: 'null' }] },
    customer_name: text(200),
    customer_company: text(200),
    currency,
    notes: text(5000),
    tax_rate: decimal,
    discount_amount: decimal,
    payment_methods: paymentMethods,
    metadata,
  },
};

export interface ListInvoicesQuery {
  status?: V1Status;
  limit: number;
  offset: number;
}

/** The seed's paging: limit up to 100 (default 50), offset from 0. */
const paging = {
  limit: { type: 'integer', minimum: 1, maximum: 100, default: 50 },
  offset: { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 },
};

const listInvoices = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: [...V1_STATUSES] }, ...paging },
};

export interface GetInvoiceQuery {
  include_payments: boolean;
}

const getInvoice = {
  type: 'object',
  additionalProperties: false,
  properties: { include_payments: { type: 'boolean', default: false } },
};

export interface CreateLinkBody {
  title: string;
  slug?: string;
  description?: string | null;
  amount?: unknown;
  currency?: string;
  payment_methods?: PaymentMethod[];
  redirect_url?: string | null;
  metadata?: Record<string, unknown> | null;
}

const createLink = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: {
    title: { type: 'string', minLength: 1, maxLength: 200 },
    slug: { type: 'string', minLength: 1, maxLength: 64 },
    description: text(2000),
    amount: { anyOf: [decimal, { type: 'null' }] },
    currency,
    payment_methods: paymentMethods,
    redirect_url: { anyOf: [{ type: 'string', maxLength: 2000, pattern: '^https?://', format: 'uri' }, { type: 'null' }] },
    metadata,
  },
};

export interface CreateWebhookBody {
  url: string;
  events?: string[];
  description?: string | null;
}

const createWebhook = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 2000 },
    events: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', enum: [...WEBHOOK_EVENTS] } },
    description: text(500),
  },
};

export interface PageQuery {
  limit: number;
  offset: number;
}

const page = { type: 'object', additionalProperties: false, properties: paging };

export interface MarkPaidBody {
  note?: string | null;
}

const markPaid = {
  type: 'object',
  additionalProperties: false,
  properties: { note: { type: ['string', 'null'], maxLength: 500 } },
};

const empty = { type: 'object', additionalProperties: false, properties: {} };

export function compileV1Schemas(body: Ajv, query: Ajv) {
  return {
    createInvoice: body.compile<CreateInvoiceBody>(createInvoice),
    createLink: body.compile<CreateLinkBody>(createLink),
    createWebhook: body.compile<CreateWebhookBody>(createWebhook),
    empty: body.compile<Record<string, never>>(empty),
    markPaid: body.compile<MarkPaidBody>(markPaid),
    listInvoices: query.compile<ListInvoicesQuery>(listInvoices),
    getInvoice: query.compile<GetInvoiceQuery>(getInvoice),
    noQuery: query.compile<Record<string, never>>(empty),
    page: query.compile<PageQuery>(page),
  };
}
export type V1Schemas = ReturnType<typeof compileV1Schemas>;
