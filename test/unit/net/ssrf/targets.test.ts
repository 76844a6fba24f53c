import { expect } from 'chai';
import { AllowList, assertConnectable, checkWebhookTarget, parseTarget, redactUrl, SsrfError } from '../../../../src/net/ssrf/index.js';
import {
  connectTimeCheck, expectTillValidation, fixtureResolver, rejection, thrown, type DnsAnswer,
} from './helpers.js';
import { fixture, type Vectors } from '../../../helpers/fixtures.js';

interface TargetRow extends DnsAnswer {
  url: string;
  host: string;
}

/** Invalid: refused for `reason` at save and connect time, or (malformed) not a usable URL at all. */
const targets = fixture<Vectors<TargetRow, (TargetRow & { reason: string; malformed?: undefined }) | { url: string; message: string; malformed: true }>>(
  'ssrf',
  'targets',
);
const none = AllowList.parse([]);

describe('ssrf/targets', () => {
  describe('URLs that pass', () => {
    for (const row of targets.valid) {
      it(row.description, async () => {
        expect(parseTarget(row.url).host).to.equal(row.host);
        const resolve = fixtureResolver(row);
        const saved = await checkWebhookTarget(row.url, { allow: none, resolve });
        expect(saved.viaProxy).to.equal(false);
        expect(saved.url.href).to.equal(new URL(row.url).href);
        // A literal never goes to DNS; a name always does.
        expect(resolve.calls).to.deep.equal(row.resolves === undefined ? [] : [row.host]);
        const connect = await connectTimeCheck(row.url, none, resolve);
        expect(connect.addresses.map((a) => a.address)).to.deep.equal(row.resolves ?? []);
      });
    }
  });

  describe('URLs refused at save time and at connect time', () => {
    for (const row of targets.invalid) {
      if (row.malformed) continue;
      it(row.description, async () => {
        expect(parseTarget(row.url).host).to.equal(row.host);
        const resolve = fixtureResolver(row);
        const err = await rejection(checkWebhookTarget(row.url, { allow: none, resolve }));
        expectTillValidation(err, row.reason);
        const named = row.resolves !== undefined || row.resolveError !== undefined;
        expect(resolve.calls).to.deep.equal(named ? [row.host] : []);

        const connectErr = await rejection(connectTimeCheck(row.url, none, resolve));
        if (row.resolveError !== undefined || row.resolves?.length === 0) {
          // Nothing to connect to is a DNS failure, not a refusal.
          expect(connectErr.code).to.equal('ENOTFOUND');
        } else {
          expect(connectErr).to.be.instanceOf(SsrfError);
          expect(connectErr.code).to.equal('ESSRF');
          // The save-time reason, minus the advice for the operator, names the same problem.
          expect(connectErr.message).to.contain(row.reason.replace(/^(points to|resolves to) /, '').split(';')[0]);
        }
      });
    }
  });

  describe('malformed or non-http(s) URLs', () => {
    for (const row of targets.invalid) {
      if (!row.malformed) continue;
      const { url, message } = row;
      it(row.description, async () => {
        expectTillValidation(thrown(() => parseTarget(url)), message);
        const resolve = fixtureResolver({ resolves: ['93.184.215.14'] });
        expectTillValidation(await rejection(checkWebhookTarget(url, { allow: none, resolve })), message);
        expect(resolve.calls).to.deep.equal([]);
        const connectErr = thrown(() => assertConnectable(url, none));
        expect(connectErr).to.be.instanceOf(SsrfError);
        expect(connectErr.message).to.contain(message);
      });
    }
  });

  describe('host kinds', () => {
    const cases: [string, string][] = [
      ['http://93.184.215.14/', 'ip'], ['http://[::1]/', 'ip'], ['http://localhost/', 'localhost'],
      ['http://x.localhost./', 'localhost'], ['http://printer.local/', 'mdns'], ['http://local/', 'mdns'],
      ['http://abc.onion/', 'onion'], ['http://ONION./', 'onion'], ['https://shop.example/', 'name'],
      ['https://localhost.example/', 'name'], ['https://onion.example/', 'name'],
    ];
    for (const [url, kind] of cases) {
      it(`${url} is ${kind}`, () => {
        expect(parseTarget(url).kind).to.equal(kind);
      });
    }
  });

  describe('credentials', () => {
    it('are kept in the URL but never in refusal messages', async () => {
      const saved = await checkWebhookTarget('https://hook-user:s3cr3t@93.184.215.14/x', { allow: none });
      expect(saved.url.username).to.equal('hook-user');
      expect(saved.url.password).to.equal('s3cr3t');
      const err = await rejection(checkWebhookTarget('https://hook-user:s3cr3t@shop.example/x', {
        allow: none, resolve: fixtureResolver({ resolves: ['10.1.2.3'] }),
      }));
      expect(err.message).to.contain('10.1.2.3').and.not.contain('s3cr3t').and.not.contain('hook-user');
      const connectErr = thrown(() => assertConnectable('http://hook-user:s3cr3t@127.0.0.1/', none));
      expect(connectErr.message).to.contain('127.0.0.1').and.not.contain('s3cr3t').and.not.contain('hook-user');
    });

    it('redactUrl hides them for logs', () => {
      expect(redactUrl('https://hook-user:s3cr3t@shop.example/x?a=1')).to.equal('https://***@shop.example/x?a=1');
      expect(redactUrl(new URL('https://:s3cr3t@shop.example/'))).to.equal('https://***@shop.example/');
      expect(redactUrl('https://shop.example/x')).to.equal('https://shop.example/x');
      expect(redactUrl('not a url')).to.equal('(invalid URL)');
    });
  });

  describe('checkWebhookTarget options', () => {
    it('names the field and label it is given (BitPay notificationURL)', async () => {
      const err = await rejection(checkWebhookTarget('http://10.0.0.5/ipn', {
        allow: none, label: 'notificationURL', field: 'notificationURL',
      }));
      expectTillValidation(err, 'points to 10.0.0.5, a private address (10.0.0.0/8)', 'notificationURL', 'notificationURL');
    });

    it('gives up on a resolver that hangs', async () => {
      const hang = (): Promise<never> => new Promise(() => undefined);
      const started = Date.now();
      const err = await rejection(checkWebhookTarget('https://slow.example/', { allow: none, resolve: hang, resolveTimeoutMs: 50 }));
      expectTillValidation(err, 'host slow.example did not resolve within 50 ms');
      expect(Date.now() - started).to.be.lessThan(1000);
    });

    it('uses the system resolver by default (localhost is refused by name before any lookup)', async () => {
      expectTillValidation(await rejection(checkWebhookTarget('http://localhost:1/', { allow: none })), 'is this machine');
      // A real lookup of a name reserved never to resolve (RFC 6761 .invalid).
      // Without a reachable DNS server the answer is a timeout instead; either way, refused.
      const err = await rejection(checkWebhookTarget('https://till-ssrf-test.invalid/', { allow: none, resolveTimeoutMs: 1500 }));
      expectTillValidation(err, 'till-ssrf-test.invalid');
      expect(err.message).to.match(/does not resolve \(E[A-Z_]+\)|did not resolve within 1500 ms/);
    });
  });
});
