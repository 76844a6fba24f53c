import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubReply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (longer than a timeout: the "slow source"). */
  delayMs?: number;
  /** Stream the body in pieces with no content-length. */
  chunked?: boolean;
  /** Promise a longer body than is sent, then drop the connection. */
  cutOff?: boolean;
}

export type StubHandler = (pathWithQuery: string, headers: http.IncomingHttpHeaders) => StubReply;

/** A real HTTP server on 127.0.0.1 and an ephemeral port that counts what it is asked. */
export interface Stub {
  readonly url: string;
  readonly port: number;
  /** Every request's path and query, in arrival order. */
  readonly paths: string[];
  handler: StubHandler;
  close(): Promise<void>;
}

export async function startStub(handler: StubHandler): Promise<Stub> {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    stub.paths.push(req.url ?? '');
    const reply = stub.handler(req.url ?? '', req.headers);
    const send = (): void => {
      const body = reply.body ?? '';
      if (reply.cutOff) {
        res.writeHead(reply.status ?? 200, { 'content-length': Buffer.byteLength(body) + 100 });
        res.write(body, () => res.destroy());
        return;
      }
      if (reply.chunked) {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        const half = Math.floor(body.length / 2);
        res.write(body.slice(0, half));
        res.end(body.slice(half));
        return;
      }
      res.writeHead(reply.status ?? 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        ...reply.headers,
      });
      res.end(body);
    };
    if (reply.delayMs === undefined) {
      send();
    } else {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send();
      }, reply.delayMs);
      timers.add(t);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const stub: Stub = {
    url: `http://127.0.0.1:${port}`,
    port,
    paths: [],
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}

/** A port nothing listens on: connecting to it is refused. */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
