import type { Child } from 'hono/jsx';
import { Document, Lines } from '../layout.js';
import type { PageAssets } from '../checkout/page.js';

/** What the link page shows: the link as the payer sees it, and the form's state. */
export interface LinkView {
  slug: string;
  shopName: string;
  title: string;
  description: string | null;
  currency: string;
  /** The fixed amount ("25.00"); null: the payer chooses. */
  amount: string | null;
  /** The payer-chosen bounds in the link's currency, when a rate was at hand. */
  min: string | null;
  max: string | null;
  /** What the payer typed, given back with an error. */
  entered: string;
  error: string | null;
}

function Head({ assets }: { assets: PageAssets }): Child {
  return (
    <>
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="data:," />
      <link rel="stylesheet" href={assets.css} />
    </>
  );
}

/** `/pay/<slug>`: the link's title and description, its amount or a field for one, and one button (a plain form). */
export function LinkPage({ v, assets }: { v: LinkView; assets: PageAssets }): Child {
  const bounds = v.min === null ? null : v.max !== null ? `From ${v.min} to ${v.max} ${v.currency}.` : `At least ${v.min} ${v.currency}.`;
  return (
    <Document title={`${v.shopName || 'Payment'}: ${v.title}`} lang="en" head={<Head assets={assets} />}>
      <main class="link">
        <header>
          {v.shopName ? <p class="number">{v.shopName}</p> : null}
          <h1>{v.title}</h1>
        </header>
        {v.description ? <p class="description"><Lines text={v.description} /></p> : null}
        <form method="post" action={`/pay/${v.slug}`} class="link-form" novalidate>
          {v.amount !== null ? (
            <p class="fixed">
              <span class="label">Amount</span>
              <strong id="amount">{v.amount} {v.currency}</strong>
            </p>
          ) : (
            <div class="field">
              <label for="amount-input">Amount ({v.currency})</label>
              <div class="with-unit">
                <input
                  id="amount-input"
                  name="amount"
                  type="text"
                  inputmode="decimal"
                  autocomplete="off"
                  required
                  value={v.entered}
                  aria-invalid={v.error ? 'true' : undefined}
                  aria-describedby={v.error ? 'amount-error amount-hint' : 'amount-hint'}
                />
                <span class="unit">{v.currency}</span>
              </div>
              {v.error ? <p id="amount-error" class="error" role="alert">{v.error}</p> : null}
              <p id="amount-hint" class="hint">{bounds ?? 'Enter the amount you want to pay.'}</p>
            </div>
          )}
          {v.amount !== null && v.error ? <p id="amount-error" class="error" role="alert">{v.error}</p> : null}
          <p class="submit">
            <button type="submit">Continue to payment</button>
          </p>
          <p class="hint">The next page shows the Bitcoin amount and address to pay, at a rate held for a few minutes.</p>
        </form>
      </main>
    </Document>
  );
}

/** A message page of the link routes (404, 429, 415, 500), in the page's style. */
export function LinkMessagePage({ title, text, assets }: { title: string; text: string; assets: PageAssets }): Child {
  return (
    <Document title={title} lang="en" head={<Head assets={assets} />}>
      <main>
        <h1>{title}</h1>
        <p>{text}</p>
      </main>
    </Document>
  );
}
