import type { Child } from 'hono/jsx';
import type { Invoice, InvoiceStatus } from '../../../domain/invoice.js';
import { formatBtc, formatMoney } from '../../../domain/money.js';
import { INVOICES_STYLESHEET } from './assets.js';

const TONE: Record<InvoiceStatus, '' | 'ok' | 'warn' | 'bad'> = {
  draft: '', pending: '', partial: 'warn', paid: 'ok', confirmed: 'ok',
  expired: 'bad', underpaid: 'warn', cancelled: 'bad', invalid: 'bad',
};

const EXCEPTION_TEXT: Record<NonNullable<Invoice['exception']>, string> = {
  paid_partial: 'paid partly', paid_over: 'paid over', paid_late: 'paid late',
};

/** The status as a chip, with the exception (paid over, late, partly) beside it. */
export function StatusChip({ status, exception }: Pick<Invoice, 'status' | 'exception'>): Child {
  return (
    <>
      <span class={TONE[status] ? `chip ${TONE[status]}` : 'chip'}>{status}</span>
      {exception ? <> <span class="chip warn">{EXCEPTION_TEXT[exception] ?? exception}</span></> : null}
    </>
  );
}

export function money(minor: bigint, currency: string): string {
  return `${formatMoney(minor, currency)} ${currency}`;
}

export function btc(sats: bigint | null): string {
  return sats === null ? '—' : `${formatBtc(sats)} BTC`;
}

/** The invoice pages' stylesheet (a body link: the shared layout's head has the admin one). */
export function InvoiceStyles(): Child {
  return <link rel="stylesheet" href={INVOICES_STYLESHEET.path} />;
}

/** Links to an invoice by its ref (what the API accepts too). */
export function invoicePath(ref: string): string {
  return `/admin/invoices/${encodeURIComponent(ref)}`;
}
