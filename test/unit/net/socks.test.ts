import http from 'node:http';
import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import { createSocksAgent } from '../../../src/net/socks.js';

describe('net/socks: createSocksAgent (TILL_PROXY)', () => {
  const bad: [string, string, RegExp][] = [
    ['a proxy that is not a URL', '127.0.0.1:9050', /^proxy: /],
    ['an HTTP proxy', 'http://127.0.0.1:8080', /only SOCKS5/],
    ['a proxy without a port', 'socks5h://127.0.0.1', /host and a port/],
  ];
  for (const [name, proxyUrl, message] of bad) {
    it(`refuses ${name}`, () => {
      let caught: unknown;
      try {
        createSocksAgent(proxyUrl);
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(TillError);
      expect((caught as TillError).code).to.equal('config_invalid');
      expect((caught as TillError).message).to.match(message);
    });
  }

  it('accepts socks5 and socks5h proxies', () => {
    for (const proxyUrl of ['socks5h://127.0.0.1:9050', 'socks5://10.21.21.11:9050']) {
      expect(createSocksAgent(proxyUrl)).to.be.instanceOf(http.Agent);
    }
  });
});
