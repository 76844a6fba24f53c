import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { TillError } from '../../../src/domain/errors.js';
import type { Invoice } from '../../../src/domain/invoice.js';
import {
  EmailSender, parseSmtpUrl, renderInvoiceEmail, type EmailLog, type EmailMessage, type SendResult, type SmtpSettings,
} from '../../../src/notify/email/index.js';
import { parseMessage } from './mime.js';
import { closedPort, startSmtp, type TestSmtp } from './smtp-helper.js';

const PASSWORD = 'p@ss:w0rd/é%';

function plain(port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings {
  return { host: '127.0.0.1', port, secure: 'none', from: 'Corner Shop <till@shop.example>', timeoutMs: 2000, ...extra };
}

const MESSAGE: EmailMessage = {
  to: 'owner@shop.example',
  subject: 'Invoice INV-0001 paid: 220.00 USD (0.00310460 BTC)',
  text: 'Status: paid\nReceived: 0.00310460 BTC\n',
  html: '<p>Status: <b>paid</b></p>',
  headers: { 'X-Till-Invoice': 'INV-0001' },
};

function recorder(): EmailLog & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (obj, msg) => lines.push(JSON.stringify({ level: 'info', msg, ...obj })),
    warn: (obj, msg) => lines.push(JSON.stringify({ level: 'warn', msg, ...obj })),
  };
}

function expectFailed(r: SendResult, permanent: boolean): { error: string } {
  expect(r.status, JSON.stringify(r)).to.equal('failed');
  if (r.status !== 'failed') throw new Error('unreachable');
  expect(r.permanent, r.error).to.equal(permanent);
  return r;
}

