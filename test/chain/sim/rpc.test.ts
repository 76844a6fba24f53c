import { expect } from 'chai';
import { Block, Transaction } from 'bitcoinjs-lib';
import { startSimNode, type SimNode } from '../../../regtest/sim-node.js';
import { rawRpc, rpcClient } from './helpers.js';

const GENESIS = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
const PAYEE = 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080';
const NO_MEMPOOL_TX = 'No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries. Use gettransaction for wallet transactions.';

async function rpcError(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error('expected the call to fail');
}

describe('sim node: JSON-RPC like Bitcoin Core', function () {
  let node: SimNode;
  let client: ReturnType<typeof rpcClient>;

  before(async function () {
    node = await startSimNode({ splitCoins: 20, authFailDelayMs: 20 });
    client = rpcClient(node);
  });

  after(async function () {
    await node.close();
  });

  it('getblockchaininfo: regtest, synced, not pruned, the tip', async function () {
    const info = await client.command('getblockchaininfo');
    expect(info).to.include({ chain: 'regtest', blocks: 102, headers: 102, initialblockdownload: false, verificationprogress: 1, pruned: false });
    expect(info.bestblockhash).to.equal(await client.command('getbestblockhash'));
    expect(info).to.not.have.property('pruneheight');
  });

  it('getnetworkinfo: version and subversion', async function () {
    const info = await client.command('getnetworkinfo');
    expect(info.version).to.be.a('number').and.at.least(210000);
    expect(info.subversion).to.match(/^\/Satoshi:\d+\.\d+\.\d+.*\/$/);
  });

  it('getblockhash: the real regtest genesis; -8 beyond the tip', async function () {
    expect(await client.command('getblockhash', 0)).to.equal(GENESIS);
    const tip = await client.command('getblockcount');
    expect(await client.command('getblockhash', tip)).to.equal(await client.command('getbestblockhash'));
    for (const h of [tip + 1, -1]) {
      const err = await rpcError(client.command('getblockhash', h));
      expect(err).to.include({ code: -8, message: 'Block height out of range' });
    }
  });

  it('getblockheader: Core fields, links, confirmations; -5 when unknown', async function () {
    const tip = await client.command('getblockcount');
    const hash = await client.command('getblockhash', tip - 1);
    const header = await client.command('getblockheader', hash);
    expect(header).to.include({ hash, height: tip - 1, confirmations: 2, bits: '207fffff', nTx: 1 });
    expect(header.previousblockhash).to.equal(await client.command('getblockhash', tip - 2));
    expect(header.nextblockhash).to.equal(await client.command('getblockhash', tip));
    expect(header).to.have.keys('hash', 'confirmations', 'height', 'version', 'versionHex', 'merkleroot', 'time', 'mediantime', 'nonce', 'bits', 'difficulty', 'chainwork', 'nTx', 'previousblockhash', 'nextblockhash');
    const genesis = await client.command('getblockheader', GENESIS);
    expect(genesis).to.not.have.property('previousblockhash');
    expect(genesis.chainwork).to.equal('0000000000000000000000000000000000000000000000000000000000000002');
    const raw = await client.command('getblockheader', hash, false);
    expect(Block.fromHex(raw).getId()).to.equal(hash);
    const err = await rpcError(client.command('getblockheader', '00'.repeat(32)));
    expect(err).to.include({ code: -5, message: 'Block not found' });
  });

  it('getblock: raw hex parses to a valid block with the same id; verbosity 1 lists txids; -5 when unknown', async function () {
    const hash = await client.command('getbestblockhash');
    const hex = await client.command('getblock', hash, 0);
    const block = Block.fromHex(hex);
    expect(block.getId()).to.equal(hash);
    expect(block.checkTxRoots()).to.equal(true);
    expect(block.checkProofOfWork()).to.equal(true);
    const verbose = await client.command('getblock', hash, 1);
    expect(verbose.tx).to.deep.equal(block.transactions?.map((t) => t.getId()));
    expect(verbose).to.include({ hash, size: hex.length / 2, nTx: block.transactions?.length });
    const err = await rpcError(client.command('getblock', 'ab'.repeat(32), 0));
    expect(err).to.include({ code: -5, message: 'Block not found' });
    const bad = await rpcError(client.command('getblock', 'xyz'));
    expect(bad).to.include({ code: -8, message: "blockhash must be of length 64 (not 3, for 'xyz')" });
  });

  it('getrawmempool: an array, or {txids, mempool_sequence}; -8 for verbose with sequence', async function () {
    const before = await client.command('getrawmempool', false, true);
    const txid = await node.pay(PAYEE, 50_000n);
    expect(await client.command('getrawmempool')).to.deep.equal([txid]);
    const after = await client.command('getrawmempool', false, true);
    expect(after.txids).to.deep.equal([txid]);
    expect(after.mempool_sequence).to.equal(before.mempool_sequence + 1);
    const err = await rpcError(client.command('getrawmempool', true, true));
    expect(err).to.include({ code: -8, message: 'Verbose results cannot contain mempool sequence values.' });
    const verbose = await client.command('getrawmempool', true);
    expect(Object.keys(verbose)).to.deep.equal([txid]);
  });

  it('getrawtransaction: mempool hex; confirmed only with its block hash (no txindex)', async function () {
    const txid = await node.pay(PAYEE, 60_000n);
    const hex = await client.command('getrawtransaction', txid, false);
    expect(Transaction.fromHex(hex).getId()).to.equal(txid);
    const [blockHash] = await node.mine(1);
    const err = await rpcError(client.command('getrawtransaction', txid, false));
    expect(err).to.include({ code: -5, message: NO_MEMPOOL_TX });
    expect(await client.command('getrawtransaction', txid, false, blockHash)).to.equal(hex);
    const verbose = await client.command('getrawtransaction', txid, 1, blockHash);
    expect(verbose).to.include({ in_active_chain: true, txid, blockhash: blockHash, confirmations: 1, hex });
    const other = await client.command('getblockhash', 1);
    const wrongBlock = await rpcError(client.command('getrawtransaction', txid, false, other));
    expect(wrongBlock).to.include({ code: -5, message: 'No such transaction found in the provided block. Use gettransaction for wallet transactions.' });
  });

  it('getmempoolentry: fees, sizes, replaceability; -5 when not in the mempool', async function () {
    const txid = await node.pay(PAYEE, 70_000n);
    const entry = await client.command('getmempoolentry', txid);
    const tx = Transaction.fromHex(await client.command('getrawtransaction', txid));
    expect(entry).to.include({ vsize: tx.virtualSize(), weight: tx.weight(), ancestorcount: 1, descendantcount: 1, 'bip125-replaceable': true, wtxid: Buffer.from(tx.getHash(true)).reverse().toString('hex') });
    expect(entry.fees).to.have.keys('base', 'modified', 'ancestor', 'descendant');
    const err = await rpcError(client.command('getmempoolentry', 'cd'.repeat(32)));
    expect(err).to.include({ code: -5, message: 'Transaction not in mempool' });
  });

  it('getzmqnotifications: one entry per topic with its address and hwm; uptime', async function () {
    const list = await client.command('getzmqnotifications');
    expect(list).to.deep.equal([
      { type: 'pubhashblock', address: node.zmq.hashblock, hwm: 1000 },
      { type: 'pubrawblock', address: node.zmq.rawblock, hwm: 1000 },
      { type: 'pubrawtx', address: node.zmq.rawtx, hwm: 1000 },
      { type: 'pubsequence', address: node.zmq.sequence, hwm: 1000 },
    ]);
    expect(await client.command('uptime')).to.be.a('number').and.at.least(0);
  });

  it('a batch is answered as an array, errors in place', async function () {
    const replies = await client.command([
      { method: 'getblockhash', parameters: [0] },
      { method: 'getblockhash', parameters: [1_000_000] },
      { method: 'getbestblockhash', parameters: [] },
    ]);
    expect(replies).to.have.length(3);
    expect(replies[0]).to.equal(GENESIS);
    expect(replies[1]).to.be.instanceOf(Error);
    expect(replies[1]).to.include({ code: -8, message: 'Block height out of range' });
    expect(replies[2]).to.equal(await client.command('getbestblockhash'));
  });

  it('401 on a wrong password, like Core (empty body, WWW-Authenticate)', async function () {
    const err = await rpcError(rpcClient(node, 'wrong').command('getbestblockhash'));
    expect(err.code).to.equal(401);
    const raw = await rawRpc(node, '{"method":"getbestblockhash","params":[],"id":1}', { password: 'wrong' });
    expect(raw.status).to.equal(401);
    expect(raw.text).to.equal('');
    expect(raw.headers.get('www-authenticate')).to.equal('Basic realm="jsonrpc"');
    expect((await rawRpc(node, '{}', { auth: false })).status).to.equal(401);
  });

  it('HTTP statuses and reply shapes of JSON-RPC 1.0 and 2.0', async function () {
    const cases: { body: string; status: number; reply: unknown }[] = [
      { body: '{"method":"getblockhash","params":[0],"id":7}', status: 200, reply: { result: GENESIS, error: null, id: 7 } },
      { body: '{"method":"getblock","params":["' + '00'.repeat(32) + '"],"id":"x"}', status: 500, reply: { result: null, error: { code: -5, message: 'Block not found' }, id: 'x' } },
      { body: '{"method":"nosuchmethod","params":[],"id":1}', status: 404, reply: { result: null, error: { code: -32601, message: 'Method not found' }, id: 1 } },
      { body: '{"params":[],"id":1}', status: 400, reply: { result: null, error: { code: -32600, message: 'Missing method' }, id: 1 } },
      { body: 'not json', status: 500, reply: { result: null, error: { code: -32700, message: 'Parse error' } } },
      { body: '{"jsonrpc":"2.0","method":"getblockhash","params":[0],"id":1}', status: 200, reply: { jsonrpc: '2.0', result: GENESIS, id: 1 } },
      { body: '{"jsonrpc":"2.0","method":"getblockhash","params":[999999],"id":2}', status: 200, reply: { jsonrpc: '2.0', error: { code: -8, message: 'Block height out of range' }, id: 2 } },
      { body: '{"method":"getblockhash","params":{"height":0},"id":3}', status: 200, reply: { result: GENESIS, error: null, id: 3 } },
    ];
    for (const c of cases) {
      const res = await rawRpc(node, c.body);
      expect(res.status, c.body).to.equal(c.status);
      expect(JSON.parse(res.text), c.body).to.deep.equal(c.reply);
      expect(res.headers.get('content-type')).to.equal('application/json');
    }
    expect((await rawRpc(node, '{"jsonrpc":"2.0","method":"ping"}')).status).to.equal(204);
    const get = await rawRpc(node, '', { method: 'GET' });
    expect(get.status).to.equal(405);
    expect(get.text).to.equal('JSONRPC server handles only POST requests');
  });

  it('amounts are written the way Core writes them (eight decimals)', async function () {
    const txid = await node.pay(PAYEE, 12_345n);
    const res = await rawRpc(node, `{"method":"getrawtransaction","params":["${txid}",1],"id":1}`);
    expect(res.text).to.contain('"value":0.00012345');
  });

  it('stopRpc makes the port refuse connections until startRpc; failRpc injects Core errors', async function () {
    await node.stopRpc();
    const down = await rpcError(client.command('getbestblockhash'));
    expect(String((down as unknown as Error).message)).to.match(/ECONNREFUSED/);
    await node.startRpc();
    expect(await client.command('getblockcount')).to.equal(await node.tipHeight());
    node.failRpc('getblockcount', { code: -28, message: 'Loading block index…' }, 1);
    const warm = await rpcError(client.command('getblockcount'));
    expect(warm).to.include({ code: -28 });
    expect(await client.command('getblockcount')).to.equal(await node.tipHeight());
  });

  it('prune: old blocks answer -1 "Block not available (pruned data)"', async function () {
    node.prune(50);
    try {
      const err = await rpcError(client.command('getblock', await client.command('getblockhash', 10), 0));
      expect(err).to.include({ code: -1, message: 'Block not available (pruned data)' });
      const info = await client.command('getblockchaininfo');
      expect(info).to.include({ pruned: true, pruneheight: 50 });
      expect(await client.command('getblock', await client.command('getblockhash', 60), 0)).to.be.a('string');
    } finally {
      node.prune(0);
    }
  });
});
