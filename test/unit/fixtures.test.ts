import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

// The rules of test/fixtures/README.md, checked: fixtures live in one place and have one shape.
const TEST = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = `${TEST}fixtures/`;
/** Exchange answers as captured, served by the rate stubs byte for byte: data, not vectors. */
const RAW = 'rates/samples/';

const jsonUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort();

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

describe('test fixtures', () => {
  it('every JSON file under test/ is in test/fixtures/', () => {
    expect(jsonUnder(TEST).filter((f) => !f.startsWith('fixtures/'))).to.deep.equal([]);
  });

  for (const name of jsonUnder(FIXTURES).filter((f) => !f.startsWith(RAW))) {
    it(`${name} is { valid, invalid }, every case with a description`, () => {
      const file: unknown = JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8'));
      if (!isPlainObject(file)) return expect.fail('not a JSON object');
      const { description, valid, invalid, ...context } = file;
      expect(Array.isArray(valid), 'valid is a list').to.equal(true);
      expect(Array.isArray(invalid), 'invalid is a list').to.equal(true);
      if (description !== undefined) expect(description, 'the file description').to.be.a('string');
      // Besides its cases a file may hold one key of shared input, named for what it is.
      const extra = Object.entries(context);
      expect(extra.length, `keys besides valid and invalid: ${extra.map(([k]) => k).join(', ')}`).to.be.at.most(1);
      for (const [key, value] of extra) expect(isPlainObject(value), `${key} is an object, not a list of cases`).to.equal(true);
      for (const [list, cases] of [['valid', valid], ['invalid', invalid]] as const) {
        (cases as unknown[]).forEach((c, i) => {
          const where = `${list}[${i}]`;
          if (!isPlainObject(c)) return expect.fail(`${where} is not an object`);
          expect(c.description, `${where}.description`).to.be.a('string').that.is.not.empty;
        });
      }
    });
  }
});
