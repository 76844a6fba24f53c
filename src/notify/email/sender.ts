import { createRequire } from 'node:module';
import type { NodemailerError, SMTPTransportOptions, Transporter, createTransport as CreateTransport } from 'nodemailer';
import { TillError } from '../../domain/errors.js';
import { hasControlChars, headersProblem, parseMailbox, plainAddressProblem, type Mailbox } from './address.js';
import { DEFAULT_SMTP_TIMEOUT_MS, type SmtpSettings } from './settings.js';

export interface EmailMessage {
  /** One plain address (`shop@example.com`): no display name, no list. */
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Extra headers; From, To, Cc, Bcc, Subject, MIME and similar ones are refused. */
  headers?: Record<string, string>;
}

export type SendResult =
  | { status: 'sent'; messageId: string; response: string }
  | { status: 'not_sent'; reason: 'smtp_not_configured' }
  /** permanent: the server refused with a 5xx reply, or the message itself is invalid; don't retry. */
  | { status: 'failed'; error: string; permanent: boolean };

export type VerifyResult =
  | { status: 'ok' }
  | { status: 'not_configured'; reason: 'smtp_not_configured' }
  | { status: 'failed'; error: string; permanent: boolean };

/** What EmailSender logs through; a pino Logger fits. */
export interface EmailLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * RFC 5321: 5yz is a permanent refusal, 4yz a transient one. 503 (bad sequence of
 * commands) is a session-state complaint, not a verdict on the message, so it is retried
 * like nodemailer's own isPermanentResponseCode does.
 */
export function isPermanentSmtpReply(code: number): boolean {
  return code >= 500 && code < 600 && code !== 503;
}

function transportOptions(s: SmtpSettings): SMTPTransportOptions {
  const timeout = s.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
  return {
    host: s.host,
    port: s.port,
    secure: s.secure === 'tls',
    // starttls must never fall back to plain text, and none must not try an upgrade it
    // was told the server cannot do.
    requireTLS: s.secure === 'starttls',
    ignoreTLS: s.secure === 'none',
    ...(s.user === undefined ? {} : { auth: { user: s.user, pass: s.password ?? '' } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    logger: false,
    debug: false,
    // Messages are built from our own strings only; nodemailer must never read a file or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function checkSettings(s: SmtpSettings): Mailbox {
  const from = parseMailbox(s.from);
  if (from === null) throw new TillError('config_invalid', 'SMTP from must be an address such as till@shop.example');
  if (s.host === '' || hasControlChars(s.host)) throw new TillError('config_invalid', 'SMTP host is not valid');
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) {
    throw new TillError('config_invalid', 'SMTP port must be 1-65535');
  }
  if (!['tls', 'starttls', 'none'].includes(s.secure)) {
    throw new TillError('config_invalid', 'SMTP secure must be tls, starttls or none');
  }
  if ((s.user === undefined) !== (s.password === undefined)) {
    throw new TillError('config_invalid', 'SMTP user and password go together');
  }
  return from;
}

/**
 * Sends mail through the merchant's SMTP server with nodemailer. Nothing connects until a
 * send or verify. Without settings every send is `not_sent`: a shop without SMTP is normal.
 * send() and verify() never throw; the password never reaches a log line or a result.
 */
export class EmailSender {
  readonly #transport: Transporter | null;
  readonly #from: Mailbox | null;
  readonly #secrets: string[];
  readonly #log: EmailLog | undefined;

  /** Throws TillError('config_invalid') for settings nodemailer could not use. */
  constructor(settings: SmtpSettings | null, log?: EmailLog) {
    this.#log = log;
    if (settings === null) {
      this.#transport = null;
      this.#from = null;
      this.#secrets = [];
      return;
    }
    this.#from = checkSettings(settings);
    this.#secrets = secretsOf(settings);
    // Loaded only when an SMTP server is set: without one, Till never carries nodemailer.
    const { createTransport } = createRequire(import.meta.url)('nodemailer') as { createTransport: typeof CreateTransport };
    this.#transport = createTransport(transportOptions(settings));
  }

  get configured(): boolean {
    return this.#transport !== null;
  }

  async send(msg: EmailMessage): Promise<SendResult> {
    if (this.#transport === null || this.#from === null) {
      return { status: 'not_sent', reason: 'smtp_not_configured' };
    }
    const problem = messageProblem(msg);
    if (problem !== null) {
      this.#log?.warn({ error: problem }, 'email refused before sending');
      return { status: 'failed', error: problem, permanent: true };
    }
    try {
      const info = await this.#transport.sendMail({
        from: this.#from,
        to: { name: '', address: msg.to },
        subject: msg.subject,
        text: msg.text,
        ...(msg.html === undefined ? {} : { html: msg.html }),
        // RFC 3834: tells vacation responders and ticket systems not to answer.
        headers: { 'Auto-Submitted': 'auto-generated', ...msg.headers },
      }) as { messageId?: unknown; response?: unknown };
      const messageId = typeof info.messageId === 'string' ? info.messageId : '';
      const response = this.#redact(typeof info.response === 'string' ? info.response : '');
      this.#log?.info({ to: msg.to, messageId, response }, 'email sent');
      return { status: 'sent', messageId, response };
    } catch (err) {
      const failure = this.#failure(err);
      this.#log?.warn({ to: msg.to, ...failure }, 'email failed');
      return { status: 'failed', ...failure };
    }
  }

  /** Connects, greets, upgrades TLS and logs in as a send would, then quits. */
  async verify(): Promise<VerifyResult> {
    if (this.#transport === null) return { status: 'not_configured', reason: 'smtp_not_configured' };
    try {
      await this.#transport.verify();
      return { status: 'ok' };
    } catch (err) {
      return { status: 'failed', ...this.#failure(err) };
    }
  }

  close(): void {
    this.#transport?.close();
  }

  #failure(err: unknown): { error: string; permanent: boolean } {
    const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerError;
    const reply = typeof e.responseCode === 'number' ? e.responseCode : undefined;
    const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
    const code = typeof e.code === 'string' ? `${e.code}: ` : '';
    return {
      // OpenSSL and some servers put line breaks in their text; a result is one line.
      error: this.#redact(`${code}${message}`).replace(/\s+/g, ' ').trim().slice(0, 500),
      permanent: reply !== undefined && isPermanentSmtpReply(reply),
    };
  }

  #redact(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join('[redacted]');
    return out;
  }
}

// The password as typed, and the base64 forms AUTH PLAIN and AUTH LOGIN put on the wire,
// which a server may echo back in an error reply.
function secretsOf(s: SmtpSettings): string[] {
  if (s.password === undefined || s.password === '') return [];
  const b64 = (t: string): string => Buffer.from(t, 'utf8').toString('base64');
  return [s.password, b64(s.password), b64(`\u0000${s.user ?? ''}\u0000${s.password}`)]
    .sort((a, b) => b.length - a.length);
}

function messageProblem(msg: EmailMessage): string | null {
  if (typeof msg.to !== 'string') return 'to must be an address such as shop@example.com';
  const to = plainAddressProblem(msg.to);
  if (to !== null) return `to ${to}`;
  if (typeof msg.subject !== 'string' || hasControlChars(msg.subject)) {
    return 'subject must be one line of text (no CR, LF or other control characters)';
  }
  if (typeof msg.text !== 'string') return 'text must be a string';
  if (msg.html !== undefined && typeof msg.html !== 'string') return 'html must be a string';
  if (msg.headers !== undefined) {
    const h = headersProblem(msg.headers);
    if (h !== null) return h;
  }
  return null;
}
