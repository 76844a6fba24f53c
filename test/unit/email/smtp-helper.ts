import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CapturedMessage {
  mailFrom: string;
  rcptTo: string[];
  /** Who logged in, or null for an anonymous session. */
  user: string | null;
  /** Whether the session had been upgraded to TLS. */
  secure: boolean;
  raw: string;
}

export interface AuthAttempt {
  method: string;
  username: string;
  password: string;
}

export interface TestSmtp {
  port: number;
  messages: CapturedMessage[];
  auths: AuthAttempt[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Accepted logins; when set, AUTH is required before MAIL FROM. */
  users?: Record<string, string>;
  /** Reply to every RCPT TO with this code and text instead of accepting it. */
  rcptReply?: { code: number; message: string };
  /** Advertise STARTTLS (with smtp-server's built-in self-signed certificate). */
  starttls?: boolean;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** A real SMTP server on 127.0.0.1, an ephemeral port, plain text only (STARTTLS off). */
export async function startSmtp(opts: TestSmtpOptions = {}): Promise<TestSmtp> {
  const messages: CapturedMessage[] = [];
  const auths: AuthAttempt[] = [];
  const users = opts.users;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: opts.starttls === true ? [] : ['STARTTLS'],
    authOptional: users === undefined,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      auths.push({ method: auth.method, username: auth.username ?? '', password: auth.password ?? '' });
      if (users !== undefined && auth.username !== undefined && users[auth.username] === auth.password) {
        cb(null, { user: auth.username });
      } else {
        cb(smtpError(535, 'Authentication credentials invalid'));
      }
    },
    onRcptTo(_address, _session, cb) {
      const r = opts.rcptReply;
      cb(r === undefined ? null : smtpError(r.code, r.message));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        messages.push({
          mailFrom: from === false ? '' : from.address,
          rcptTo: session.envelope.rcptTo.map((a) => a.address),
          user: typeof session.user === 'string' ? session.user : null,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb(null);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    auths,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on: bound, read, released. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
