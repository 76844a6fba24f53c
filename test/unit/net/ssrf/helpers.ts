import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { expect } from 'chai';
import { TillError } from '../../../../src/domain/errors.js';
import { assertConnectable, guardedLookup, type AllowList, type ResolvedAddress, type Resolver } from '../../../../src/net/ssrf/index.js';

/** What a fixture row says DNS answers: a list of addresses, or an error code. */
export interface DnsAnswer {
  resolves?: string[];
  resolveError?: string;
}

/** A resolver that answers from the fixture and counts calls (a literal must cause none). */
export function fixtureResolver(answer: DnsAnswer): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    if (answer.resolveError !== undefined) {
      return Promise.reject(Object.assign(new Error(`getaddrinfo ${answer.resolveError} ${hostname}`), { code: answer.resolveError }));
    }
    return Promise.resolve((answer.resolves ?? []).map((address) => ({ address, family: isIP(address) })));
  };
  return Object.assign(resolve, { calls });
}

/** A resolver whose answers change from call to call, as a rebinding DNS server's do. */
export function sequenceResolver(...answers: string[][]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)] ?? [];
    return Promise.resolve(answer.map((address) => ({ address, family: isIP(address) })));
  };
  return Object.assign(resolve, { calls });
}

/** Calls a dns.lookup-style function the way net.connect does and settles with its answer. */
export function lookupAsync(
  lookup: LookupFunction,
  hostname: string,
  options: LookupOptions = {},
): Promise<{ address: string | LookupAddress[]; family: number | undefined }> {
  return new Promise((resolve, reject) => {
    lookup(hostname, options, (err, address, family) => {
      if (err) reject(err);
      else resolve({ address, family });
    });
  });
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  return expect.fail('expected a rejection');
}

export function thrown(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  return expect.fail('expected an exception');
}

export function expectTillValidation(err: Error & { code?: string }, fragment: string, label = 'webhook URL', field = 'url'): void {
  expect(err, err.stack).to.be.instanceOf(TillError);
  expect((err as TillError).code).to.equal('validation_failed');
  expect(err.message.startsWith(`${label} `), err.message).to.equal(true);
  expect(err.message).to.contain(fragment);
  expect((err as TillError).details).to.deep.equal({ field });
}

/**
 * What the delivery worker does right before a request: the literal/name check, then (for
 * names not sent through the proxy) the guarded lookup node would run while connecting.
 */
export async function connectTimeCheck(
  url: string,
  allow: AllowList,
  resolve: Resolver,
  proxyConfigured = false,
): Promise<{ viaProxy: boolean; addresses: LookupAddress[] }> {
  const { url: parsed, viaProxy } = assertConnectable(url, allow, { proxyConfigured });
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (viaProxy || isIP(host) !== 0) return { viaProxy, addresses: [] };
  const { address } = await lookupAsync(guardedLookup(allow, { resolve }), host, { all: true });
  return { viaProxy, addresses: address as LookupAddress[] };
}
