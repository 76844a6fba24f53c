import { expect } from 'chai';
import { parseFormBody } from '../../src/api/body.js';
import { RateLimiter } from '../../src/api/rate-limit.js';
import { emailWanted, IPN_EVENTS, ipnWanted, renderIpn } from '../../src/api/bitpay/notifications.js';
import { bitpayStatus, btcText, depthOf } from '../../src/api/bitpay/present.js';
import { basicKey, errorType } from '../../src/api/bitpay/routes.js';
import { flagValue } from '../../src/api/bitpay/schemas.js';
import type { TillContext } from '../../src/api/state.js';
import { EVENT_TYPES } from '../../src/domain/events.js';
import { newBitpayToken } from '../../src/domain/ids.js';
import { TillError } from '../../src/domain/errors.js';
import { fixture, type Vectors } from '../helpers/fixtures.js';

const ipn = fixture<Vectors<{ event: string; ipnFull: boolean; ipnDefault: boolean; email: boolean }, { event: string }>>('bitpay', 'ipn-events');

describe('BitPay: which events become IPNs (one table, from its fixture)', () => {
  for (const c of ipn.valid) {
    it(c.description, () => {
      expect(ipnWanted(c.event, true), 'with fullNotifications').to.equal(c.ipnFull);
      expect(ipnWanted(c.event, false), 'without fullNotifications').to.equal(c.ipnDefault);
      expect(emailWanted(c.event), 'notificationEmail').to.equal(c.email);
    });
  }
  for (const c of ipn.invalid) {
    it(c.description, () => {
      expect(ipnWanted(c.event, true)).to.equal(false);
      expect(ipnWanted(c.event, false)).to.equal(false);
      expect(emailWanted(c.event)).to.equal(false);
    });
  }
  it('the table and the fixture cover every event, and only those', () => {
    expect(Object.keys(IPN_EVENTS).sort()).to.deep.equal([...EVENT_TYPES].sort());
    expect(ipn.valid.map((c) => c.event).sort()).to.deep.equal([...EVENT_TYPES].sort());
  });
});

describe('BitPay: amounts, statuses, credentials', () => {
  it('prints BTC with six decimals, more only where the satoshis need them', () => {
    expect(btcText(6_903_200n)).to.equal('0.069032');
    expect(btcText(0n)).to.equal('0.000000');
    expect(btcText(6_903_218n)).to.equal('0.06903218');
    expect(btcText(6_903_210n)).to.equal('0.0690321');
    expect(btcText(2_100_000_000_000_000n)).to.equal('21000000.000000');
    expect(btcText(1n)).to.equal('0.00000001');
  });

  it('complete once the amount due is six blocks deep, confirmed before', () => {
    expect(bitpayStatus({ status: 'confirmed' }, 5)).to.equal('confirmed');
    expect(bitpayStatus({ status: 'confirmed' }, 6)).to.equal('complete');
    expect(bitpayStatus({ status: 'paid' }, 6)).to.equal('paid');
    expect(bitpayStatus({ status: 'partial' }, 0)).to.equal('new');
    expect(bitpayStatus({ status: 'cancelled' }, 0)).to.equal('invalid');
    expect(bitpayStatus({ status: 'draft' }, 0)).to.equal(null);
  });

  it('depth: the deepest standing payments that cover the amount due; replaced money and extra money do not count', () => {
    const p = (sats: bigint, confirmations: number, status = 'confirmed') => ({ payment: { sats, status: status as 'confirmed' }, confirmations });
    expect(depthOf([p(100n, 7)], 100n)).to.equal(7);
    expect(depthOf([p(60n, 9), p(40n, 2)], 100n)).to.equal(2);
    expect(depthOf([p(100n, 9), p(50n, 1)], 100n)).to.equal(9);
    expect(depthOf([p(100n, 9, 'replaced'), p(100n, 0, 'mempool')], 100n)).to.equal(0);
    expect(depthOf([p(99n, 3)], 100n)).to.equal(3);
    expect(depthOf([p(50n, 3)], 100n)).to.equal(0);
    expect(depthOf([], null)).to.equal(0);
  });

  it('flags from form text (the route writes JSON booleans as their text first)', () => {
    expect((['true', '1'] as const).map(flagValue)).to.deep.equal([true, true]);
    expect((['false', '0'] as const).map(flagValue)).to.deep.equal([false, false]);
    expect(flagValue(undefined)).to.equal(undefined);
  });

  it('reads HTTP Basic: the key as user name, an empty password or none', () => {
    const ctx = (auth: string) => ({ get: (h: string) => (h === 'Authorization' ? auth : '') }) as unknown as TillContext;
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(basicKey(ctx(`Basic ${b64('till_abc:')}`))).to.equal('till_abc');
    expect(basicKey(ctx(`basic ${b64('till_abc')}`))).to.equal('till_abc');
    expect(basicKey(ctx(`Bearer till_abc`))).to.equal(null);
    expect(basicKey(ctx(''))).to.equal(null);
    expect(basicKey(ctx(`Basic ${b64(':')}`))).to.equal(null);
    expect(() => basicKey(ctx(`Basic ${b64('till_abc:secret')}`))).to.throw(TillError, /empty password/);
  });

  it('error types: BitPay words where it had them, the code in camelCase otherwise', () => {
    expect(errorType('validation_failed')).to.equal('validationError');
    expect(errorType('invoice_not_found')).to.equal('notFound');
    expect(errorType('rate_limited')).to.equal('rateLimited');
    expect(errorType('unauthorized')).to.equal('unauthorized');
  });

  it('a token is 65 base58 characters, like the seed\'s, and never the same twice', () => {
    const a = newBitpayToken();
    expect(a).to.match(/^[1-9A-HJ-NP-Za-km-z]{65}$/);
    expect(newBitpayToken()).to.not.equal(a);
    expect(newBitpayToken(() => new Uint8Array(47))).to.equal('1'.repeat(65));
  });
});

