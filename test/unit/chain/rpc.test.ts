import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { captureLog } from '../../helpers/capture-log.js';
import { fixture, type Vectors } from '../../helpers/fixtures.js';
import { CoreRpc, type CoreRpcOptions } from '../../../src/chain/rpc.js';
import { TillError } from '../../../src/domain/errors.js';
import { FakeCore, closedPort, type Reply } from './fake-core.js';

interface ValidCase {
  call: string;
  args: unknown[];
  rpc: { method: string; params: unknown[] };
  reply: Reply;
  expect: unknown;
}
interface InvalidCase {
  call: string;
  args: unknown[];
  reply: Reply;
  reason: string;
  message: string;
  rpcCode?: number;
  attempts?: number;
}
const replies = fixture<Vectors<ValidCase, InvalidCase>>('chain', 'rpc-replies');

const PASSWORD = 's3cr3t-Pa55word-that-must-not-leak';
const TXID = (i: number) => i.toString(16).padStart(64, '0');
const GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';


async function rejection(p: Promise<unknown>): Promise<TillError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(TillError);
    return err as TillError;
  }
  throw new Error('expected a rejection');
}

function invoke(rpc: CoreRpc, call: string, args: unknown[]): Promise<unknown> {
  const fn = (rpc as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[call];
  if (typeof fn !== 'function') throw new Error(`no method ${call}`);
  return fn.apply(rpc, args);
}

const plain = (v: unknown): unknown => (Buffer.isBuffer(v) ? { hex: v.toString('hex') } : v);

describe('chain/rpc CoreRpc', function () {
  this.timeout(10_000);
  let core: FakeCore;
  let opts: CoreRpcOptions;

  beforeEach(async () => {
    core = new FakeCore();
    core.credentials = { user: 'till', password: PASSWORD };
    await core.start();
    opts = { host: '127.0.0.1', port: core.port, user: 'till', password: PASSWORD, warmupRetries: 2, warmupBackoffMs: 1, timeoutMs: 2000 };
  });
  afterEach(() => core.stop());

  describe('replies in Core shapes (fixture)', () => {
    for (const c of replies.valid) {
      it(c.description, async () => {
        core.handlers[c.rpc.method] = () => c.reply;
        const got = await invoke(new CoreRpc(opts), c.call, c.args);
        expect(plain(got)).to.deep.equal(c.expect);
        expect(core.calls).to.deep.equal([c.rpc]);
      });
    }
    for (const c of replies.invalid) {
      it(`fails: ${c.description}`, async () => {
        let answered = 0;
        const reply = (): Reply => {
          answered++;
          return c.reply;
        };
        if ('http' in c.reply) core.override = reply;
        else core.handlers = new Proxy({}, { get: () => reply });
        const err = await rejection(invoke(new CoreRpc(opts), c.call, c.args));
        expect(err.code).to.equal('node_unavailable');
        expect(err.message).to.equal(c.message.replace('{addr}', `127.0.0.1:${core.port}`));
        expect(err.details).to.include({ reason: c.reason });
        if (c.rpcCode !== undefined) expect(err.details).to.include({ rpcCode: c.rpcCode });
        expect(answered).to.equal(c.attempts ?? 1);
        expect(err.message).not.to.include(PASSWORD);
      });
    }
  });

  describe('credentials', () => {
    it('sends user/password as Basic auth, and a wrong password gets the operator message without the password', async () => {
      core.handlers.getbestblockhash = () => ({ result: GENESIS });
      expect(await new CoreRpc(opts).getBestBlockHash()).to.equal(GENESIS);

      const { log, lines } = captureLog();
      const wrong = `${PASSWORD}-wrong`;
      const err = await rejection(new CoreRpc({ ...opts, password: wrong, log }).getBestBlockHash());
      expect(err.message).to.equal('Bitcoin Core refused the RPC credentials: check TILL_RPC_USER/TILL_RPC_PASSWORD or TILL_RPC_COOKIE_FILE');
      expect(err.message).not.to.include(wrong);
      expect(JSON.stringify(err.details)).not.to.include(wrong);
      expect(lines.join('')).not.to.include(wrong);
    });

    describe('cookie file', () => {
      let dir: string;
      let cookie: string;
      beforeEach(async () => {
        dir = await mkdtemp(join(tmpdir(), 'till-cookie-'));
        cookie = join(dir, '.cookie');
      });
      afterEach(() => rm(dir, { recursive: true, force: true }));

      it('reads __cookie__:<password> and re-reads it after a 401 (Core restarted and rewrote it)', async () => {
        core.handlers.getbestblockhash = () => ({ result: GENESIS });
        await writeFile(cookie, '__cookie__:aaaa1111');
        core.credentials = { user: '__cookie__', password: 'aaaa1111' };
        const { log, lines } = captureLog();
        const rpc = new CoreRpc({ host: '127.0.0.1', port: core.port, cookieFile: cookie, log });
        expect(await rpc.getBestBlockHash()).to.equal(GENESIS);
        expect(core.httpRequests).to.equal(1);

        await writeFile(cookie, '__cookie__:bbbb2222');
        core.credentials = { user: '__cookie__', password: 'bbbb2222' };
        expect(await rpc.getBestBlockHash()).to.equal(GENESIS);
        expect(core.httpRequests).to.equal(3); // one 401 with the old cookie, one retry with the new
        expect(await rpc.getBestBlockHash()).to.equal(GENESIS);
        expect(core.httpRequests).to.equal(4); // the new cookie is kept
        const logged = lines.join('');
        expect(logged).to.include('re-reading');
        expect(logged).not.to.include('aaaa1111');
        expect(logged).not.to.include('bbbb2222');
      });

      it('a cookie that is still refused after re-reading fails once, naming the file', async () => {
        core.handlers.getbestblockhash = () => ({ result: GENESIS });
        await writeFile(cookie, '__cookie__:stale');
        core.credentials = { user: '__cookie__', password: 'fresh' };
        const err = await rejection(new CoreRpc({ host: '127.0.0.1', port: core.port, cookieFile: cookie }).getBestBlockHash());
        expect(err.message).to.equal(
          `Bitcoin Core refused the RPC credentials: check TILL_RPC_USER/TILL_RPC_PASSWORD or TILL_RPC_COOKIE_FILE (using the cookie file ${cookie})`,
        );
        expect(err.message).not.to.include('stale');
        expect(core.httpRequests).to.equal(2);
      });

      it('a missing cookie file says so', async () => {
        const err = await rejection(new CoreRpc({ host: '127.0.0.1', port: core.port, cookieFile: cookie }).getBestBlockHash());
        expect(err.code).to.equal('node_unavailable');
        expect(err.message).to.equal(
          `cannot read the RPC cookie file ${cookie} (TILL_RPC_COOKIE_FILE): it does not exist — is Bitcoin Core running, with this datadir and chain?`,
        );
        expect(core.httpRequests).to.equal(0);
      });

      it('a cookie file without user:password says so without printing it', async () => {
        await writeFile(cookie, 'justsomesecret');
        const err = await rejection(new CoreRpc({ host: '127.0.0.1', port: core.port, cookieFile: cookie }).getBestBlockHash());
        expect(err.message).to.equal(`the RPC cookie file ${cookie} (TILL_RPC_COOKIE_FILE) does not hold Core's user:password line`);
      });
    });
  });

  describe('no answer', () => {
    it('connection refused names the address and what to check', async () => {
      const port = await closedPort();
      const err = await rejection(new CoreRpc({ ...opts, port }).getBlockchainInfo());
      expect(err.code).to.equal('node_unavailable');
      expect(err.message).to.equal(`no Bitcoin Core answers at 127.0.0.1:${port} — is it running, and is rpcbind/rpcallowip set?`);
      expect(err.details).to.include({ reason: 'refused', method: 'getblockchaininfo' });
    });

    it('a node that never answers times out after timeoutMs', async () => {
      core.handlers.getblock = () => ({ hang: true });
      const started = Date.now();
      const err = await rejection(new CoreRpc({ ...opts, timeoutMs: 300 }).getBlock(GENESIS));
      expect(Date.now() - started).to.be.within(250, 3000);
      expect(err.message).to.equal(`Bitcoin Core at 127.0.0.1:${core.port} did not answer getblock within 0.3 s — the node may be overloaded`);
      expect(err.details).to.include({ reason: 'timeout' });
    });
  });

  describe('warm-up', () => {
    it('retries -28 with a backoff inside the call, then returns the answer', async () => {
      let n = 0;
      core.handlers.getbestblockhash = () => (++n <= 2 ? { error: { code: -28, message: 'Loading block index…' } } : { result: GENESIS });
      const { log, lines } = captureLog();
      expect(await new CoreRpc({ ...opts, warmupRetries: 5, log }).getBestBlockHash()).to.equal(GENESIS);
      expect(n).to.equal(3);
      expect(lines.filter((l) => l.includes('not ready'))).to.have.length(2);
    });

    it('retries a 503 (work queue full) the same way', async () => {
      let n = 0;
      core.override = () => (++n === 1 ? { http: 503, body: 'Work queue depth exceeded' } : null);
      core.handlers.getbestblockhash = () => ({ result: GENESIS });
      expect(await new CoreRpc(opts).getBestBlockHash()).to.equal(GENESIS);
      expect(core.httpRequests).to.equal(2);
    });
  });

  describe('getRawTransactions', () => {
    const mempool = (missing: (i: number) => boolean) => {
      core.handlers.getrawtransaction = ({ params }) => {
        const txid = params[0] as string;
        const i = parseInt(txid, 16);
        return missing(i)
          ? { error: { code: -5, message: 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.' } }
          : { result: `${txid}${txid}` };
      };
    };

    it('fetches 100,000 txids in 200 batches of 500, in order, null for those gone from the mempool', async () => {
      mempool((i) => i % 997 === 0);
      const txids = Array.from({ length: 100_000 }, (_, i) => TXID(i));
      const txs = await new CoreRpc(opts).getRawTransactions(txids);
      expect(core.batches).to.have.length(200);
      expect(core.batches.every((n) => n === 500)).to.equal(true);
      expect(txs).to.have.length(100_000);
      let nulls = 0;
      for (let i = 0; i < txs.length; i++) {
        const tx = txs[i];
        if (i % 997 === 0) {
          expect(tx).to.equal(null);
          nulls++;
        } else if (!tx || tx.toString('hex') !== `${TXID(i)}${TXID(i)}`) {
          expect.fail(`entry ${i} is ${tx?.toString('hex')}`);
        }
      }
      expect(nulls).to.equal(101);
      expect(core.calls.map((c) => c.params[0])).to.deep.equal(txids);
    });

    it('honours batchSize, with a short last batch', async () => {
      mempool(() => false);
      const txids = Array.from({ length: 20 }, (_, i) => TXID(i + 1));
      const txs = await new CoreRpc(opts).getRawTransactions(txids, 7);
      expect(core.batches).to.deep.equal([7, 7, 6]);
      expect(txs.map((t) => t?.subarray(0, 32).toString('hex'))).to.deep.equal(txids);
    });

    it('the batchSize option sets the default', async () => {
      mempool(() => false);
      await new CoreRpc({ ...opts, batchSize: 4 }).getRawTransactions(Array.from({ length: 10 }, (_, i) => TXID(i + 1)));
      expect(core.batches).to.deep.equal([4, 4, 2]);
    });

    it('asks nothing for an empty list', async () => {
      expect(await new CoreRpc(opts).getRawTransactions([])).to.deep.equal([]);
      expect(core.httpRequests).to.equal(0);
    });

    it('retries a batch whose entries say the node is warming up', async () => {
      core.handlers.getrawtransaction = ({ params }) =>
        core.batches.length < 3 ? { error: { code: -28, message: 'Verifying blocks…' } } : { result: params[0] };
      const txs = await new CoreRpc({ ...opts, warmupRetries: 3 }).getRawTransactions([TXID(1), TXID(2)]);
      expect(txs.map((t) => t?.toString('hex'))).to.deep.equal([TXID(1), TXID(2)]);
      expect(core.batches).to.deep.equal([2, 2, 2]);
    });

    it('fails the call on an entry error other than "not in mempool"', async () => {
      core.handlers.getrawtransaction = ({ params }) =>
        params[0] === TXID(2) ? { error: { code: -8, message: 'parameter 1 must be hexadecimal string' } } : { result: '00' };
      const err = await rejection(new CoreRpc(opts).getRawTransactions([TXID(1), TXID(2), TXID(3)]));
      expect(err.message).to.equal(
        `Bitcoin Core at 127.0.0.1:${core.port} rejected getrawtransaction: parameter 1 must be hexadecimal string (RPC error -8)`,
      );
    });

    it('a 401 on a batch is the credentials message', async () => {
      const err = await rejection(new CoreRpc({ ...opts, password: 'nope' }).getRawTransactions([TXID(1)]));
      expect(err.details).to.include({ reason: 'unauthorized' });
    });
  });

  describe('checkNode', () => {
    const info = (chain: string, ibd: boolean) => ({
      result: {
        chain, blocks: 800_000, headers: 850_000, bestblockhash: GENESIS, difficulty: 1, time: 1, mediantime: 1,
        verificationprogress: 0.93, initialblockdownload: ibd, chainwork: '00', size_on_disk: 1, pruned: false, warnings: '',
      },
    });

    it('reports chain, heights, IBD (not an error) and the ZMQ publishers', async () => {
      core.handlers.getblockchaininfo = () => info('regtest', true);
      core.handlers.getzmqnotifications = () => ({ result: [{ type: 'pubrawtx', address: 'tcp://127.0.0.1:28333', hwm: 1000 }] });
      const report = await new CoreRpc(opts).checkNode('regtest');
      expect(report).to.deep.equal({
        chain: 'regtest', blocks: 800_000, headers: 850_000, bestBlockHash: GENESIS, initialBlockDownload: true, pruned: false,
        zmq: [{ type: 'pubrawtx', address: 'tcp://127.0.0.1:28333', hwm: 1000 }],
      });
    });

    it('refuses a node on another chain, naming both and the setting', async () => {
      core.handlers.getblockchaininfo = () => info('main', false);
      const err = await rejection(new CoreRpc(opts).checkNode('regtest'));
      expect(err.code).to.equal('node_unavailable');
      expect(err.message).to.equal('Bitcoin Core is on main but Till is configured for regtest (TILL_CHAIN)');
      expect(err.details).to.include({ reason: 'wrong_chain' });
    });
  });
});
