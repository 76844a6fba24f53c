import { expect } from 'chai';
import { SEED_INVOICE, startTill, type TestTill } from '../helpers/till.js';

const line = (over: Record<string, unknown>) => ({ description: 'Widget', quantity: 1, unit_price: '1.00', ...over });
const withLines = (...lines: unknown[]) => ({ currency: 'USD', lines });

/** Every body here must be refused with a 4xx JSON error and leave no row behind. */
const BAD_INVOICES: [string, unknown, RegExp][] = [
  ['no lines', { currency: 'USD' }, /lines is required/],
  ['empty lines', withLines(), /lines/],
  ['lines not an array', { lines: 'two widgets' }, /lines must be an array/],
  ['line not an object', withLines(5), /lines\[0\] must be an object/],
  ['line without description', withLines({ quantity: 1, unit_price: '1.00' }), /lines\[0\]\.description is required/],
  ['blank description', withLines(line({ description: '' })), /description/],
  ['line without quantity', withLines({ description: 'x', unit_price: '1' }), /quantity is required/],
  ['line without unit_price', withLines({ description: 'x', quantity: 1 }), /unit_price is required/],
  ['unknown line field', withLines(line({ sku: 'A1' })), /Unknown field lines\[0\]\.sku/],
  ['quantity as object', withLines(line({ quantity: { n: 1 } })), /quantity must be a decimal/],
  ['quantity as boolean', withLines(line({ quantity: true })), /quantity/],
  ['quantity as array', withLines(line({ quantity: [1] })), /quantity/],
  ['quantity null', withLines(line({ quantity: null })), /quantity/],
  ['zero quantity', withLines(line({ quantity: 0 })), /quantity/],
  ['negative quantity', withLines(line({ quantity: -1 })), /quantity/],
  ['negative price', withLines(line({ unit_price: '-5.00' })), /unit_price/],
  ['negative price as number', withLines(line({ unit_price: -5 })), /unit_price/],
  ['price with 3 decimals in USD', withLines(line({ unit_price: '1.001' })), /unit_price/],
  ['price 1e21', withLines(line({ unit_price: 1e21 })), /unit_price/],
  ['price "1e21"', withLines(line({ unit_price: '1e21' })), /unit_price/],
  ['huge price', withLines(line({ unit_price: '99999999999999999999999' })), /unit_price/],
  ['price over the maximum', withLines(line({ unit_price: '10000000000000.01' })), /unit_price/],
  ['line total over the maximum', withLines(line({ quantity: 1000000, unit_price: '9999999999.99' })), /lines\[0\]/],
  ['price NaN', withLines(line({ unit_price: 'NaN' })), /unit_price/],
  ['price Infinity', withLines(line({ unit_price: 'Infinity' })), /unit_price/],
  ['price hex', withLines(line({ unit_price: '0x10' })), /unit_price/],
  ['price with comma', withLines(line({ unit_price: '1,50' })), /unit_price/],
  ['price with spaces', withLines(line({ unit_price: ' 1.50' })), /unit_price/],
  ['price empty string', withLines(line({ unit_price: '' })), /unit_price/],
  ['price with currency sign', withLines(line({ unit_price: '$1.50' })), /unit_price/],
  ['quantity with 7 decimals', withLines(line({ quantity: '0.0000001' })), /quantity/],
  ['BTC price with 9 decimals', { currency: 'BTC', lines: [line({ unit_price: '0.000000001' })] }, /unit_price/],
  ['unknown currency', { currency: 'XYZ', lines: [line({})] }, /currency/],
  ['currency not 3 letters', { currency: 'US', lines: [line({})] }, /currency/],
  ['currency a number', { currency: 840, lines: [line({})] }, /currency must be a string/],
  ['tax_rate above 100', { ...withLines(line({})), tax_rate: 101 }, /tax_rate/],
  ['negative tax_rate', { ...withLines(line({})), tax_rate: -1 }, /tax_rate/],
  ['tax_rate a word', { ...withLines(line({})), tax_rate: 'ten' }, /tax_rate/],
  ['negative discount', { ...withLines(line({})), discount_amount: '-1.00' }, /discount_amount/],
  ['discount with 3 decimals', { ...withLines(line({})), discount_amount: '0.001' }, /discount_amount/],
  ['customer_email not an email', { ...withLines(line({})), customer_email: 'alice' }, /customer_email/],
  ['customer_name a number', { ...withLines(line({})), customer_name: 42 }, /customer_name must be/],
  ['customer_name too long', { ...withLines(line({})), customer_name: 'x'.repeat(201) }, /customer_name/],
  ['unknown payment method', { ...withLines(line({})), payment_methods: ['paypal'] }, /payment_methods/],
  ['empty payment methods', { ...withLines(line({})), payment_methods: [] }, /payment_methods/],
  ['metadata an array', { ...withLines(line({})), metadata: [1, 2] }, /metadata/],
  ['unknown top-level field', { ...SEED_INVOICE, amount: 5 }, /Unknown field amount/],
  ['body an array', [SEED_INVOICE], /must be a JSON object/],
  ['body a string', 'invoice', /must be a JSON object/],
  ['body null', null, /must be a JSON object/],
  ['too many lines', withLines(...Array.from({ length: 501 }, () => line({}))), /lines/],
  // PostgreSQL cannot store NUL in text: refused at the body, the same on either engine.
  ['a NUL in a line description', withLines(line({ description: 'a\u0000b' })), /NUL/],
  ['a NUL in notes', { ...withLines(line({})), notes: '\u0000' }, /NUL/],
  ['a NUL in a metadata key', { ...withLines(line({})), metadata: { 'k\u0000': 1 } }, /NUL/],
];

