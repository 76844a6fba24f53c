import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.js';

describe('config', () => {
  it('starts on embedded defaults: port 5000, ./data, regtest on 127.0.0.1:18443', () => {
    const c = loadConfig({}, '/srv/till');
    expect(c).to.include({ port: 5000, chain: 'regtest', rpcHost: '127.0.0.1', rpcPort: 18443, dataDir: '/srv/till/data' });
    expect(c.databaseFile).to.equal('/srv/till/data/till.sqlite');
    expect(c.quoteDeadlineMinutes).to.equal(15);
    expect(c.confirmations).to.equal(1);
    expect(c.apiRateLimit).to.equal(100);
  });

  it('fills node settings from Umbrel variables, and TILL_* wins over them', () => {
    const env = {
      APP_BITCOIN_NODE_IP: '10.21.21.8', APP_BITCOIN_RPC_PORT: '8332', APP_BITCOIN_RPC_USER: 'umbrel',
      APP_BITCOIN_RPC_PASS: 'pw', APP_BITCOIN_NETWORK: 'mainnet', APP_BITCOIN_ZMQ_RAWTX_PORT: '28333',
      APP_BITCOIN_ZMQ_RAWBLOCK_PORT: '28332', APP_BITCOIN_ZMQ_SEQUENCE_PORT: '28335',
    };
    const c = loadConfig(env);
    expect(c).to.include({
      chain: 'main', rpcHost: '10.21.21.8', rpcPort: 8332, rpcUser: 'umbrel', rpcPassword: 'pw',
      zmqRawTx: 'tcp://10.21.21.8:28333', zmqRawBlock: 'tcp://10.21.21.8:28332', zmqSequence: 'tcp://10.21.21.8:28335',
    });
    expect(loadConfig({ ...env, TILL_RPC_PORT: '18443', TILL_CHAIN: 'regtest' })).to.include({ rpcPort: 18443, chain: 'regtest' });
    expect(loadConfig({ APP_BITCOIN_NETWORK: 'signet' }).rpcPort).to.equal(38332);
  });

  it('reads a secret from a _FILE and settings from TILL_CONFIG_FILE', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-cfg-'));
    fs.writeFileSync(path.join(dir, 'pw'), 'from-file\n');
    fs.writeFileSync(path.join(dir, 'till.json'), JSON.stringify({ TILL_PORT: 6000, TILL_RATE_CURRENCIES: ['USD', 'EUR'] }));
    const c = loadConfig({ TILL_RPC_PASSWORD_FILE: 'pw', TILL_CONFIG_FILE: 'till.json', TILL_CONFIG: 'x' }, dir);
    expect(c.rpcPassword).to.equal('from-file');
    expect(c.port).to.equal(6000);
    expect(c.rateCurrencies).to.deep.equal(['USD', 'EUR']);
    expect(loadConfig({ TILL_CONFIG_FILE: 'till.json', TILL_PORT: '7000' }, dir).port).to.equal(7000);
    fs.rmSync(dir, { recursive: true });
  });

  const BAD: [Record<string, string>, RegExp][] = [
    [{ TILL_PORT: 'abc' }, /^config: TILL_PORT must be a whole number \(got "abc"\)$/],
    [{ TILL_PORT: '70000' }, /^config: TILL_PORT must be <= 65535/],
    [{ TILL_PORT: '-1' }, /^config: TILL_PORT must be >= 0/],
    [{ TILL_CHAIN: 'mainnet' }, /^config: TILL_CHAIN must be one of main, test, testnet4, signet, regtest/],
    [{ TILL_CONFIRMATIONS: '1.5' }, /^config: TILL_CONFIRMATIONS must be a whole number/],
    [{ TILL_QUOTE_DEADLINE_MINUTES: '0' }, /^config: TILL_QUOTE_DEADLINE_MINUTES must be >= 1/],
    [{ TILL_RATE_SOURCES: 'kraken,mtgox' }, /^config: TILL_RATE_SOURCES must be one of kraken, coinbase, bitstamp, coingecko/],
    [{ TILL_RATES_FIXED: 'USD:70000' }, /^config: TILL_RATES_FIXED must be a list such as USD=70000/],
    [{ TILL_PROXY: 'http://proxy:8080' }, /^config: TILL_PROXY must be a SOCKS5 URL/],
    [{ TILL_ZMQ_RAWTX: 'localhost:28332' }, /^config: TILL_ZMQ_RAWTX must be tcp:\/\/host:port/],
    [{ TILL_DEFAULT_CURRENCY: 'usd' }, /^config: TILL_DEFAULT_CURRENCY/],
    [{ TILL_LOG_LEVEL: 'loud' }, /^config: TILL_LOG_LEVEL must be one of/],
    [{ TILL_RPC_PASSWORD_FILE: '/nonexistent/pw' }, /^config: TILL_RPC_PASSWORD_FILE names \/nonexistent\/pw, which cannot be read$/],
    [{ TILL_CONFIG_FILE: '/nonexistent.json' }, /^config: TILL_CONFIG_FILE \/nonexistent.json is not readable JSON/],
  ];
  for (const [env, message] of BAD) {
    it(`refuses ${JSON.stringify(env)} with one line naming the setting`, () => {
      expect(() => loadConfig(env)).to.throw(message);
    });
  }
});
