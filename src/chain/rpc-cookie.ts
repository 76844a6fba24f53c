import { readFile } from 'node:fs/promises';
import { TillError } from '../domain/errors.js';

export interface RpcCredentials {
  user: string;
  password: string;
}

/**
 * Reads Core's `.cookie` file: one line `__cookie__:<random hex>`, rewritten every time
 * the node starts. The content is a secret: it never appears in an error.
 */
export async function readCookieFile(path: string): Promise<RpcCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'it does not exist — is Bitcoin Core running, with this datadir and chain?'
      : code === 'EACCES' || code === 'EPERM' ? 'permission denied — run Till as a user that may read it'
      : code === 'EISDIR' ? 'it is a directory, not the .cookie file'
      : `${code ?? 'read error'}`;
    throw new TillError('node_unavailable', `cannot read the RPC cookie file ${path} (TILL_RPC_COOKIE_FILE): ${why}`, { reason: 'cookie' });
  }
  const line = text.trim();
  const colon = line.indexOf(':');
  if (colon <= 0 || colon === line.length - 1 || /[\r\n]/.test(line)) {
    throw new TillError('node_unavailable', `the RPC cookie file ${path} (TILL_RPC_COOKIE_FILE) does not hold Core's user:password line`, { reason: 'cookie' });
  }
  return { user: line.slice(0, colon), password: line.slice(colon + 1) };
}