describe('v1 bad input', () => {
  let t: TestTill;
  before(async () => {
    t = await startTill();
  });
  after(async () => {
    await t.stop();
  });

  async function expectRefused(res: { status: number; body: any; headers: Headers }, status: number, message?: RegExp) {
    expect(res.status).to.equal(status);
    expect(res.headers.get('content-type')).to.match(/application\/json/);
    expect(res.body).to.be.an('object');
    expect(res.body.error).to.be.a('string').and.not.equal('');
    if (message) expect(res.body.error).to.match(message);
    expect(await t.count('invoices')).to.equal(0);
    expect(await t.count('invoice_lines')).to.equal(0);
    expect(await t.count('outbox')).to.equal(0);
  }

  for (const [name, body, message] of BAD_INVOICES) {
    it(`refuses an invoice with ${name}`, async () => {
      const res = await t.request('POST', '/api/v1/invoices', { raw: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      await expectRefused(res, 400, message);
    });
  }

  it('refuses a price whose literal a double would round (150.000000000000000001)', async () => {
    const raw = '{"lines":[{"description":"x","quantity":1,"unit_price":150.000000000000000001}]}';
    const res = await t.request('POST', '/api/v1/invoices', { raw, headers: { 'Content-Type': 'application/json' } });
    await expectRefused(res, 400, /unit_price/);
  });

  it('refuses an integer literal beyond 2^53 instead of rounding it', async () => {
    const raw = '{"lines":[{"description":"x","quantity":12345678901234567891,"unit_price":"1"}]}';
    const res = await t.request('POST', '/api/v1/invoices', { raw, headers: { 'Content-Type': 'application/json' } });
    await expectRefused(res, 400, /quantity/);
  });

  it('refuses a name sent as a huge number literal', async () => {
    const raw = '{"customer_name":1e400,"lines":[{"description":"x","quantity":1,"unit_price":"1"}]}';
    const res = await t.request('POST', '/api/v1/invoices', { raw, headers: { 'Content-Type': 'application/json' } });
    await expectRefused(res, 400, /customer_name/);
  });

  for (const [name, raw] of [
    ['truncated JSON', '{"lines": ['],
    ['trailing comma', '{"lines": [],}'],
    ['single quotes', "{'lines': []}"],
    ['duplicate keys', '{"currency":"USD","currency":"EUR","lines":[]}'],
    ['bare word', 'hello'],
    ['two documents', '{} {}'],
  ] as const) {
    it(`refuses malformed JSON: ${name}`, async () => {
      const res = await t.request('POST', '/api/v1/invoices', { raw, headers: { 'Content-Type': 'application/json' } });
      await expectRefused(res, 400, /Malformed JSON/);
    });
  }

  it('refuses an empty body', async () => {
    const res = await t.request('POST', '/api/v1/invoices', { raw: '', headers: { 'Content-Type': 'application/json' } });
    await expectRefused(res, 400, /body is required/);
  });

  it('refuses a body that is not declared JSON with 415', async () => {
    const res = await t.request('POST', '/api/v1/invoices', { raw: JSON.stringify(SEED_INVOICE), headers: { 'Content-Type': 'text/plain' } });
    await expectRefused(res, 415, /JSON/);
  });

  it('refuses an oversize body with 413 before reading it all', async () => {
    const big = JSON.stringify({ ...SEED_INVOICE, notes: 'x'.repeat(70_000) });
    const res = await t.request('POST', '/api/v1/invoices', { raw: big, headers: { 'Content-Type': 'application/json' } });
    await expectRefused(res, 413, /larger than/);
  });

  it('refuses a bad query string: unknown parameter, limit above 100, negative offset, unknown status', async () => {
    for (const [q, msg] of [
      ['limit=101', /limit/],
      ['limit=0', /limit/],
      ['limit=abc', /limit/],
      ['limit=1.5', /limit/],
      ['offset=-1', /offset/],
      ['status=paidish', /status must be one of/],
      ['sort=asc', /Unknown field sort/],
      ['limit=1&limit=2', /limit/],
      // Coerced to Infinity, which ajv's bounds let through and knex drops: an unbounded list.
      ['limit=Infinity', /limit/],
      [`limit=${'9'.repeat(400)}`, /limit/],
      ['offset=-Infinity', /offset/],
      ['offset=1e400', /offset/],
    ] as const) {
      const res = await t.request('GET', `/api/v1/invoices?${q}`);
      expect(res.status, q).to.equal(400);
      expect(res.body.error, q).to.match(msg);
    }
    const inc = await t.request('GET', '/api/v1/invoices/INV-0001?include_payments=maybe');
    expect(inc.status).to.equal(400);
  });

  it('refuses a body on finalize', async () => {
    await t.request('POST', '/api/v1/invoices', { body: SEED_INVOICE });
    const res = await t.request('POST', '/api/v1/invoices/INV-0001/finalize', { body: { rate: '1' } });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.match(/Unknown field rate/);
    await t.till.db.write('outbox').delete();
    await t.till.db.write('invoice_lines').delete();
    await t.till.db.write('invoices').delete();
  });

  it('answers 404 JSON for unknown endpoints and 405 JSON for a wrong method', async () => {
    const missing = await t.request('GET', '/api/v1/nothing-here');
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.match(/No such endpoint/);
    const root = await t.request('GET', '/nope', { key: null });
    expect(root.status).to.equal(404);
    const wrong = await t.request('PUT', '/api/v1/invoices', { body: {} });
    expect(wrong.status).to.equal(405);
    expect(wrong.headers.get('allow')).to.contain('POST');
    expect(wrong.body.error).to.match(/not allowed/);
  });

  it('never answers 500 to a flood of random bodies', async () => {
    const values: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}, [[]], { a: {} }, '1e21', -0, '٣'];
    let seed = 7;
    const pick = () => values[(seed = (seed * 1103515245 + 12345) % 2147483648) % values.length];
    for (let i = 0; i < 150; i++) {
      const body: Record<string, unknown> = {
        lines: [{ description: pick(), quantity: pick(), unit_price: pick() }],
        currency: pick(), tax_rate: pick(), discount_amount: pick(), metadata: pick(), customer_email: pick(),
      };
      const res = await t.request('POST', '/api/v1/invoices', { body });
      expect(res.status, JSON.stringify(body)).to.be.within(400, 499);
    }
    expect(await t.count('invoices')).to.equal(0);
  });
});

