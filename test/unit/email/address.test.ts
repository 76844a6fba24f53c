import { expect } from 'chai';
import {
  headersProblem, isPlainAddress, oneLine, parseMailbox, plainAddressProblem,
} from '../../../src/notify/email/address.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { show } from './helpers.js';

const addresses = fixture<Vectors<{ value: string }, { value: string; message: string }>>('email', 'addresses');

describe('email addresses', () => {
  describe('plainAddressProblem / isPlainAddress', () => {
    for (const { description, value } of addresses.valid) {
      it(description, () => {
        expect(plainAddressProblem(value)).to.equal(null);
        expect(isPlainAddress(value)).to.equal(true);
      });
    }
    for (const { description, value, message } of addresses.invalid) {
      it(description, () => {
        expect(plainAddressProblem(value)).to.be.a('string').that.includes(message);
        expect(isPlainAddress(value)).to.equal(false);
      });
    }
    it('refuses non-strings and over-long addresses', () => {
      expect(isPlainAddress(42)).to.equal(false);
      expect(isPlainAddress(null)).to.equal(false);
      expect(plainAddressProblem(`${'a'.repeat(65)}@example.com`)).to.include('single plain address');
      expect(plainAddressProblem(`a@${'b'.repeat(250)}.com`)).to.include('at most 254');
    });
  });

  describe('parseMailbox', () => {
    it('reads a plain address and a named one', () => {
      expect(parseMailbox('till@shop.example')).to.deep.equal({ name: '', address: 'till@shop.example' });
      expect(parseMailbox(' Corner Shop, Ltd. <till@shop.example> ')).to.deep.equal({
        name: 'Corner Shop, Ltd.', address: 'till@shop.example',
      });
      expect(parseMailbox('<till@shop.example>')).to.deep.equal({ name: '', address: 'till@shop.example' });
    });
    for (const bad of [
      'Shop <till@shop.example>, other@evil.example',
      'Shop <till@shop.example>\r\nBcc: x@evil.example',
      '"Shop" <till@shop.example>',
      'Shop <a@b.example, c@d.example>',
      'Shop <till@shop.example',
      'nobody',
    ]) {
      it(`refuses ${show(bad)}`, () => {
        expect(parseMailbox(bad)).to.equal(null);
      });
    }
  });

  describe('headersProblem', () => {
    it('accepts ordinary extra headers', () => {
      expect(headersProblem({ 'X-Till-Invoice': 'INV-0001', 'List-Unsubscribe': '<https://x.example/u>' })).to.equal(null);
    });
    const bad: [Record<string, string>, string][] = [
      [{ 'X-A': 'ok\r\nBcc: victim@example.net' }, 'control characters'],
      [{ 'X-A': 'ok\nBcc: victim@example.net' }, 'control characters'],
      [{ 'X-A\r\nBcc': 'victim@example.net' }, 'is not valid'],
      [{ 'X A': 'v' }, 'is not valid'],
      [{ 'X:A': 'v' }, 'is not valid'],
      [{ '': 'v' }, 'is not valid'],
      [{ Bcc: 'victim@example.net' }, 'cannot be set'],
      [{ cc: 'victim@example.net' }, 'cannot be set'],
      [{ TO: 'victim@example.net' }, 'cannot be set'],
      [{ From: 'ceo@bank.example' }, 'cannot be set'],
      [{ 'Content-Type': 'text/html' }, 'cannot be set'],
      [{ 'X-A': 'x'.repeat(999) }, 'too long'],
    ];
    for (const [headers, message] of bad) {
      it(`refuses ${show(headers)}`, () => {
        expect(headersProblem(headers)).to.be.a('string').that.includes(message);
      });
    }
  });

  it('oneLine turns runs of control characters into one space', () => {
    expect(oneLine('  a\r\n\tb\u2028c\u0000 ')).to.equal('a b c');
  });
});
