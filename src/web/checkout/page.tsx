import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { Document, Lines } from '../layout.js';
import type { CheckoutView, PageState } from './view.js';

/** The assets the page links to, by their hashed names. */
export interface PageAssets {
  css: string;
  js: string;
}

/** Seconds between reloads of a page without JavaScript while the invoice is open. */
export const REFRESH_SECONDS = 5;

export const HEADLINES: Record<PageState, string> = {
  waiting: 'Waiting for your payment',
  partial: 'Partly paid',
  paid: 'Payment received, waiting for confirmation',
  confirmed: 'Payment confirmed',
  expired: 'This invoice has expired',
  underpaid: 'Underpaid: the time ran out',
  paid_late: 'Paid after the deadline',
  cancelled: 'This invoice was cancelled',
  invalid: 'The payment did not go through',
};

/** The status in words; a wire-only invoice waits for a bank transfer, not for bitcoin. */
export function headlineOf(v: Pick<CheckoutView, 'state' | 'wire'>): string {
  return v.wire?.only && v.state === 'waiting' ? 'Waiting for your bank transfer' : HEADLINES[v.state];
}

function Advice({ v }: { v: CheckoutView }): Child {
  switch (v.state) {
    case 'waiting':
      if (v.wire?.only) {
        return (
          <p>
            Transfer exactly <strong>{v.wire.amount}</strong> with <strong>{v.wire.reference}</strong> as the reference.
            The shop marks this invoice paid when the money arrives, and this page then says so.
          </p>
        );
      }
      return <p>Send exactly <strong>{v.dueBtc} BTC</strong> to the address below before the time runs out.</p>;
    case 'partial':
      return (
        <p>
          We received {v.paidBtc} BTC. Send the remaining <strong>{v.remainingBtc} BTC</strong> to the same address.
        </p>
      );
    case 'paid':
      return (
        <p>
          Your payment has arrived. Confirmations so far: {v.confirmations} of {v.requiredConfirmations}. Nothing more
          to send; you may close this page.
        </p>
      );
    case 'confirmed':
      return <p>Thank you, your payment is confirmed. Nothing more to do.</p>;
    case 'expired':
      return <p>Do not send anything to this invoice's address. Go back to the shop for a new invoice.</p>;
    case 'underpaid':
      return (
        <p>
          We received {v.paidBtc} of {v.dueBtc} BTC before the time ran out. Do not send more: contact the shop to
          settle the rest or to get a refund.
        </p>
      );
    case 'paid_late':
      return <p>Your payment arrived after the invoice expired. It is recorded: contact the shop to settle it.</p>;
    case 'cancelled':
      return <p>The shop cancelled this invoice. Do not pay it; contact the shop if you already did.</p>;
    case 'invalid':
      return <p>Your payment was replaced or reversed before it confirmed. Contact the shop before you pay again.</p>;
  }
}

function minutes(s: number): string {
  const m = Math.floor(s / 60);
  const r = s % 60;
  return `${m}:${String(r).padStart(2, '0')}`;
}

/** How to pay by bank transfer: the merchant's instructions, the amount and the reference. */
function Wire({ w }: { w: NonNullable<CheckoutView['wire']> }): Child {
  return (
    <section class="wire" aria-labelledby="wire-heading">
      <h2 id="wire-heading">{w.only ? 'Pay by bank transfer' : 'Or pay by bank transfer'}</h2>
      {w.instructions ? (
        <p class="bank">
          <Lines text={w.instructions} />
        </p>
      ) : (
        <p>Ask the shop for its bank details, and quote the reference below.</p>
      )}
      <dl class="fields">
        <dt>Amount</dt>
        <dd>
          <code>{w.amount}</code>
        </dd>
        <dt id="reference-label">Reference</dt>
        <dd class="copyable">
          <code id="reference" class="addr" aria-labelledby="reference-label">{w.reference}</code>
          <button type="button" class="copy" data-copy="reference" aria-label="Copy the reference" hidden>Copy</button>
        </dd>
      </dl>
    </section>
  );
}

