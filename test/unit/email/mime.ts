/**
 * Just enough MIME to read back what nodemailer wrote: unfolded headers, RFC 2047 words,
 * one level of multipart, quoted-printable and base64 bodies.
 */
export interface ParsedMessage {
  /** Lower-case header name → every value, in order. */
  headers: Map<string, string[]>;
  /** Header value decoded from RFC 2047 words; the first one when repeated. */
  header(name: string): string | undefined;
  text: string | undefined;
  html: string | undefined;
}

function splitHead(raw: string): { head: string; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  return at < 0 ? { head: raw, body: '' } : { head: raw.slice(0, at), body: raw.slice(at + 4) };
}

function readHeaders(head: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    out.set(name, [...(out.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return out;
}

export function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, data: string) => {
      if (enc.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
      const bytes = data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => `%${h}`);
      return decodeURIComponent(bytes);
    });
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const bytes: number[] = [];
      const soft = body.replace(/=\r\n/g, '');
      for (let i = 0; i < soft.length; i++) {
        const hex = soft.slice(i + 1, i + 3);
        if (soft[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else {
          bytes.push(...Buffer.from(soft[i] ?? '', 'utf8'));
        }
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

function first(h: Map<string, string[]>, name: string): string | undefined {
  return h.get(name)?.[0];
}

export function parseMessage(raw: string): ParsedMessage {
  const { head, body } = splitHead(raw);
  const headers = readHeaders(head);
  const parts: { type: string; content: string }[] = [];
  const type = first(headers, 'content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary !== undefined) {
    const sections = body.split(`--${boundary}`).slice(1);
    for (const section of sections) {
      if (section.startsWith('--')) break;
      const p = splitHead(section.replace(/^\r\n/, ''));
      const ph = readHeaders(p.head);
      parts.push({
        type: first(ph, 'content-type') ?? 'text/plain',
        content: decodeBody(p.body.replace(/\r\n$/, ''), first(ph, 'content-transfer-encoding')),
      });
    }
  } else {
    parts.push({ type, content: decodeBody(body, first(headers, 'content-transfer-encoding')) });
  }
  const find = (t: string): string | undefined => parts.find((p) => p.type.toLowerCase().startsWith(t))?.content;
  return {
    headers,
    header: (name) => {
      const v = first(headers, name.toLowerCase());
      return v === undefined ? undefined : decodeWords(v);
    },
    text: find('text/plain')?.replace(/\r\n/g, '\n'),
    html: find('text/html')?.replace(/\r\n/g, '\n'),
  };
}
