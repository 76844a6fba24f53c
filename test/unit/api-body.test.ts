import { expect } from 'chai';
import { holdsNul, jsonDepthExceeds, MAX_JSON_DEPTH } from '../../src/api/body.js';

const depthOf = (text: string): number => {
  // The smallest limit the text does not exceed is its depth.
  const raw = Buffer.from(text, 'utf8');
  let limit = 0;
  while (jsonDepthExceeds(raw, limit)) limit++;
  return limit;
};

describe('jsonDepthExceeds (the pre-parse nesting scan)', () => {
  it('counts objects and arrays', () => {
    expect(depthOf('1')).to.equal(0);
    expect(depthOf('{}')).to.equal(1);
    expect(depthOf('[[],[[]],{}]')).to.equal(3);
    expect(depthOf('{"a":{"b":[{"c":1}]}}')).to.equal(4);
  });

  it('treats brackets inside strings, escaped quotes and escaped backslashes as text', () => {
    expect(depthOf('{"a":"[[[{{{"}')).to.equal(1);
    expect(depthOf(JSON.stringify({ a: 'say \\"[[[' }))).to.equal(1);
    expect(depthOf(JSON.stringify({ a: '\\', b: [[1]] }))).to.equal(3);
    expect(depthOf(JSON.stringify({ a: '"[', b: '\\\\"{' }))).to.equal(1);
    expect(depthOf(JSON.stringify({ 'κλειδί': ['€', ['𝄞[']] }))).to.equal(3);
  });

  it('stops at the limit: 32 levels pass, 33 do not', () => {
    const nest = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
    expect(jsonDepthExceeds(nest(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).to.equal(false);
    expect(jsonDepthExceeds(nest(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).to.equal(true);
    expect(jsonDepthExceeds(Buffer.from('['.repeat(1_000_000)), MAX_JSON_DEPTH)).to.equal(true);
  });

  it('is linear: megabytes of shallow JSON in well under a second', () => {
    const raw = Buffer.from(JSON.stringify(Array.from({ length: 200_000 }, (_, i) => ({ k: `v"${i}[`, n: [i] }))));
    expect(raw.length).to.be.greaterThan(4_000_000);
    const started = process.hrtime.bigint();
    expect(jsonDepthExceeds(raw, MAX_JSON_DEPTH)).to.equal(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(1000);
  });
});

describe('holdsNul (text PostgreSQL cannot store)', () => {
  it('finds U+0000 in any string of a body, names included, and nowhere else', () => {
    expect(holdsNul({ a: 'x', b: [1, null, true, { c: 'y' }] })).to.equal(false);
    expect(holdsNul('\u0000')).to.equal(true);
    expect(holdsNul({ a: ['ok', { b: 'a\u0000b' }] })).to.equal(true);
    expect(holdsNul({ 'k\u0000': 1 })).to.equal(true);
    // The escape as text (six characters) is not a NUL.
    expect(holdsNul({ a: '\\u0000' })).to.equal(false);
  });
});