/** The part of the page that changes with the invoice: re-rendered for status.json too. */
export function Live({ v, qrSvg }: { v: CheckoutView; qrSvg: string | null }): Child {
  return (
    <div id="live" class={`state-${v.state}`} data-state={v.state} data-open={v.open ? '1' : '0'} data-stamp={v.stamp}>
      <section class="status">
        <h2 id="headline">{headlineOf(v)}</h2>
        <Advice v={v} />
        {v.payUri && v.secondsLeft !== null ? (
          <p class="countdown">
            Time left:{' '}
            <time id="countdown" data-seconds={String(v.secondsLeft)} datetime={v.deadline ?? undefined}>
              {minutes(v.secondsLeft)}
            </time>
          </p>
        ) : null}
      </section>
      {v.payUri && v.address ? (
        <section class="pay" aria-label="Payment details">
          <a class="qr" href={v.payUri} aria-label="Open in your wallet">
            {qrSvg ? raw(qrSvg) : null}
          </a>
          <p class="hint">Scan the code, or tap it to open your wallet.</p>
          <dl class="fields">
            <dt>Amount{v.state === 'partial' ? ' remaining' : ''}</dt>
            <dd>
              <code id="amount">{v.state === 'partial' ? v.remainingBtc : v.dueBtc}</code> BTC
            </dd>
            <dt id="address-label">Address</dt>
            <dd class="copyable">
              <code id="address" class="addr" aria-labelledby="address-label">{v.address}</code>
              <button type="button" class="copy" data-copy="address" aria-label="Copy the address" hidden>Copy</button>
            </dd>
          </dl>
        </section>
      ) : null}
      {v.wire ? <Wire w={v.wire} /> : null}
      {(v.state === 'paid' || v.state === 'confirmed') && v.redirectUrl ? (
        <div class="back">
          <p>
            <a class="button" href={v.redirectUrl} rel="noreferrer">Back to the shop</a>
          </p>
          {v.returnInSeconds !== null ? (
            <p id="return" class="hint" data-seconds={String(v.returnInSeconds)} data-href={v.redirectUrl}>
              Taking you back to the shop in <span id="return-seconds">{String(v.returnInSeconds)}</span> seconds.{' '}
              <button type="button" id="stay" class="link" hidden>Stay on this page</button>
            </p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function CheckoutPage({ v, qrSvg, assets }: { v: CheckoutView; qrSvg: string | null; assets: PageAssets }): Child {
  const title = `${v.shopName || 'Payment'}: invoice ${v.number}`;
  return (
    <Document
      title={title}
      lang="en"
      head={
        <>
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <link rel="icon" href="data:," />
          {v.returnInSeconds !== null && v.redirectUrl ? (
            <noscript>
              <meta http-equiv="refresh" content={`${v.returnInSeconds};url=${v.redirectUrl}`} />
            </noscript>
          ) : v.open ? (
            <noscript>
              <meta http-equiv="refresh" content={String(REFRESH_SECONDS)} />
            </noscript>
          ) : null}
          <link rel="stylesheet" href={assets.css} />
          <script src={assets.js} defer data-events={`/i/${v.publicId}/events`} data-status={`/i/${v.publicId}/status.json`} />
        </>
      }
    >
      <main>
        <header>
          <h1>{v.shopName || 'Payment'}</h1>
          <p class="number">Invoice {v.number}</p>
        </header>
        <table class="lines">
          <caption class="sr">Items</caption>
          <thead class="sr">
            <tr><th scope="col">Item</th><th scope="col">Amount</th></tr>
          </thead>
          <tbody>
            {v.lines.map((l) => (
              <tr>
                <td>{l.quantity === '1' ? l.description : `${l.quantity} × ${l.description}`}</td>
                <td class="num">{l.amount} {v.currency}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td class="num">
                {v.dueBtc !== null ? (
                  <>
                    <strong>{v.dueBtc} BTC</strong>
                    {v.fiatTotal ? <span class="fiat">{v.fiatTotal}</span> : null}
                  </>
                ) : (
                  <strong>{v.fiatTotal}</strong>
                )}
              </td>
            </tr>
          </tfoot>
        </table>
        {v.rate ? <p class="rate">Rate locked at {v.rate} {v.currency} per BTC.</p> : null}
        <p id="announce" class="sr" role="status" aria-live="polite">{headlineOf(v)}</p>
        <Live v={v} qrSvg={qrSvg} />
      </main>
    </Document>
  );
}

export function NotFoundPage({ assets }: { assets: PageAssets }): Child {
  return (
    <Document
      title="Not found"
      lang="en"
      head={
        <>
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <link rel="stylesheet" href={assets.css} />
        </>
      }
    >
      <main>
        <h1>Page not found</h1>
        <p>There is no invoice here. Check the link the shop gave you.</p>
      </main>
    </Document>
  );
}

export function ErrorPage({ assets }: { assets: PageAssets }): Child {
  return (
    <Document title="Something went wrong" lang="en" head={<link rel="stylesheet" href={assets.css} />}>
      <main>
        <h1>Something went wrong</h1>
        <p>This page could not be shown just now. Try again in a moment; do not pay until it shows.</p>
      </main>
    </Document>
  );
}
