import { expect } from 'chai';
import type { Context } from 'koa';
import { answerToKeep } from '../../src/api/idempotency.js';
import type { ErrorFormatter } from '../../src/api/errors.js';
import { TillError, type ErrorCode } from '../../src/domain/errors.js';

const ctx = (errorFormat?: ErrorFormatter) => ({ state: { errorFormat } }) as unknown as Context;
const keep = (code: ErrorCode, c = ctx()) => answerToKeep(new TillError(code, `because ${code}`), c);

describe('answerToKeep (which thrown errors an Idempotency-Key replays)', () => {
  it('keeps nothing for a request refused before it ran', () => {
    for (const code of [
      'validation_failed', 'malformed_json', 'unsupported_media_type', 'body_too_large', 'unsupported_currency', 'unauthorized',
      'forbidden', 'not_found', 'method_not_allowed', 'rate_limited', 'idempotency_conflict', 'idempotency_in_progress',
    ] as const) expect(keep(code), code).to.equal(null);
  });

  it('keeps the 4xx answer of an operation that ran, in the v1 shape by default', () => {
    expect(keep('no_wallet')).to.deep.equal({ status: 400, body: { error: 'because no_wallet', code: 'no_wallet' } });
    expect(keep('invalid_state')?.status).to.equal(400);
    expect(keep('invoice_not_found')?.status).to.equal(404);
    expect(keep('webhook_not_found')?.status).to.equal(404);
    expect(keep('slug_taken')?.status).to.equal(409);
  });

  it('keeps the body in the shape of the dialect that answered', () => {
    const other: ErrorFormatter = (e) => ({ message: e.message, status: e.status });
    expect(keep('invalid_state', ctx(other))).to.deep.equal({ status: 400, body: { message: 'because invalid_state', status: 400 } });
  });

  it('never keeps a 5xx or an unexpected error', () => {
    for (const code of ['internal', 'config_invalid', 'rate_unavailable', 'address_pool_exhausted', 'node_unavailable'] as const) {
      expect(keep(code), code).to.equal(null);
    }
    expect(answerToKeep(new Error('boom'), ctx())).to.equal(null);
    expect(answerToKeep(Object.assign(new Error('teapot'), { status: 418, expose: true }), ctx())).to.equal(null);
  });
});
