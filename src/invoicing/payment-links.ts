import { TillError } from '../domain/errors.js';
import { isValidSlug, newRef, slugify } from '../domain/ids.js';
import { parseCurrency } from '../domain/currency.js';
import { parseMoney } from '../domain/money.js';
import type { PaymentMethod } from '../domain/invoice.js';
import type { Database } from '../db/connection.js';
import { deactivateLink, findActiveLinkBySlug, insertLink, listActiveLinks, slugTaken, type PaymentLink } from '../db/payment-links.js';

export type { PaymentLink };

export interface CreateLinkInput {
  title: string;
  slug?: string;
  description?: string | null;
  amount?: unknown;
  /** Bounds of a payer-chosen amount (decimals in the link's currency); only with no `amount`. */
  minAmount?: unknown;
  maxAmount?: unknown;
  currency?: string;
  paymentMethods?: PaymentMethod[];
  redirectUrl?: string | null;
  metadata?: Record<string, unknown> | null;
}

/**
 * Payment links: a reusable public page (`/pay/<slug>`) that makes an invoice for
 * whoever opens it. Slugs come from the title when not given and stay unique among
 * active links; deleting a link only deactivates it.
 */
export class PaymentLinkService {
  constructor(
    private readonly db: Database,
    private readonly defaultCurrency: string,
    private readonly now: () => number,
  ) {}

  list(): Promise<PaymentLink[]> {
    return listActiveLinks(this.db.read);
  }

  /** The active link of this slug (the public page), or null. */
  bySlug(slug: string): Promise<PaymentLink | null> {
    return findActiveLinkBySlug(this.db.read, slug);
  }

  async create(input: CreateLinkInput): Promise<PaymentLink> {
    const title = input.title.trim();
    if (title === '') throw new TillError('validation_failed', 'title must not be blank');
    const currency = parseCurrency(input.currency ?? this.defaultCurrency, 'currency');
    const amount =
      input.amount === undefined || input.amount === null
        ? null
        : parseMoney(input.amount, currency, 'amount', { allowZero: false });
    const bound = (v: unknown, field: string) =>
      v === undefined || v === null ? null : parseMoney(v, currency, field, { allowZero: false });
    const minAmount = bound(input.minAmount, 'min_amount');
    const maxAmount = bound(input.maxAmount, 'max_amount');
    if (amount !== null && (minAmount !== null || maxAmount !== null)) {
      throw new TillError('validation_failed', 'min_amount and max_amount bound a payer-chosen amount: give them only with "amount": null');
    }
    if (minAmount !== null && maxAmount !== null && minAmount > maxAmount) {
      throw new TillError('validation_failed', 'min_amount must not be more than max_amount');
    }
    const explicit = input.slug !== undefined;
    const base = explicit ? input.slug! : slugify(title);
    if (explicit && !isValidSlug(base)) {
      throw new TillError('validation_failed', 'slug must be 1 to 64 lower-case letters, digits and single dashes, not starting or ending with a dash');
    }
    if (!explicit && base === '') {
      throw new TillError('validation_failed', 'Cannot make a slug from this title: give one in "slug"');
    }
    return this.db.tx(async (trx) => {
      let slug = base;
      if (await slugTaken(trx, slug)) {
        if (explicit) throw new TillError('slug_taken', `The slug "${slug}" is already used by an active payment link`);
        slug = await freeVariant(base, (s) => slugTaken(trx, s));
      }
      return insertLink(trx, {
        ref: newRef(),
        slug,
        title,
        description: input.description ?? null,
        amount,
        minAmount,
        maxAmount,
        currency,
        paymentMethods: input.paymentMethods ?? ['onchain_btc'],
        redirectUrl: input.redirectUrl ?? null,
        metadata: input.metadata ?? null,
        createdAt: this.now(),
      });
    });
  }

  async remove(slug: string): Promise<void> {
    const done = await this.db.tx((trx) => deactivateLink(trx, slug, this.now()));
    if (!done) throw new TillError('payment_link_not_found', `Payment link ${slug} not found`);
  }
}

/** "donate" taken → "donate-2", "donate-3", … within the 64-character limit. */
async function freeVariant(base: string, taken: (s: string) => Promise<boolean>): Promise<string> {
  for (let n = 2; n < 10_000; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, 64 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!(await taken(candidate))) return candidate;
  }
  throw new TillError('slug_taken', `No free slug near "${base}": give one in "slug"`);
}
