import type http from 'node:http';
import { createRequire } from 'node:module';
import type { SocksProxyAgent as Agent } from 'socks-proxy-agent';
import { TillError } from '../domain/errors.js';

/** Loaded when a proxy is set (TILL_PROXY): without one, Till never carries it in memory. */
function socksProxyAgent(): typeof Agent {
  return (createRequire(import.meta.url)('socks-proxy-agent') as { SocksProxyAgent: typeof Agent }).SocksProxyAgent;
}

/**
 * An agent that sends requests through a SOCKS5 proxy such as Tor (TILL_PROXY): every rate
 * fetch, and webhooks to onion services. Use `socks5h://` so host names are resolved by the
 * proxy: with plain `socks5://` names are looked up locally, which leaks them to the local
 * resolver and cannot reach an onion service at all.
 */
export function createSocksAgent(proxyUrl: string): http.Agent {
  let url: URL;
  try {
    url = new URL(proxyUrl);
  } catch {
    throw new TillError('config_invalid', `proxy: "${proxyUrl}" is not a URL; expected e.g. socks5h://127.0.0.1:9050`);
  }
  if (url.protocol !== 'socks5h:' && url.protocol !== 'socks5:') {
    throw new TillError('config_invalid', `proxy: only SOCKS5 is supported (socks5h://host:port), got ${url.protocol}//`);
  }
  if (url.hostname === '' || url.port === '') {
    throw new TillError('config_invalid', `proxy: "${proxyUrl}" needs a host and a port, e.g. socks5h://127.0.0.1:9050`);
  }
  return new (socksProxyAgent())(url);
}
