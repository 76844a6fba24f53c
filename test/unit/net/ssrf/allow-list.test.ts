import { expect } from 'chai';
import { TillError } from '../../../../src/domain/errors.js';
import { AllowList, checkWebhookTarget, SsrfError } from '../../../../src/net/ssrf/index.js';
import { connectTimeCheck, expectTillValidation, fixtureResolver, rejection, thrown, type DnsAnswer } from './helpers.js';
import { fixture, type Vectors } from '../../../helpers/fixtures.js';

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
}

const entries = fixture<Vectors<EntryCase, { entry: string; message: string }>>('ssrf', 'allow/entries');
const targets = fixture<Vectors<TargetCase, TargetCase & { reason: string }>>('ssrf', 'allow/targets');

describe('ssrf/AllowList', () => {
  describe('parse: valid entries', () => {
    for (const row of entries.valid) {
      it(row.description, () => {
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
    for (const { description, entry, message } of entries.invalid) {
      it(description, () => {
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
    for (const row of targets.valid) {
      it(row.description, async () => {
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
    for (const row of targets.invalid) {
      it(row.description, async () => {
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
