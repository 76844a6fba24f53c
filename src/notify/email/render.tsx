import { BTC } from '../../domain/currency.js';
import type { EventType } from '../../domain/events.js';
import type { Invoice, InvoiceException } from '../../domain/invoice.js';
import { formatBtc, formatMoney } from '../../domain/money.js';
import { Document, Lines } from '../../web/layout.js';
import { render } from '../../web/render.js';
import { oneLine } from './address.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderOptions {
  shopName?: string;
  /** Link to the invoice (admin or checkout page); only http(s) URLs are shown. */
  invoiceUrl?: string;
}

const EVENT_WORDS: Readonly<Record<string, string>> = {
  'invoice.created': 'created',
  'invoice.paid': 'paid',
  'invoice.confirmed': 'confirmed',
  'invoice.expired': 'expired',
  'invoice.cancelled': 'cancelled',
  'payment.received': 'payment received',
  'payment.confirmed': 'payment confirmed',
  'payment.reverted': 'payment reverted',
  'invoice.invalid': 'invalid',
};

const EXCEPTION_WORDS: Readonly<Record<InvoiceException, string>> = {
  paid_partial: 'partially paid',
  paid_over: 'overpaid',
  paid_late: 'paid late',
};

const MAX_SHOP_NAME = 60;

function eventWord(event: string, invoice: Invoice): string {
  const known = EVENT_WORDS[event];
  if (known === 'expired' && invoice.status === 'underpaid') return 'expired underpaid';
  if (known !== undefined) return known;
  // An event name Till does not know yet: show it, but only as a plain token.
  const token = event.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 40);
  return token === '' ? 'updated' : `updated (${token})`;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function safeUrl(text: string | undefined): string | null {
  if (text === undefined) return null;
  try {
    const u = new URL(text);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

function money(minor: bigint, currency: string): string {
  return `${formatMoney(minor, currency)} ${currency}`;
}

function btc(sats: bigint): string {
  return `${formatBtc(sats)} BTC`;
}

/** "220.00 USD (0.00310460 BTC)"; a BTC-priced invoice shows its amount once. */
function headlineAmount(inv: Invoice): string {
  const fiat = money(inv.total, inv.currency);
  return inv.currency !== BTC && inv.dueSats !== null ? `${fiat} (${btc(inv.dueSats)})` : fiat;
}

type Row = { label: string; value: string; multiline?: boolean; mono?: boolean };

function rows(inv: Invoice): Row[] {
  const out: Row[] = [];
  const add = (label: string, value: string | null, extra: Partial<Row> = {}): void => {
    if (value !== null && value !== '') out.push({ label, value, ...extra });
  };
  const exception = inv.exception === null ? '' : ` (${EXCEPTION_WORDS[inv.exception]})`;
  add('Status', `${inv.status}${exception}`);
  add('Total', money(inv.total, inv.currency));
  if (inv.tax !== 0n) add('Tax', `${money(inv.tax, inv.currency)} (${oneLine(inv.taxRate)}%)`);
  if (inv.discount !== 0n) add('Discount', money(inv.discount, inv.currency));
  add('Amount due', inv.dueSats === null ? null : btc(inv.dueSats));
  add('Received', btc(inv.paidSats));
  if (inv.rate !== null && inv.currency !== BTC) add('Rate', `1 BTC = ${oneLine(inv.rate)} ${inv.currency}`);
  add('Address', inv.address === null ? null : oneLine(inv.address), { mono: true });
  if (inv.dueSats !== null) add('Confirmations required', String(inv.requiredConfirmations));
  add('Customer', inv.customerName === null ? null : oneLine(inv.customerName));
  add('Customer email', inv.customerEmail === null ? null : oneLine(inv.customerEmail));
  add('Company', inv.customerCompany === null ? null : oneLine(inv.customerCompany));
  for (const line of inv.lines) {
    add('Item', `${oneLine(line.quantity)} × ${oneLine(line.description)}: ${money(line.amount, inv.currency)}`);
  }
  add('Notes', inv.notes === null ? null : inv.notes.trim(), { multiline: true });
  add('Created', iso(inv.createdAt));
  add('Quote expires', iso(inv.quoteExpiresAt));
  add('Paid', iso(inv.paidAt));
  add('Confirmed', iso(inv.confirmedAt));
  add('Expired', iso(inv.expiredAt));
  add('Cancelled', iso(inv.cancelledAt));
  return out;
}

// Values start in one fixed column, whatever rows an invoice has, so the text mail lines up.
const TEXT_COLUMN = 'Confirmations required:  '.length;

function textRow(r: Row): string {
  const head = `${r.label}:`.padEnd(TEXT_COLUMN);
  if (r.multiline !== true) return head + r.value;
  // Continuation lines are indented so a note cannot pass itself off as another field.
  const lines = r.value.split(/\r\n|\r|\n/).map((l) => oneLine(l));
  return head + lines.join(`\n${' '.repeat(TEXT_COLUMN)}`);
}

function HtmlRow({ row }: { row: Row }) {
  const value = row.multiline === true ? <Lines text={row.value} /> : row.value;
  return (
    <tr>
      <th align="left" valign="top" style="padding:2px 12px 2px 0">{row.label}</th>
      <td style="padding:2px 0">{row.mono === true ? <code>{value}</code> : value}</td>
    </tr>
  );
}

interface MailProps {
  subject: string;
  headline: string;
  table: Row[];
  url: string | null;
  footer: string;
}

function InvoiceMail({ subject, headline, table, url, footer }: MailProps) {
  return (
    <Document title={subject} bodyStyle="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#222">
      <h1 style="font-size:18px">{headline}</h1>
      <table cellspacing="0" cellpadding="0">
        {table.map((row) => <HtmlRow row={row} />)}
      </table>
      {url !== null && <p><a href={url}>View the invoice</a></p>}
      <p style="color:#777">{footer}</p>
    </Document>
  );
}

/**
 * The merchant's notification for an invoice event: subject, plain text and HTML. Every
 * value that came from an API caller is escaped in the HTML by the template engine and
 * flattened to one line where a line break could fake a field; the subject never carries
 * CR or LF. The plain text is plain: nothing in it is escaped.
 */
export function renderInvoiceEmail(
  event: EventType | string,
  invoice: Invoice,
  opts: RenderOptions = {},
): RenderedEmail {
  const number = oneLine(invoice.number) || oneLine(invoice.ref);
  const headline = `Invoice ${number} ${eventWord(event, invoice)}: ${headlineAmount(invoice)}`;
  const shop = opts.shopName === undefined ? '' : oneLine(opts.shopName).slice(0, MAX_SHOP_NAME);
  const subject = shop === '' ? headline : `[${shop}] ${headline}`;
  const url = safeUrl(opts.invoiceUrl);
  const table = rows(invoice);
  const footer = shop === '' ? 'Sent by Till.' : `Sent by Till for ${shop}.`;

  const text = [
    headline,
    '',
    ...table.map(textRow),
    ...(url === null ? [] : ['', `View the invoice: ${url}`]),
    '',
    footer,
    '',
  ].join('\n');

  const html = render(<InvoiceMail subject={subject} headline={headline} table={table} url={url} footer={footer} />, {
    doctype: true,
  });

  return { subject, text, html };
}
