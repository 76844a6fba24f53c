import { TillError } from '../domain/errors.js';
import { isValidSlug, newRef, slugify } from '../domain/ids.js';
import { parseCurrency } from '../domain/currency.js';
import { parseMoney } from '../domain/money.js';
import type { PaymentMethod } from '../domain/invoice.js';
import type { Database } from '../db/connection.js';
import {
  deactivateLink, findActiveLinkBySlug, findLinkByRef, insertLink, listActiveLinks, listAllLinks, listLinkInvoices, slugTaken,
  slugTakenByOther, updateLink, type LinkInvoice, type PaymentLink,
} from '../db/payment-links.js';

export type { LinkInvoice, PaymentLink };

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
    /** The shop's default currency now (a setting the merchant may change while Till runs). */
    private readonly defaultCurrency: () => string,
    private readonly now: () => number,
  ) {}

  list(): Promise<PaymentLink[]> {
    return listActiveLinks(this.db.read);
  }

  /** The active link of this slug (the public page), or null. */
  bySlug(slug: string): Promise<PaymentLink | null> {
    return findActiveLinkBySlug(this.db.read, slug);
  }

  /** Every link, the deactivated ones too (the merchant's list). */
  listAll(): Promise<PaymentLink[]> {
    return listAllLinks(this.db.read);
  }

  async byRef(ref: string): Promise<PaymentLink> {
    const l = await findLinkByRef(this.db.read, ref);
    if (!l) throw new TillError('payment_link_not_found', `Payment link ${ref} not found`);
    return l;
  }

  /** The invoices a link made, newest first. */
  async invoicesOf(ref: string, page: { limit: number; offset: number }): Promise<{ invoices: LinkInvoice[]; total: number }> {
    const l = await this.byRef(ref);
    return listLinkInvoices(this.db.read, l.id, page);
  }

  /** The checks of a link's fields, the same for a new link and a changed one. */
  private checked(input: CreateLinkInput) {
    const title = input.title.trim();
    if (title === '') throw new TillError('validation_failed', 'title must not be blank');
    const currency = parseCurrency(input.currency ?? this.defaultCurrency(), 'currency');
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
    if (explicit && !isValidSlug(input.slug!)) {
      throw new TillError('validation_failed', 'slug must be 1 to 64 lower-case letters, digits and single dashes, not starting or ending with a dash');
    }
    return {
      title, explicit, currency, amount, minAmount, maxAmount,
      description: input.description ?? null,
      paymentMethods: input.paymentMethods ?? (['onchain_btc'] as PaymentMethod[]),
      redirectUrl: input.redirectUrl ?? null,
    };
  }

  async create(input: CreateLinkInput): Promise<PaymentLink> {
    const { explicit, ...f } = this.checked(input);
    const base = explicit ? input.slug! : slugify(f.title);
    if (!explicit && base === '') {
      throw new TillError('validation_failed', 'Cannot make a slug from this title: give one in "slug"');
    }
    const taken = (slug: string) => new TillError('slug_taken', `The slug "${slug}" is already used by an active payment link`);
    return this.db.tx(async (trx) => {
      // Another process may take the slug found free before this insert lands (the insert
      // then adds nothing): a derived slug moves on to the next variant, a given one is taken.
      for (let attempt = 0; ; attempt++) {
        let slug = base;
        if (await slugTaken(trx, slug)) {
          if (explicit) throw taken(slug);
          slug = await freeVariant(base, (s) => slugTaken(trx, s));
        }
        const link = await insertLink(trx, {
          ref: newRef(),
          slug,
          ...f,
          metadata: input.metadata ?? null,
          createdAt: this.now(),
        });
        if (link) return link;
        if (explicit || attempt >= 10) throw taken(slug);
      }
    });
  }

  /**
   * Changes an active link (by its ref), checked as a new one is; no `slug` keeps the
   * link's own. Invoices it already made keep their amounts.
   */
  async update(ref: string, input: Omit<CreateLinkInput, 'metadata'>): Promise<PaymentLink> {
    const { explicit, ...f } = this.checked(input);
    return this.db.tx(async (trx) => {
      const link = await findLinkByRef(trx, ref);
      if (!link || !link.isActive) throw new TillError('payment_link_not_found', `Payment link ${ref} not found`);
      const slug = explicit ? input.slug! : link.slug;
      if (slug !== link.slug && (await slugTakenByOther(trx, slug, link.id))) {
        throw new TillError('slug_taken', `The slug "${slug}" is already used by an active payment link`);
      }
      const patch = { ...f, slug };
      const done = await updateLink(trx, link.id, patch);
      if (done === 'gone') throw new TillError('payment_link_not_found', `Payment link ${ref} not found`);
      if (done === 'slug_taken') throw new TillError('slug_taken', `The slug "${slug}" is already used by an active payment link`);
      return { ...link, ...patch };
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
