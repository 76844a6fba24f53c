import net from 'node:net';

/**
 * A request to Till that is in progress and stays so: its headers are sent (a POST
 * /api/v1/invoices with `key`), its body only when the test calls `finish`. What holds a
 * server open while it stops; `after` is written behind the body (a pipelined request).
 */
export interface HeldRequest {
  finish(after?: string): void;
  /** Everything the server has sent back so far. */
  answer(): string;
  /** Resolves once the server has closed the connection. */
  gone: Promise<void>;
  destroy(): void;
}

export async function holdRequest(port: number, key: string, body: unknown): Promise<HeldRequest> {
  const text = JSON.stringify(body);
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let answer = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (answer += d));
  const gone = new Promise<void>((r) => socket.once('close', () => r()));
  socket.write(`POST /api/v1/invoices HTTP/1.1\r\nHost: till\r\nAuthorization: Bearer ${key}\r\n`
    + `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n`);
  // Till has read the headers and waits for the body.
  await new Promise((r) => setTimeout(r, 100));
  return {
    finish: (after = '') => void socket.write(text + after),
    answer: () => answer,
    gone,
    destroy: () => socket.destroy(),
  };
}

/** The port of a Till's base URL. */
export const portOf = (url: string): number => Number(new URL(url).port);
