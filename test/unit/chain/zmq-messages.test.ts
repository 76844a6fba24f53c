import { expect } from 'chai';
import { hashFromHashblock, parseFrames, parseSequenceMessage } from '../../../src/chain/zmq-messages.js';
import { checkSequence, type SequenceCheck } from '../../../src/chain/zmq-seq.js';
import { TillError } from '../../../src/domain/errors.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

const zmq = <T>(name: string): T => fixture<T>('chain', `zmq-messages/${name}`);
const sequence = zmq<Vectors<{ body: string; expect: { hash: string; label: string; mempoolSeq?: string } }, { body: string; message: string }>>(
  'parse-sequence-message',
);
const hashblock = zmq<Vectors<{ body: string; expect: string }, { body: string; message: string }>>('hash-from-hashblock');
const frameCases = zmq<Vectors<{ frames: string[]; expect: { topic: string; body: string; seq: number } }, { frames: string[]; problem: string }>>('parse-frames');
const sequenceChecks = zmq<Vectors<{ last: number | null; got: number; expect: SequenceCheck }>>('check-sequence');

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
    for (const c of sequence.valid) {
      it(c.description, () => {
        const got = parseSequenceMessage(hex(c.body));
        const want = c.expect.mempoolSeq === undefined
          ? { hash: c.expect.hash, label: c.expect.label }
          : { hash: c.expect.hash, label: c.expect.label, mempoolSeq: BigInt(c.expect.mempoolSeq) };
        expect(got).to.deep.equal(want);
      });
    }
    for (const c of sequence.invalid) {
      it(`throws on ${c.description}`, () => expectMalformed(() => parseSequenceMessage(hex(c.body)), c.message));
    }
  });

  describe('hashFromHashblock', () => {
    for (const c of hashblock.valid) {
      it(c.description, () => expect(hashFromHashblock(hex(c.body))).to.equal(c.expect));
    }
    for (const c of hashblock.invalid) {
      it(c.description, () => expectMalformed(() => hashFromHashblock(hex(c.body)), c.message));
    }
  });

  describe('parseFrames', () => {
    for (const c of frameCases.valid) {
      it(c.description, () => {
        const msg = parseFrames(frames(c.frames));
        if (typeof msg === 'string') expect.fail(msg);
        expect({ topic: msg.topic, body: msg.body.toString('hex'), seq: msg.seq }).to.deep.equal(c.expect);
      });
    }
    for (const c of frameCases.invalid) {
      it(c.description, () => expect(parseFrames(frames(c.frames))).to.equal(c.problem));
    }
  });

  describe('checkSequence', () => {
    for (const c of sequenceChecks.valid) {
      it(c.description, () => expect(checkSequence(c.last, c.got)).to.deep.equal(c.expect));
    }
  });
});
