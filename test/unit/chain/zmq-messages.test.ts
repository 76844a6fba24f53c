import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { hashFromHashblock, parseFrames, parseSequenceMessage } from '../../../src/chain/zmq-messages.js';
import { checkSequence, type SequenceCheck } from '../../../src/chain/zmq-seq.js';
import { TillError } from '../../../src/domain/errors.js';

interface Fixture {
  sequence: {
    valid: { description: string; body: string; expect: { hash: string; label: string; mempoolSeq?: string } }[];
    invalid: { description: string; body: string; message: string }[];
  };
  hashblock: { valid: { body: string; expect: string }[]; invalid: { body: string; message: string }[] };
  frames: {
    valid: { frames: string[]; expect: { topic: string; body: string; seq: number } }[];
    invalid: { frames: string[]; problem: string }[];
  };
  checkSequence: { valid: { description: string; last: number | null; got: number; expect: SequenceCheck }[] };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/zmq-messages.json', import.meta.url), 'utf8')) as Fixture;

const hex = (s: string) => Buffer.from(s, 'hex');
/** Topic frames are ASCII; the rest is hex. */
const frames = (f: string[]) => f.map((s, i) => (i === 0 ? Buffer.from(s, 'latin1') : hex(s)));

function expectMalformed(fn: () => unknown, message: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(TillError);
    expect((err as TillError).code).to.equal('validation_failed');
    expect((err as TillError).message).to.equal(message);
    return;
  }
  expect.fail(`expected "${message}"`);
}

describe('chain/zmq-messages', () => {
  describe('parseSequenceMessage', () => {
    for (const c of fixture.sequence.valid) {
      it(c.description, () => {
        const got = parseSequenceMessage(hex(c.body));
        const want = c.expect.mempoolSeq === undefined
          ? { hash: c.expect.hash, label: c.expect.label }
          : { hash: c.expect.hash, label: c.expect.label, mempoolSeq: BigInt(c.expect.mempoolSeq) };
        expect(got).to.deep.equal(want);
      });
    }
    for (const c of fixture.sequence.invalid) {
      it(`throws on ${c.description}`, () => expectMalformed(() => parseSequenceMessage(hex(c.body)), c.message));
    }
  });

  describe('hashFromHashblock', () => {
    for (const c of fixture.hashblock.valid) {
      it(`reads ${c.expect}`, () => expect(hashFromHashblock(hex(c.body))).to.equal(c.expect));
    }
    for (const c of fixture.hashblock.invalid) {
      it(`throws on ${c.body.length / 2} bytes`, () => expectMalformed(() => hashFromHashblock(hex(c.body)), c.message));
    }
  });

  describe('parseFrames', () => {
    for (const c of fixture.frames.valid) {
      it(`${c.frames[0]} seq ${c.expect.seq}`, () => {
        const msg = parseFrames(frames(c.frames));
        if (typeof msg === 'string') expect.fail(msg);
        expect({ topic: msg.topic, body: msg.body.toString('hex'), seq: msg.seq }).to.deep.equal(c.expect);
      });
    }
    for (const c of fixture.frames.invalid) {
      it(`refuses: ${c.problem}`, () => expect(parseFrames(frames(c.frames))).to.equal(c.problem));
    }
  });

  describe('checkSequence', () => {
    for (const c of fixture.checkSequence.valid) {
      it(c.description, () => expect(checkSequence(c.last, c.got)).to.deep.equal(c.expect));
    }
  });
});
