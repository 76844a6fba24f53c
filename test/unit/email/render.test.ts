import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Invoice } from '../../../src/domain/invoice.js';
import { renderInvoiceEmail, type RenderOptions } from '../../../src/notify/email/render.js';
import { fixture as readFixture, type Vectors } from '../../helpers/fixtures.js';

type Json = Record<string, unknown>;

interface RenderCase {
  event: string;
  patch?: Json;
  opts?: RenderOptions;
  subject?: string;
  text?: string[];
  notText?: string[];
  html?: string[];
  notHtml?: string[];
}

const BIGINT_FIELDS = ['subtotal', 'tax', 'discount', 'total', 'dueSats', 'paidSats'];

/** JSON cannot hold a bigint: the fixture writes money as strings. */
function toInvoice(raw: Json): Invoice {
  const inv: Json = { ...raw };
  for (const f of BIGINT_FIELDS) {
    const v = inv[f];
    if (typeof v === 'string') inv[f] = BigInt(v);
  }
  inv.lines = (raw.lines as Json[]).map((l) => ({
    ...l, unitPrice: BigInt(l.unitPrice as string), amount: BigInt(l.amount as string),
  }));
  return inv as unknown as Invoice;
}

/** Every case renders `invoice` with its `patch` applied. */
const fixture = readFixture<Vectors<RenderCase, never, { invoice: Json }>>('email', 'render');

describe('renderInvoiceEmail', () => {
  for (const c of fixture.valid) {
    describe(c.description, () => {
      const out = renderInvoiceEmail(c.event, toInvoice({ ...fixture.invoice, ...c.patch }), c.opts);

      if (c.subject !== undefined) {
        it('has the expected subject', () => expect(out.subject).to.equal(c.subject));
      }
      it('has a subject without control characters', () => {
        // eslint-disable-next-line no-control-regex -- looking for them
        expect(out.subject).not.to.match(/[\u0000-\u001f\u007f]/);
      });
      for (const s of c.text ?? []) it(`text has ${JSON.stringify(s)}`, () => expect(out.text).to.include(s));
      for (const s of c.notText ?? []) it(`text lacks ${JSON.stringify(s)}`, () => expect(out.text).not.to.include(s));
      for (const s of c.html ?? []) it(`html has ${JSON.stringify(s)}`, () => expect(out.html).to.include(s));
      for (const s of c.notHtml ?? []) it(`html lacks ${JSON.stringify(s)}`, () => expect(out.html).not.to.include(s));
      it('starts the text with one field per line: no forged Status line', () => {
        expect(out.text.match(/^Status:/gm)).to.have.length(1);
        expect(out.text.match(/^Received:/gm)).to.have.length(1);
      });
    });
  }

  it('never formats money through a float', () => {
    // 2^53 + 1 minor units would lose its last digit through a JS number.
    const inv = toInvoice({ ...fixture.invoice, total: '9007199254740993', dueSats: '2099999999999999' });
    const out = renderInvoiceEmail('invoice.paid', inv, {});
    expect(out.subject).to.equal('Invoice INV-0001 paid: 90071992547409.93 USD (20999999.99999999 BTC)');
  });

  it('falls back to the ref when the invoice has no number', () => {
    const out = renderInvoiceEmail('invoice.paid', toInvoice({ ...fixture.invoice, number: '' }), {});
    expect(out.subject).to.match(/^Invoice 9f3c2a1b7d4e5f60 paid: /);
  });

  it('the template engine escapes the five markup characters and nothing else', () => {
    const inv = toInvoice({ ...fixture.invoice, customerName: `<a href="x" title='y'>&amp;</a> é` });
    expect(renderInvoiceEmail('invoice.paid', inv, {}).html).to.include(
      '>Customer</th><td style="padding:2px 0">'
      + '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt; é</td>',
    );
  });

  describe('a hostile shop name, customer name and link', () => {
    const shopName = `<script>alert("shop")</script> & 'Co'`;
    const customerName = `<script>alert("x")</script> & O'Brien`;
    const invoiceUrl = `https://shop.example/i/1?a="><script>&b='`;
    const inv = toInvoice({ ...fixture.invoice, customerName });
    const out = renderInvoiceEmail('invoice.paid', inv, { shopName, invoiceUrl });
    const shopHtml = '&lt;script&gt;alert(&quot;shop&quot;)&lt;/script&gt; &amp; &#39;Co&#39;';

    it('are escaped in the HTML by the engine, in text and in attributes', () => {
      expect(out.html).to.include(`<title>[${shopHtml}] Invoice INV-0001 paid`);
      expect(out.html).to.include(`Sent by Till for ${shopHtml}.</p>`);
      expect(out.html).to.include(
        '>Customer</th><td style="padding:2px 0">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; O&#39;Brien</td>',
      );
      expect(out.html).to.include('<a href="https://shop.example/i/1?a=%22%3E%3Cscript%3E&amp;b=%27">View the invoice</a>');
      for (const raw of ['<script', '"shop"', `'Co'`, `O'Brien`, '&b=']) expect(out.html).not.to.include(raw);
    });

    it('stay as they are in the plain text and the subject', () => {
      expect(out.subject).to.equal(`[${shopName}] Invoice INV-0001 paid: 220.00 USD (0.00310460 BTC)`);
      expect(out.text).to.include(`\nCustomer:                ${customerName}\n`);
      expect(out.text).to.include(`Sent by Till for ${shopName}.`);
    });

    it('with no HTML escaper of our own anywhere in src/', () => {
      const src = new URL('../../../src/', import.meta.url);
      const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
      expect(files).to.include('notify/email/render.tsx');
      for (const f of files) {
        const code = readFileSync(new URL(f, src), 'utf8');
        expect(code, f).not.to.match(/escapeHtml|['"`]&(?:amp|lt|gt|quot|#39|#x27);['"`]/);
      }
    });
  });
});