describe('v1 deeply nested JSON', () => {
  let t: TestTill;
  before(async () => {
    t = await startTill();
  });
  after(async () => {
    await t.stop();
  });

  const nested = (depth: number, open = '{"a":', close = '}', leaf = '1') => open.repeat(depth) + leaf + close.repeat(depth);
  const post = (raw: string) => t.request('POST', '/api/v1/invoices', { raw, headers: { 'Content-Type': 'application/json' } });
  const invoiceWithMetadata = (metadata: string) =>
    `{"currency":"USD","lines":[{"description":"x","quantity":1,"unit_price":"1.00"}],"metadata":${metadata}}`;

  for (const depth of [33, 100, 2_500, 5_000, 7_000]) {
    it(`refuses metadata nested ${depth} levels with a 400, not a stack overflow`, async () => {
      const res = await post(invoiceWithMetadata(nested(depth)));
      expect(res.status).to.equal(400);
      expect(res.body.code).to.equal('validation_failed');
      expect(res.body.error).to.match(/nested deeper than 32/);
      expect(await t.count('invoices')).to.equal(0);
    });
  }

  it('refuses 10,000 open brackets (no closing ones) and arrays nested 20,000 deep', async () => {
    for (const raw of ['['.repeat(10_000), nested(20_000, '[', ']'), `{"metadata":${nested(9_000, '[', ']')}}`]) {
      const res = await post(raw);
      expect(res.status).to.equal(400);
      expect(res.body.error).to.match(/nested deeper than 32/);
    }
  });

  it('takes metadata at the deepest allowed level and counts brackets inside strings as text', async () => {
    // The body object is level 1, metadata level 2: 31 more objects inside reach 32.
    const ok = await post(invoiceWithMetadata(nested(31)));
    expect(ok.status).to.equal(201);
    const deep = await post(invoiceWithMetadata(nested(32)));
    expect(deep.status).to.equal(400);
    const braces = await post(invoiceWithMetadata(JSON.stringify({ note: '{'.repeat(5_000) + '\\"[' + '['.repeat(5_000) })));
    expect(braces.status).to.equal(201);
    expect(braces.body.metadata.note).to.equal('{'.repeat(5_000) + '\\"[' + '['.repeat(5_000));
  });
});
