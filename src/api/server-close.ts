import type http from 'node:http';

/**
 * How long requests already begun may take to finish once Till stops. App stores give a
 * stopping container about 10 s before they kill it; what is still open after this is cut.
 */
export const CLOSE_GRACE_MS = 5_000;

/**
 * Stops `server` without waiting on its clients. A payer's page polls on a kept-alive
 * connection, and a connection still busy when closing began turns idle later: Node's
 * close() alone waits for both until their keep-alive timeout, a minute. So answers from
 * here on say `Connection: close`, connections are closed as soon as they are idle, and
 * after `graceMs` whatever is still open is closed.
 */
export async function closeServer(server: http.Server, graceMs = CLOSE_GRACE_MS): Promise<void> {
  const lettingGo = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  // Before Koa's listener, which may answer before a later listener would run.
  server.prependListener('request', lettingGo);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(cut);
    server.off('request', lettingGo);
  }
}
