import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * JSON lines on stdout. Authorization headers, API keys, webhook secrets and RPC
 * passwords are redacted wherever they appear in a logged object.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'till' },
      redact: {
        paths: [
          'req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization',
          '*.secret', 'secret', '*.password', 'password', '*.rpcPassword', 'key', '*.key',
        ],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
