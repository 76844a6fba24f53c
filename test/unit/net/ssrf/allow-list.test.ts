import { expect } from 'chai';
import { TillError } from '../../../../src/domain/errors.js';
import { AllowList, checkWebhookTarget, SsrfError } from '../../../../src/net/ssrf/index.js';
import { connectTimeCheck, expectTillValidation, fixtureResolver, loadFixture, rejection, thrown, type DnsAnswer } from './helpers.js';

interface EntryCase {
  entries: string[];
  hosts?: string[];
  notHosts?: string[];
  addresses?: string[];
  notAddresses?: string[];
}

interface TargetCase extends DnsAnswer {
  allow: string[];
  url: string;
  proxy?: boolean;
  viaProxy?: boolean;
  reason?: string;
  saveOnly?: boolean;
  note?: string;
}

interface AllowFixture {
  entries: { valid: EntryCase[]; invalid: { entry: string; message: string }[] };
  allowed: TargetCase[];
  refused: (TargetCase & { reason: string })[];
}

const fixture = loadFixture<AllowFixture>('allow.json');

function title(row: TargetCase): string {
  const dns = row.resolves !== undefined ? ` → [${row.resolves.join(', ')}]` : row.resolveError !== undefined ? ` → ${row.resolveError}` : '';
  const proxy = row.proxy === true ? ' with proxy' : '';
  return `[${row.allow.join(', ')}]${proxy}: ${row.url}${dns}${row.note !== undefined ? ` (${row.note})` : ''}`;
}

describe('ssrf/AllowList', () => {
  describe('parse: valid entries', () => {
    for (const row of fixture.entries.valid) {
      it(JSON.stringify(row.entries), () => {
        const allow = AllowList.parse(row.entries);
        expect(allow.entries).to.deep.equal(row.entries.map((e) => e.trim()).filter((e) => e !== ''));
        expect(allow.isEmpty).to.equal(allow.entries.length === 0);
        for (const h of row.hosts ?? []) expect(allow.allowsHost(h), `host ${h}`).to.equal(true);
        for (const h of row.notHosts ?? []) expect(allow.allowsHost(h), `host ${h}`).to.equal(false);
        for (const a of row.addresses ?? []) expect(allow.allowsAddress(a), `address ${a}`).to.equal(true);
        for (const a of row.notAddresses ?? []) expect(allow.allowsAddress(a), `address ${a}`).to.equal(false);
      });
    }
  });

  describe('parse: invalid entries are a config error naming the entry', () => {
    for (const { entry, message } of fixture.entries.invalid) {
      it(`${JSON.stringify(entry)}: ${message}`, () => {
        const err = thrown(() => AllowList.parse(['shop.lan', entry]));
        expect(err).to.be.instanceOf(TillError);
        expect((err as TillError).code).to.equal('config_invalid');
        expect(err.message).to.contain(`TILL_WEBHOOK_ALLOW_HOSTS entry "${entry}"`).and.contain(message);
      });
    }

    it('names another source when told', () => {
      expect(thrown(() => AllowList.parse(['*'], 'allowHosts')).message).to.match(/^allowHosts entry "\*"/);
    });
  });

  describe('allowed targets pass at save and at connect time', () => {
    for (const row of fixture.allowed) {
      it(title(row), async () => {
        const allow = AllowList.parse(row.allow);
        const resolve = fixtureResolver(row);
        const saved = await checkWebhookTarget(row.url, { allow, resolve, proxyConfigured: row.proxy ?? false });
        expect(saved.viaProxy).to.equal(row.viaProxy ?? false);
        // Onion names never reach DNS; other names always do, allowed or not.
        expect(resolve.calls.length).to.equal(row.resolves === undefined ? 0 : 1);
        const connect = await connectTimeCheck(row.url, allow, resolve, row.proxy ?? false);
        expect(connect.viaProxy).to.equal(row.viaProxy ?? false);
        expect(connect.addresses.map((a) => a.address)).to.deep.equal(row.viaProxy === true ? [] : row.resolves ?? []);
      });
    }
  });

  describe('refused targets', () => {
    for (const row of fixture.refused) {
      it(`${title(row)}: ${row.reason}`, async () => {
        const allow = AllowList.parse(row.allow);
        const resolve = fixtureResolver(row);
        const err = await rejection(checkWebhookTarget(row.url, { allow, resolve, proxyConfigured: row.proxy ?? false }));
        expectTillValidation(err, row.reason);
        if (row.saveOnly === true) return;
        const connectErr = await rejection(connectTimeCheck(row.url, allow, resolve, row.proxy ?? false));
        expect(connectErr).to.be.instanceOf(SsrfError);
        expect(connectErr.message).to.contain(row.reason.replace(/^(points to|resolves to) /, '').split(';')[0]);
      });
    }
  });
});
