import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { RegtestNode } from '../../regtest/node.js';
import { waitFor } from '../helpers/wait.js';
import { realClock, startTill, testTpub, type TestTill } from '../helpers/till.js';

/** Till's settings for following `node`, polling fast so tests run in seconds. */
export function nodeEnv(node: RegtestNode, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TILL_CHAIN: 'regtest',
    TILL_RPC_HOST: node.rpc.host,
    TILL_RPC_PORT: String(node.rpc.port),
    TILL_RPC_USER: node.rpc.user,
    TILL_RPC_PASSWORD: node.rpc.password,
    ...(node.zmq.rawtx && { TILL_ZMQ_RAWTX: node.zmq.rawtx }),
    ...(node.zmq.rawblock && { TILL_ZMQ_RAWBLOCK: node.zmq.rawblock }),
    ...(node.zmq.sequence && { TILL_ZMQ_SEQUENCE: node.zmq.sequence }),
    TILL_POLL_MS: '100',
    TILL_SAFETY_POLL_MS: '250',
    TILL_MEMPOOL_RESYNC_SECONDS: '1',
    TILL_GRACE_MINUTES: '60',
    TILL_API_RATE_LIMIT: '1000000',
    ...extra,
  };
}

/** Till following `node`, with a wallet of its own (fresh addresses for every test). */
export async function tillOn(node: RegtestNode, env: Record<string, string> = {}, opts: { notify?: boolean } = {}): Promise<TestTill> {
  const t = await startTill({ followChain: true, notify: opts.notify, env: nodeEnv(node, env), clock: realClock() });
  await t.setWallet(testTpub(randomBytes(32)));
  await waitFor(async () => (await t.till.health()).ok, 'Till to reach the node');
  return t;
}

/**
 * Stops `t` and starts Till again on the same data dir and clock, as after an operator's
 * restart: what it learns meanwhile it must find by catching up.
 */
export async function restartTill(
  node: RegtestNode,
  t: TestTill,
  between: () => Promise<void> = async () => undefined,
  env: Record<string, string> = {},
): Promise<TestTill> {
  await t.close();
  await between();
  const again = await startTill({ followChain: true, env: nodeEnv(node, env), clock: t.clock, dir: t.dir });
  await waitFor(async () => (await again.till.health()).ok, 'Till to reach the node again');
  return again;
}

export { waitFor } from '../helpers/wait.js';

/** A BTC-priced invoice for exactly `sats`, finalized: its number and address. */
export async function btcInvoice(t: TestTill, sats: bigint): Promise<{ ref: string; address: string; number: string }> {
  const price = (Number(sats) / 1e8).toFixed(8);
  const created = await t.request('POST', '/api/v1/invoices', {
    body: { currency: 'BTC', lines: [{ description: 'Test', quantity: 1, unit_price: price }] },
  });
  expect(created.status, created.text).to.equal(201);
  const fin = await t.request('POST', `/api/v1/invoices/${created.body.ref}/finalize`);
  expect(fin.status, fin.text).to.equal(200);
  expect(fin.body.btc_amount).to.equal(price);
  return { ref: created.body.ref, address: fin.body.payment_address, number: fin.body.invoice_number };
}

export async function invoice(t: TestTill, ref: string): Promise<any> {
  const res = await t.request('GET', `/api/v1/invoices/${ref}?include_payments=true`);
  expect(res.status).to.equal(200);
  return res.body;
}

export async function statusOf(t: TestTill, ref: string, status: string, extra: (inv: any) => boolean = () => true) {
  return waitFor(async () => {
    const inv = await invoice(t, ref);
    return inv.status === status && extra(inv) ? inv : false;
  }, `${ref} to be ${status}`);
}

export const btc = (sats: bigint) => (Number(sats) / 1e8).toFixed(8);

export async function events(t: TestTill, invoiceId?: number): Promise<string[]> {
  const q = t.till.db.read('outbox').orderBy('id');
  if (invoiceId !== undefined) q.where({ invoice_id: invoiceId });
  return (await q).map((e: any) => e.type);
}

/** An invoice's outbox rows in order, payloads parsed. */
export async function outbox(t: TestTill, invoiceId: number): Promise<{ type: string; payload: any }[]> {
  const rows = await t.till.db.read('outbox').where({ invoice_id: invoiceId }).orderBy('id');
  return rows.map((r: any) => ({ type: r.type, payload: JSON.parse(r.payload) }));
}
