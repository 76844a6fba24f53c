import http from 'node:http';
import { answerClientError } from './app.js';

/**
 * How long requests already begun may take to finish once Till stops. Docker run bare
 * gives a stopping container 10 s before it kills it; what is still open after this is cut.
 */
export const CLOSE_GRACE_MS = 5_000;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<unknown>;

export interface HttpServer {
  readonly server: http.Server;
  /** Resolves once every connection is closed and every handler has settled, or the grace is up. */
  close(graceMs?: number): Promise<{ cut: number }>;
}

/**
 * Till's HTTP server, and how it stops without waiting on its clients. A payer's page
 * polls on a kept-alive connection, and a connection busy when closing began turns idle
 * later: Node's close() alone waits for both until their keep-alive timeout, a minute.
 * So once closing, answers say `Connection: close`, connections are closed as soon as
 * they are idle, and after the grace whatever is still open is cut. The handlers are
 * awaited too (a cut connection does not stop its handler), so the database is not
 * closed under one that is still writing.
 */
export function httpServer(handle: Handler): HttpServer {
  const running = new Map<Promise<unknown>, http.ServerResponse>();
  let closing = false;
  const server = http.createServer((req, res) => {
    if (closing) res.setHeader('Connection', 'close');
    const p = handle(req, res);
    running.set(p, res);
    const done = () => running.delete(p);
    p.then(done, done);
  });
  // Requests node refuses before Koa sees them still get a JSON error.
  server.on('clientError', answerClientError);
  // Longer than a reverse proxy's usual 60 s upstream idle timeout (nginx's), so the proxy closes first.
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  return {
    server,
    async close(graceMs = CLOSE_GRACE_MS) {
      closing = true;
      // Those already running close their connection once answered, too.
      for (const res of running.values()) if (!res.headersSent) res.setHeader('Connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      let timer: NodeJS.Timeout | undefined;
      const graceUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      const settled = (async () => {
        await closed;
        while (running.size > 0) await Promise.allSettled([...running.keys()]);
      })();
      try {
        await Promise.race([settled, graceUp]);
      } finally {
        clearInterval(sweep);
        clearTimeout(timer);
      }
      const cut = running.size;
      server.closeAllConnections();
      await closed;
      return { cut };
    },
  };
}
