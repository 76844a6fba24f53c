import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { normalizeHost, type AllowList } from './allow-list.js';
import { guardedLookup, literalRefusal } from './connect.js';
import type { Resolver } from './policy.js';

type ConnectCallback = (err: Error | null, stream: Duplex) => void;

/** Node connects to IP-literal hosts without calling `lookup`; this catches them first. */
function refuseLiteral(options: http.ClientRequestArgs, allow: AllowList, callback: ConnectCallback | undefined): boolean {
  const host = normalizeHost(options.host ?? options.hostname ?? '');
  if (isIP(host) === 0) return false;
  const refusal = literalRefusal(host, allow);
  if (refusal === null) return false;
  if (callback === undefined) throw refusal;
  callback(refusal, undefined as unknown as Duplex);
  return true;
}

/**
 * An Agent whose every new connection is guarded: names through `guardedLookup`, IP literals
 * (which never reach lookup) by classifying the host before connecting. Keep-alive is on: a
 * receiver taking a burst of deliveries gets them over a few sockets instead of a handshake
 * each. That stays safe because the guard sits where a socket is opened, not where a request
 * is sent: a pooled socket goes to the address checked when it opened, and any new socket
 * (pool empty, receiver closed the idle one) resolves and is checked afresh, so a DNS answer
 * that changed in between cannot slip through. Requests through the SOCKS proxy (onion
 * services) use the proxy's agent instead.
 */
export function guardedAgent(options: { allow: AllowList; https: true; resolve?: Resolver }): https.Agent;
export function guardedAgent(options: { allow: AllowList; https: false; resolve?: Resolver }): http.Agent;
export function guardedAgent(options: { allow: AllowList; https: boolean; resolve?: Resolver }): http.Agent;
export function guardedAgent(options: { allow: AllowList; https: boolean; resolve?: Resolver }): http.Agent {
  const lookup = guardedLookup(options.allow, options.resolve === undefined ? {} : { resolve: options.resolve });
  const settings = { lookup, keepAlive: true, maxSockets: 8, maxFreeSockets: 4 };
  const agent: http.Agent = options.https ? new https.Agent(settings) : new http.Agent(settings);
  const connect = agent.createConnection.bind(agent);
  agent.createConnection = (o, callback) => (refuseLiteral(o, options.allow, callback) ? undefined : connect(o, callback));
  return agent;
}