describe('EmailSender with a real SMTP server', () => {
  let smtp: TestSmtp | undefined;
  const senders: EmailSender[] = [];
  function sender(settings: SmtpSettings | null, log?: EmailLog): EmailSender {
    const s = new EmailSender(settings, log);
    senders.push(s);
    return s;
  }

  afterEach(async () => {
    for (const s of senders.splice(0)) s.close();
    await smtp?.close();
    smtp = undefined;
  });

  it('delivers the message with the right From, To, Subject, headers and bodies', async () => {
    smtp = await startSmtp();
    const r = await sender(plain(smtp.port)).send(MESSAGE);
    expect(r.status, JSON.stringify(r)).to.equal('sent');
    if (r.status !== 'sent') return;
    expect(r.response).to.match(/^250 /);
    expect(smtp.messages).to.have.length(1);
    const got = smtp.messages[0]!;
    expect(got.mailFrom).to.equal('till@shop.example');
    expect(got.rcptTo).to.deep.equal(['owner@shop.example']);
    expect(got.user).to.equal(null);
    const m = parseMessage(got.raw);
    expect(m.header('From')).to.equal('Corner Shop <till@shop.example>');
    expect(m.header('To')).to.equal('owner@shop.example');
    expect(m.header('Subject')).to.equal(MESSAGE.subject);
    expect(m.header('Message-ID')).to.equal(r.messageId);
    expect(m.header('X-Till-Invoice')).to.equal('INV-0001');
    expect(m.header('Auto-Submitted')).to.equal('auto-generated');
    expect(m.headers.has('cc')).to.equal(false);
    expect(m.headers.has('bcc')).to.equal(false);
    expect(m.text).to.equal(MESSAGE.text);
    expect(m.html).to.equal(MESSAGE.html);
  });

  it('logs in with the percent-decoded credentials from TILL_SMTP_URL', async () => {
    smtp = await startSmtp({ users: { 'till@shop.example': PASSWORD } });
    const settings = parseSmtpUrl(
      `smtp://till%40shop.example:${encodeURIComponent(PASSWORD)}@127.0.0.1:${smtp.port}?secure=none&timeout=2000`,
    );
    const r = await sender(settings).send(MESSAGE);
    expect(r.status, JSON.stringify(r)).to.equal('sent');
    expect(smtp.auths).to.deep.equal([{ method: 'PLAIN', username: 'till@shop.example', password: PASSWORD }]);
    expect(smtp.messages[0]?.user).to.equal('till@shop.example');
    expect(smtp.messages[0]?.mailFrom).to.equal('till@shop.example');
  });

  it('a wrong password fails permanently and never shows up in the result or the log', async () => {
    smtp = await startSmtp({ users: { alice: 'right' } });
    const log = recorder();
    const s = sender(plain(smtp.port, { user: 'alice', password: PASSWORD }), log);
    const r = expectFailed(await s.send(MESSAGE), true);
    expect(r.error).to.include('535');
    const v = await s.verify();
    expect(v).to.include({ status: 'failed', permanent: true });
    expect(smtp.messages).to.have.length(0);
    const everything = JSON.stringify([r, v, log.lines]);
    expect(log.lines.join('\n')).to.include('email failed');
    for (const secret of [PASSWORD, Buffer.from(PASSWORD).toString('base64'), Buffer.from(`\0alice\0${PASSWORD}`).toString('base64')]) {
      expect(everything).not.to.include(secret);
    }
  });

  it('a recipient refused with 550 is a permanent failure', async () => {
    smtp = await startSmtp({ rcptReply: { code: 550, message: '5.1.1 No such user here' } });
    const r = expectFailed(await sender(plain(smtp.port)).send(MESSAGE), true);
    expect(r.error).to.include('550');
    expect(smtp.messages).to.have.length(0);
  });

  it('a recipient deferred with 451 is a transient failure', async () => {
    smtp = await startSmtp({ rcptReply: { code: 451, message: '4.7.1 Greylisted, try again later' } });
    const r = expectFailed(await sender(plain(smtp.port)).send(MESSAGE), false);
    expect(r.error).to.include('451');
    expect(smtp.messages).to.have.length(0);
  });

  it('a refused connection is a transient failure', async () => {
    const port = await closedPort();
    const s = sender(plain(port));
    const r = expectFailed(await s.send(MESSAGE), false);
    expect(r.error).to.include('ECONNREFUSED');
    expect(await s.verify()).to.include({ status: 'failed', permanent: false });
  });

  it('a server that never greets times out as a transient failure', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((sock) => sockets.push(sock));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as AddressInfo).port;
      const started = Date.now();
      const r = expectFailed(await sender(plain(port, { timeoutMs: 300 })).send(MESSAGE), false);
      expect(r.error).to.match(/ETIMEDOUT|timeout/i);
      expect(Date.now() - started).to.be.below(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('without settings nothing is sent and nothing fails', async () => {
    const s = sender(null);
    expect(s.configured).to.equal(false);
    expect(await s.send(MESSAGE)).to.deep.equal({ status: 'not_sent', reason: 'smtp_not_configured' });
    expect(await s.verify()).to.deep.equal({ status: 'not_configured', reason: 'smtp_not_configured' });
  });

  describe('refuses header injection before connecting', () => {
    const attempts: [string, Partial<EmailMessage>][] = [
      ['CRLF Bcc in to', { to: 'owner@shop.example\r\nBcc: victim@example.net' }],
      ['LF in to', { to: 'owner@shop.example\nBcc: victim@example.net' }],
      ['a list in to', { to: 'owner@shop.example, victim@example.net' }],
      ['a semicolon list in to', { to: 'owner@shop.example;victim@example.net' }],
      ['a display name in to', { to: 'Owner <owner@shop.example>' }],
      ['a group in to', { to: 'undisclosed: victim@example.net;' }],
      ['an empty to', { to: '' }],
      ['CRLF in the subject', { subject: 'Paid\r\nBcc: victim@example.net' }],
      ['LF in the subject', { subject: 'Paid\nContent-Type: text/html' }],
      ['CRLF in a header value', { headers: { 'X-Till-Invoice': 'INV-1\r\nBcc: victim@example.net' } }],
      ['CRLF in a header name', { headers: { 'X-A\r\nBcc': 'victim@example.net' } }],
      ['a Bcc header', { headers: { Bcc: 'victim@example.net' } }],
      ['a To header', { headers: { to: 'victim@example.net' } }],
    ];
    for (const [what, patch] of attempts) {
      it(what, async () => {
        smtp ??= await startSmtp();
        const r = expectFailed(await sender(plain(smtp.port)).send({ ...MESSAGE, ...patch }), true);
        expect(r.error).to.be.a('string').and.not.equal('');
        expect(smtp.messages).to.have.length(0);
      });
    }
  });

  it('sends a rendered invoice mail with the customer name escaped in the HTML', async () => {
    smtp = await startSmtp();
    const invoice = {
      number: 'INV-0001', ref: 'r', status: 'paid', exception: null, currency: 'USD',
      subtotal: 22000n, taxRate: '0', tax: 0n, discount: 0n, total: 22000n, rate: '70862.73',
      dueSats: 310460n, paidSats: 310460n, requiredConfirmations: 1,
      address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      customerName: '<script>alert("x")</script>', customerEmail: null, customerCompany: null, notes: null,
      createdAt: 1718000000000, quoteExpiresAt: null, paidAt: 1718000600000, confirmedAt: null,
      expiredAt: null, cancelledAt: null, lines: [],
    } as unknown as Invoice;
    const mail = renderInvoiceEmail('invoice.paid', invoice, { shopName: 'Café Zürich' });
    const r = await sender(plain(smtp.port)).send({ to: 'owner@shop.example', ...mail });
    expect(r.status, JSON.stringify(r)).to.equal('sent');
    const m = parseMessage(smtp.messages[0]!.raw);
    expect(m.header('Subject')).to.equal('[Café Zürich] Invoice INV-0001 paid: 220.00 USD (0.00310460 BTC)');
    expect(m.html).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(m.html).not.to.include('<script');
    expect(m.text).to.include('<script>alert("x")</script>');
    expect(m.text).to.include('0.00310460 BTC');
  });

  it('verify() reports a working server', async () => {
    smtp = await startSmtp({ users: { alice: 'right' } });
    expect(await sender(plain(smtp.port, { user: 'alice', password: 'right' })).verify()).to.deep.equal({ status: 'ok' });
    expect(smtp.auths).to.have.length(1);
  });

  describe('TLS modes', () => {
    it('starttls never falls back to plain text when the server cannot upgrade', async () => {
      smtp = await startSmtp({ users: { alice: 'right' } });
      const r = expectFailed(
        await sender(plain(smtp.port, { secure: 'starttls', user: 'alice', password: 'right' })).send(MESSAGE), true,
      );
      expect(r.error).to.include('STARTTLS');
      expect(smtp.auths).to.have.length(0);
      expect(smtp.messages).to.have.length(0);
    });

    it('starttls checks the certificate (a self-signed one is refused)', async () => {
      smtp = await startSmtp({ starttls: true });
      const r = expectFailed(await sender(plain(smtp.port, { secure: 'starttls' })).send(MESSAGE), false);
      expect(r.error).to.match(/certificate|self[- ]signed/i);
      expect(smtp.messages).to.have.length(0);
    });

    it('none stays plain even when the server offers STARTTLS', async () => {
      smtp = await startSmtp({ starttls: true });
      const r = await sender(plain(smtp.port)).send(MESSAGE);
      expect(r.status, JSON.stringify(r)).to.equal('sent');
      expect(smtp.messages[0]?.secure).to.equal(false);
    });

    it('tls against a plain server fails as transient', async () => {
      smtp = await startSmtp();
      expectFailed(await sender(plain(smtp.port, { secure: 'tls' })).send(MESSAGE), false);
      expect(smtp.messages).to.have.length(0);
    });
  });

  it('refuses settings nodemailer could not use', () => {
    for (const bad of [
      plain(25, { from: 'not an address' }),
      plain(25, { from: 'a@b.example, c@d.example' }),
      plain(0),
      plain(25, { host: 'h\r\nx' }),
      plain(25, { user: 'alice' }),
      plain(25, { secure: 'ssl' as SmtpSettings['secure'] }),
    ]) {
      let thrown: unknown;
      try {
        new EmailSender(bad);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(bad)).to.be.instanceOf(TillError);
      expect((thrown as TillError).code).to.equal('config_invalid');
    }
  });
});
