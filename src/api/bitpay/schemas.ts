import type { Ajv, JSONSchemaType } from 'ajv';
import { DECIMAL_SCHEMA, EMPTY_SCHEMA, optional } from '../validate.js';

/** Seed 004's transactionSpeed words and the confirmations each asks for. */
export const TRANSACTION_SPEEDS = { high: 0, medium: 1, low: 6 } as const;
export type TransactionSpeed = keyof typeof TRANSACTION_SPEEDS;

/** The buyer fields, shown on the invoice and kept with it (each at most 100 characters). */
export const BUYER_FIELDS = [
  'buyerName', 'buyerAddress1', 'buyerAddress2', 'buyerCity', 'buyerState', 'buyerZip', 'buyerCountry', 'buyerEmail', 'buyerPhone',
] as const;
export type BuyerField = (typeof BUYER_FIELDS)[number];

/** The seed's limit for posData, orderID, itemDesc, itemCode and each buyer field. */
export const MAX_TEXT = 100;

/** The request's yes/no fields. */
export const FLAG_FIELDS = ['fullNotifications', 'physical'] as const;

/**
 * A flag as the schema sees it: its text, as a form sends it ("true", "false", or PHP's
 * "1" and "0"); the route writes a JSON boolean as its text first, so JSON and form
 * bodies go through the same schema.
 */
export type Flag = 'true' | 'false' | '1' | '0';
const flag: JSONSchemaType<Flag> = { type: 'string', enum: ['true', 'false', '1', '0'] };

export function flagValue(f: Flag | undefined): boolean | undefined {
  return f === undefined ? undefined : f === 'true' || f === '1';
}

/**
 * price: a JSON number or a string ("20.00" — a form's only kind of value), its exact
 * digits kept by the `decimal` keyword and parsed to minor units by the domain.
 */
const decimal = DECIMAL_SCHEMA;

const text = optional<string>({ type: 'string', minLength: 1, maxLength: MAX_TEXT });

export type CreateInvoiceBody = {
  price: string | number;
  currency: string;
  posData?: string;
  notificationURL?: string;
  transactionSpeed?: TransactionSpeed;
  fullNotifications?: Flag;
  notificationEmail?: string;
  redirectURL?: string;
  orderID?: string;
  itemDesc?: string;
  itemCode?: string;
  physical?: Flag;
} & { [K in BuyerField]?: string };

/**
 * Seed 004's request. Fields it does not name are ignored, as BitPay did: old clients
 * send extras (a plugin's version, a `guid`) and must not be refused for them.
 */
const createInvoice: JSONSchemaType<CreateInvoiceBody> = {
  type: 'object',
  required: ['price', 'currency'],
  properties: {
    price: decimal,
    currency: { type: 'string', pattern: '^[A-Za-z]{3}$' },
    posData: text,
    notificationURL: optional<string>({ type: 'string', maxLength: 2000 }),
    transactionSpeed: optional<TransactionSpeed>({ type: 'string', enum: ['high', 'medium', 'low'] }),
    fullNotifications: optional<Flag>(flag),
    notificationEmail: optional<string>({ type: 'string', format: 'email', maxLength: 320 }),
    redirectURL: optional<string>({ type: 'string', maxLength: 2000, pattern: '^https?://', format: 'uri' }),
    orderID: text,
    itemDesc: text,
    itemCode: text,
    physical: optional<Flag>(flag),
    buyerName: text,
    buyerAddress1: text,
    buyerAddress2: text,
    buyerCity: text,
    buyerState: text,
    buyerZip: text,
    buyerCountry: text,
    buyerEmail: text,
    buyerPhone: text,
  },
};

const empty = EMPTY_SCHEMA;

export function compileBitpaySchemas(body: Ajv, query: Ajv) {
  return {
    createInvoice: body.compile(createInvoice),
    /** BitPay's routes take no query string: anything there is refused, as in v1. */
    noQuery: query.compile(empty),
  };
}
export type BitpaySchemas = ReturnType<typeof compileBitpaySchemas>;
