import { expect } from 'chai';
import { isLosslessNumber } from 'lossless-json';
import { HttpFetchError } from '../../../src/net/http-client.js';
import type { HttpFailure } from '../../../src/net/http-client.js';
import { getJson } from '../../../src/rates/providers/http-provider.js';
import type { Stub, StubReply } from './helpers/stub-server.js';
import { refusedUrl, startStub } from './helpers/stub-server.js';

async function failure(p: Promise<unknown>): Promise<HttpFetchError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(HttpFetchError);
    return e as HttpFetchError;
  }
  throw new Error('expected the fetch to fail');
}

describe('rates: getJson', () => {
  let stub: Stub;
  const opts = { timeoutMs: 500, maxBytes: 1024 };

  beforeEach(async () => {
    stub = await startStub(() => ({ body: '{"price":70861.12345678901234,"list":[1,"2"]}' }));
  });
  afterEach(() => stub.close());

  it('parses the body keeping number literals exact (lossless-json)', async () => {
    const body = (await getJson(`${stub.url}/x`, opts)) as { price: unknown; list: unknown[] };
    expect(isLosslessNumber(body.price)).to.equal(true);
    expect(String(body.price)).to.equal('70861.12345678901234');
    expect(body.list[1]).to.equal('2');
    expect(stub.paths).to.deep.equal(['/x']);
  });

  it('sends the caller headers and asks for JSON', async () => {
    let seen: Record<string, unknown> = {};
    stub.handler = (_path, headers) => {
      seen = headers;
      return { body: '{}' };
    };
    await getJson(`${stub.url}/q?a=1`, { ...opts, headers: { 'x-test': 'yes' } });
    expect(seen['x-test']).to.equal('yes');
    expect(seen['accept']).to.equal('application/json');
    expect(stub.paths).to.deep.equal(['/q?a=1']);
  });

  const failures: { name: string; reply: StubReply; kind: HttpFailure; status?: number }[] = [
    { name: 'HTTP 500', reply: { status: 500, body: '{"error":"boom"}' }, kind: 'status', status: 500 },
    { name: 'HTTP 404', reply: { status: 404, body: 'not found' }, kind: 'status', status: 404 },
    { name: 'HTTP 302 (redirects are not followed)', reply: { status: 302, headers: { location: '/y' } }, kind: 'status', status: 302 },
    { name: 'HTML instead of JSON', reply: { body: '<html><body>oops</body></html>' }, kind: 'invalid_json' },
    { name: 'empty body', reply: { body: '' }, kind: 'invalid_json' },
    { name: 'declared length over the cap', reply: { body: 'x'.repeat(2048) }, kind: 'too_large' },
    {
      name: 'streamed body over the cap (no length declared)',
      reply: { body: `[${'1,'.repeat(2000)}1]`, chunked: true },
      kind: 'too_large',
    },
    { name: 'a connection dropped mid-body', reply: { body: '{"price":', cutOff: true }, kind: 'network' },
    { name: 'an answer slower than the timeout', reply: { body: '{}', delayMs: 2000 }, kind: 'timeout' },
  ];
  for (const f of failures) {
    it(`fails with ${f.kind} on ${f.name}`, async () => {
      stub.handler = () => f.reply;
      const started = Date.now();
      const e = await failure(getJson(`${stub.url}/x`, { timeoutMs: 80, maxBytes: 1024 }));
      expect(e.kind).to.equal(f.kind);
      expect(e.status).to.equal(f.status);
      expect(Date.now() - started).to.be.below(1000);
    });
  }

  it('fails with network when the connection is refused', async () => {
    const e = await failure(getJson(`${await refusedUrl()}/x`, opts));
    expect(e.kind).to.equal('network');
  });

  it('stops at once when the signal aborts', async () => {
    stub.handler = () => ({ body: '{}', delayMs: 2000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = Date.now();
    const e = await failure(getJson(`${stub.url}/x`, { ...opts, timeoutMs: 5000, signal: controller.signal }));
    expect(e.kind).to.equal('aborted');
    expect(Date.now() - started).to.be.below(1000);
  });

  it('does not even connect with an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const e = await failure(getJson(`${stub.url}/x`, { ...opts, signal: controller.signal }));
    expect(e.kind).to.equal('aborted');
    expect(stub.paths).to.deep.equal([]);
  });

  for (const url of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd']) {
    it(`refuses ${url}`, async () => {
      expect((await failure(getJson(url, opts))).kind).to.equal('bad_url');
    });
  }

  it('keeps query strings out of error messages', async () => {
    stub.handler = () => ({ status: 500 });
    const e = await failure(getJson(`${stub.url}/x?key=secret`, opts));
    expect(e.message).to.not.contain('secret');
    expect(e.message).to.contain('/x');
  });
});