describe('form bodies', () => {
  it('reads every value as its text, refuses a name given twice', () => {
    expect(parseFormBody('price=20.00&currency=USD&posData=%7B%22a%22%3A1%7D&x=')).to.deep.equal({
      price: '20.00', currency: 'USD', posData: '{"a":1}', x: '',
    });
    expect(() => parseFormBody('price=1&price=2')).to.throw(TillError, /price is given more than once/);
  });

  it('a __proto__ field is a field, not a prototype', () => {
    const body = parseFormBody('__proto__=x&price=1');
    expect(Object.getPrototypeOf(body)).to.equal(Object.prototype);
    expect(Object.keys(body)).to.deep.equal(['__proto__', 'price']);
  });
});

describe('RateLimiter with an hour window (BitPay: 100 invoices per hour per key)', () => {
  it('admits 100 in an hour, the 101st after the first is an hour old', () => {
    let t = 0;
    const rl = new RateLimiter(100, () => t, 3_600_000);
    for (let i = 0; i < 100; i++) {
      t = i * 30_000;
      expect(rl.take(1).allowed, `invoice ${i}`).to.equal(true);
    }
    const refused = rl.take(1);
    expect(refused).to.include({ allowed: false, retryAfterS: 3600 - 2970 });
    expect(rl.take(2).allowed, 'another key').to.equal(true);
    t = 3_600_000;
    expect(rl.take(1).allowed).to.equal(true);
    expect(rl.take(1).allowed).to.equal(false);
  });
});

describe('an IPN', () => {
  const snapshot = {
    id: 7, version: 3, seq: 7, number: 'INV-0007', ref: 'AAAAAAAA-BBBBBBBB', publicId: '00000000-0000-4000-8000-000000000000',
    bitpayId: '7MxRGVuBC1XvV138b3AqAR', status: 'confirmed', exception: 'paid_over', currency: 'USD',
    subtotal: '2000', taxRate: '0', tax: '0', discount: '0', total: '2000', rate: '289.72', dueSats: '6903218', paidSats: '7000000',
    requiredConfirmations: 6, addressId: 1, address: 'bcrt1qexample', dialect: 'bitpay', metadata: null,
    dialectData: { posData: 'p', token: 'T', fullNotifications: true },
    pageBase: 'https://pay.example',
    createdAt: 1_000, quoteExpiresAt: 901_000, markedPaidAt: null, lines: [],
  };

  it('is the invoice object as it was, at the event\'s time, complete when its own target was six blocks', () => {
    const r = renderIpn({ type: 'invoice.confirmed', invoiceId: 7, payload: { invoice: snapshot }, createdAt: 5_000 });
    expect(r.headers).to.deep.equal({ 'Content-Type': 'application/json' });
    expect(r.body).to.contain('"rate":289.72').and.contain('"price":20,');
    const body = JSON.parse(r.body);
    expect(body).to.deep.include({
      url: 'https://pay.example/i/00000000-0000-4000-8000-000000000000', posData: 'p', status: 'complete', btcPrice: '0.06903218',
      btcDue: '0.000000', btcPaid: '0.070000', exceptionStatus: 'paidOver', currentTime: 5_000, invoiceTime: 1_000,
      expirationTime: 901_000, id: '7MxRGVuBC1XvV138b3AqAR', token: 'T',
    });
    expect(body.paymentUrls).to.deep.equal({ BIP21: 'bitcoin:bcrt1qexample?amount=0.06903218' });
  });

  it('says confirmed when the invoice asked for fewer than six', () => {
    const r = renderIpn({ type: 'invoice.confirmed', invoiceId: 7, payload: { invoice: { ...snapshot, requiredConfirmations: 1 } }, createdAt: 5_000 });
    expect(JSON.parse(r.body).status).to.equal('confirmed');
  });
});
