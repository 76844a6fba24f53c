import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A minimal SOCKS5 server for tests (RFC 1928, no authentication, CONNECT only). Every
 * name it is asked for is connected to on 127.0.0.1, so a host name that no resolver
 * knows ("rates.test") proves the client left name resolution to the proxy (socks5h).
 */
export interface Socks5Server {
  readonly url: string;
  /** One entry per CONNECT: "host:port" as the client asked for it. */
  readonly connects: string[];
  close(): Promise<void>;
}

export async function startSocks5Server(): Promise<Socks5Server> {
  const sockets = new Set<net.Socket>();
  const connects: string[] = [];
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'request' | 'piping' = 'greeting';

    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      if (stage === 'greeting') {
        if (buffer.length < 2) return;
        const methods = buffer[1] ?? 0;
        if (buffer.length < 2 + methods) return;
        if (buffer[0] !== 5 || !buffer.subarray(2, 2 + methods).includes(0)) {
          client.end(Buffer.from([5, 0xff]));
          return;
        }
        buffer = buffer.subarray(2 + methods);
        stage = 'request';
        client.write(Buffer.from([5, 0]));
      }
      if (stage === 'request') {
        let target: ReturnType<typeof parseRequest>;
        try {
          target = parseRequest(buffer);
        } catch {
          client.destroy();
          return;
        }
        if (target === undefined) return;
        stage = 'piping';
        client.off('data', onData);
        connects.push(`${target.host}:${target.port}`);
        const upstream = net.connect(target.port, '127.0.0.1', () => {
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]));
          const rest = buffer.subarray(target.length);
          if (rest.length > 0) upstream.write(rest);
          client.pipe(upstream).pipe(client);
        });
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
      }
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `socks5h://127.0.0.1:${port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseRequest(b: Buffer): { host: string; port: number; length: number } | undefined {
  if (b.length < 5) return undefined;
  if (b[0] !== 5 || b[1] !== 1) throw new Error('only SOCKS5 CONNECT is supported');
  const atyp = b[3];
  let host: string;
  let offset: number;
  if (atyp === 1) {
    if (b.length < 10) return undefined;
    host = [...b.subarray(4, 8)].join('.');
    offset = 8;
  } else if (atyp === 3) {
    const len = b[4] ?? 0;
    if (b.length < 5 + len + 2) return undefined;
    host = b.subarray(5, 5 + len).toString('ascii');
    offset = 5 + len;
  } else if (atyp === 4) {
    if (b.length < 22) return undefined;
    host = b.subarray(4, 20).toString('hex');
    offset = 20;
  } else {
    throw new Error(`unknown address type ${String(atyp)}`);
  }
  return { host, port: b.readUInt16BE(offset), length: offset + 2 };
}
