import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import { parseSmtpUrl, redactSmtpSettings, type SmtpSettings } from '../../../src/notify/email/settings.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';

const urls = fixture<
  Vectors<{ url: string; defaults?: { from?: string; timeoutMs?: number }; expected: SmtpSettings }, { url: string; defaults?: { from?: string }; message: string }>
>('email', 'smtp-url');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return expect.fail('expected an error');
}

describe('parseSmtpUrl', () => {
  for (const { description, url, defaults, expected } of urls.valid) {
    it(`reads ${description}`, () => {
      expect(parseSmtpUrl(url, defaults)).to.deep.equal(expected);
    });
  }
  for (const { description, url, defaults, message } of urls.invalid) {
    it(description, () => {
      const e = thrown(() => parseSmtpUrl(url, defaults));
      expect(e).to.be.instanceOf(TillError);
      expect((e as TillError).code).to.equal('config_invalid');
      expect((e as TillError).message).to.include(message);
    });
  }

  it('never repeats the password in an error', () => {
    for (const url of [
      'smtp://user:hunter2secret@h/path?from=a%40b.c',
      'smtp://user:hunter2secret@h',
      'smtp://user:hunter2secret@h:0?from=a%40b.c',
      'smtp://user:hunter2secret@h?from=a%40b.c&bogus=1',
      'ftp://user:hunter2secret@h',
    ]) {
      const e = thrown(() => parseSmtpUrl(url)) as Error;
      expect(e.message, url).not.to.include('hunter2');
    }
  });

  it('refuses a timeout default outside 1-600000 ms', () => {
    const e = thrown(() => parseSmtpUrl('smtp://h?from=a%40b.c', { timeoutMs: 0 })) as TillError;
    expect(e.code).to.equal('config_invalid');
  });

  it('redactSmtpSettings hides the password and keeps the rest', () => {
    const s = parseSmtpUrl('smtp://u%40x.example:topsecret@h:587');
    const r = redactSmtpSettings(s);
    expect(r).to.deep.equal({ host: 'h', port: 587, secure: 'starttls', user: 'u@x.example', password: '[redacted]', from: 'u@x.example' });
    expect(JSON.stringify(r)).not.to.include('topsecret');
    expect(redactSmtpSettings({ host: 'h', port: 25, secure: 'none', from: 'a@b.c' })).not.to.have.property('password');
  });
});
