import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { captureLog } from '../../helpers/capture-log.js';
import { ZmqFeed, type ZmqConnectionEvent, type ZmqFeedOptions, type ZmqMessage } from '../../../src/chain/zmq.js';
import { CorePublisher, PRIME, Recorder, gate, prime, until } from './zmq-helpers.js';


describe('chain/zmq ZmqFeed', function () {
  this.timeout(10_000);
  const feeds: ZmqFeed[] = [];
  const pubs: CorePublisher[] = [];

  const feed = (opts: ZmqFeedOptions): ZmqFeed => {
    const f = new ZmqFeed({ reconnectMs: 50, ...opts });
    feeds.push(f);
    return f;
  };
  const publisher = async (start: Parameters<typeof CorePublisher.bind>[0] = {}, endpoint?: string) => {
    const p = await CorePublisher.bind(start, endpoint);
    pubs.push(p);
    return p;
  };

  afterEach(async () => {
    await Promise.all(feeds.splice(0).map((f) => f.stop()));
    for (const p of pubs.splice(0)) p.close();
  });

  it('delivers topics sharing an endpoint in order on one socket, tracking each topic\'s numbers', async () => {
    const pub = await publisher({ rawtx: 5000, sequence: 70 });
    const rec = new Recorder();
    const now = new Date('2030-01-02T03:04:05Z');
    const f = feed({ endpoints: { rawtx: pub.endpoint, sequence: pub.endpoint }, onMessage: rec.onMessage, onGap: rec.onGap, now: () => now.getTime() });
    expect(f.endpoints()).to.deep.equal([{ endpoint: pub.endpoint, topics: ['rawtx', 'sequence'] }]);
    f.start();
    await prime(pub, 'rawtx', () => rec.messages('rawtx').length > 0);
    await prime(pub, 'sequence', () => rec.messages('sequence').length > 0);

    const sent: { topic: string; seq: number; body: string }[] = [];
    for (let i = 0; i < 60; i++) {
      const topic = i % 3 === 0 ? 'sequence' : 'rawtx';
      const seq = await pub.send(topic, `m${i}`);
      sent.push({ topic, seq, body: `m${i}` });
    }
    await until(() => rec.real().length === 60, '60 messages');
    expect(rec.real()).to.deep.equal(sent.map((s) => ({ kind: 'msg', ...s })));
    expect(rec.gaps()).to.deep.equal([]);

    const status = f.status();
    expect(Object.keys(status)).to.deep.equal(['rawtx', 'sequence']);
    expect(status.rawtx).to.deep.equal({
      endpoint: pub.endpoint, connected: true, lastMessageAt: now, lastSeq: (pub.seq.rawtx as number) - 1,
      messages: rec.messages('rawtx').length, gaps: 0, handlerErrors: 0,
    });
    expect(status.sequence).to.include({ lastSeq: (pub.seq.sequence as number) - 1, messages: rec.messages('sequence').length, gaps: 0 });
  });

  it('reports a gap, and a reset to 0 (Core restarted), before delivering the message that shows it', async () => {
    const pub = await publisher({ hashblock: 41 });
    const rec = new Recorder();
    const f = feed({ endpoints: { hashblock: pub.endpoint }, onMessage: rec.onMessage, onGap: rec.onGap });
    f.start();
    await prime(pub, 'hashblock', () => rec.messages().length > 0);
    expect(rec.gaps(), 'the first message after start is not a gap').to.deep.equal([]);

    const a = await pub.send('hashblock', 'a');
    await pub.send('hashblock', 'b');
    pub.seq.hashblock = (pub.seq.hashblock as number) + 2; // two lost
    const d = await pub.send('hashblock', 'd');
    await pub.send('hashblock', 'after-restart', 0);
    await pub.send('hashblock', 'next', 1);
    await until(() => rec.real().length === 7, 'messages and gaps');
    const ep = pub.endpoint;
    expect(rec.real()).to.deep.equal([
      { kind: 'msg', topic: 'hashblock', seq: a, body: 'a' },
      { kind: 'msg', topic: 'hashblock', seq: a + 1, body: 'b' },
      { kind: 'gap', topic: 'hashblock', endpoint: ep, expected: a + 2, got: d, reset: false },
      { kind: 'msg', topic: 'hashblock', seq: d, body: 'd' },
      { kind: 'gap', topic: 'hashblock', endpoint: ep, expected: d + 1, got: 0, reset: true },
      { kind: 'msg', topic: 'hashblock', seq: 0, body: 'after-restart' },
      { kind: 'msg', topic: 'hashblock', seq: 1, body: 'next' },
    ]);
    expect(f.status().hashblock).to.include({ gaps: 2, lastSeq: 1 });
  });

  it('opens one socket per endpoint, and a busy handler on one does not hold up another', async () => {
    const a = await publisher();
    const b = await publisher();
    const rec = new Recorder();
    const held = gate();
    let holding = false;
    const f = feed({
      endpoints: { rawtx: a.endpoint, hashblock: a.endpoint, rawblock: b.endpoint },
      onMessage: async (m) => {
        rec.onMessage(m);
        if (m.body.toString() === 'hold') {
          holding = true;
          await held.wait;
        }
      },
    });
    expect(f.endpoints()).to.deep.equal([
      { endpoint: a.endpoint, topics: ['rawtx', 'hashblock'] },
      { endpoint: b.endpoint, topics: ['rawblock'] },
    ]);
    f.start();
    await prime(a, 'rawtx', () => rec.messages('rawtx').length > 0);
    await prime(a, 'hashblock', () => rec.messages('hashblock').length > 0);
    await prime(b, 'rawblock', () => rec.messages('rawblock').length > 0);

    await a.send('rawtx', 'hold');
    await until(() => holding, 'the rawtx handler to start');
    await a.send('hashblock', 'queued behind the held rawtx');
    await b.send('rawblock', 'other socket');
    await until(() => rec.messages('rawblock').some((m) => m.body === 'other socket'), 'the rawblock on the other socket');
    await sleep(50);
    expect(rec.messages('hashblock').map((m) => m.body)).not.to.include('queued behind the held rawtx');

    held.open();
    await until(() => rec.messages('hashblock').some((m) => m.body === 'queued behind the held rawtx'), 'the queued hashblock');
    expect(f.status().rawblock).to.include({ endpoint: b.endpoint, connected: true });
  });

  it('backpressure: a slow handler gets all of 1,000 messages, in order, one at a time', async () => {
    const pub = await publisher({ rawtx: 1 });
    const rec = new Recorder();
    let inFlight = 0;
    let maxInFlight = 0;
    const f = feed({
      endpoints: { rawtx: pub.endpoint },
      onGap: rec.onGap,
      onMessage: async (m) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setImmediate(r));
        if (m.seq % 100 === 0) await sleep(20);
        rec.onMessage(m);
        inFlight--;
      },
    });
    f.start();
    await prime(pub, 'rawtx', () => rec.messages().length > 0);

    const first = pub.seq.rawtx as number;
    for (let i = 0; i < 1000; i++) await pub.send('rawtx', `tx${i}`);
    const sentAllAt = rec.real().length;
    await until(() => rec.real().length === 1000, '1,000 messages', 8000);
    expect(sentAllAt, 'the publisher finished long before the handler did').to.be.below(900);
    const got = rec.real();
    for (let i = 0; i < 1000; i++) {
      const m = got[i];
      if (m?.kind !== 'msg' || m.seq !== first + i || m.body !== `tx${i}`) expect.fail(`message ${i} is ${JSON.stringify(m)}`);
    }
    expect(rec.gaps()).to.deep.equal([]);
    expect(maxInFlight).to.equal(1);
  });

  it('a handler that throws or rejects, or an onGap that throws, does not stop the feed; errors are counted and logged', async () => {
    const pub = await publisher({ rawtx: 10 });
    const { log, lines } = captureLog('debug');
    const seen: string[] = [];
    const f = feed({
      endpoints: { rawtx: pub.endpoint },
      log,
      onGap: () => {
        throw new Error('gap handler broke');
      },
      onMessage: async (m: ZmqMessage) => {
        const body = m.body.toString();
        seen.push(body);
        if (body === 'bad-sync') throw new Error('sync failure');
        await sleep(1);
        if (body === 'bad-async') throw new Error('async failure');
      },
    });
    f.start();
    await prime(pub, 'rawtx', () => seen.length > 0);

    await pub.send('rawtx', 'ok1');
    await pub.send('rawtx', 'bad-sync');
    await pub.socket.send(['rawtx', Buffer.from('two frames only')]);
    await pub.send('rawtx', 'ok2');
    await pub.send('rawtx', 'bad-async');
    pub.seq.rawtx = (pub.seq.rawtx as number) + 5;
    await pub.send('rawtx', 'after-gap');
    await until(() => seen.includes('after-gap'), 'the message after the gap');
    expect(seen.filter((b) => b !== PRIME)).to.deep.equal(['ok1', 'bad-sync', 'ok2', 'bad-async', 'after-gap']);
    expect(f.status().rawtx).to.include({ handlerErrors: 2, gaps: 1 });
    const logged = lines.join('');
    expect(logged).to.include('sync failure');
    expect(logged).to.include('async failure');
    expect(logged).to.include('gap handler broke');
    expect(logged).to.include('2 frames instead of 3');
  });

  it('reports disconnect and reconnect; a restarted publisher shows as a reset', async () => {
    const first = await publisher({ rawtx: 900 });
    const endpoint = first.endpoint;
    const rec = new Recorder();
    const events: (ZmqConnectionEvent & { type: string })[] = [];
    const f = feed({
      endpoints: { rawtx: endpoint },
      onMessage: rec.onMessage,
      onGap: rec.onGap,
      onConnect: (e) => void events.push({ type: 'connect', ...e }),
      onDisconnect: (e) => void events.push({ type: 'disconnect', ...e }),
    });
    f.start();
    await until(() => events.length === 1, 'the first connect');
    expect(events[0]).to.deep.equal({ type: 'connect', endpoint, topics: ['rawtx'], reconnect: false });
    await prime(first, 'rawtx', () => rec.messages().length > 0);
    const lastBefore = (first.seq.rawtx as number) - 1;

    first.close();
    pubs.splice(pubs.indexOf(first), 1);
    await until(() => events.length === 2, 'the disconnect');
    expect(events[1]).to.deep.equal({ type: 'disconnect', endpoint, topics: ['rawtx'], reconnect: false });
    expect(f.status().rawtx).to.include({ connected: false, lastSeq: lastBefore });

    const second = await publisher({}, endpoint);
    await until(() => events.length === 3, 'the reconnect');
    expect(events[2]).to.deep.equal({ type: 'connect', endpoint, topics: ['rawtx'], reconnect: true });
    expect(f.status().rawtx).to.include({ connected: true });

    // Every prime is number 0, as from a node that just started: the first to arrive shows the reset.
    const gapsBefore = rec.gaps().length;
    await prime(second, 'rawtx', () => rec.gaps().length > gapsBefore, 0);
    expect(rec.gaps()[gapsBefore]).to.deep.equal({ kind: 'gap', topic: 'rawtx', endpoint, expected: lastBefore + 1, got: 0, reset: true });
  });

  it('stop() during a pending handler waits for it, closes the sockets and delivers nothing more', async () => {
    const pub = await publisher();
    const held = gate();
    const seen: string[] = [];
    let holding = false;
    const f = feed({
      endpoints: { rawtx: pub.endpoint, rawblock: pub.endpoint },
      onMessage: async (m) => {
        seen.push(m.body.toString());
        if (m.body.toString() === 'hold') {
          holding = true;
          await held.wait;
        }
      },
    });
    expect(f.status().rawtx).to.deep.equal({
      endpoint: pub.endpoint, connected: false, lastMessageAt: null, lastSeq: null, messages: 0, gaps: 0, handlerErrors: 0,
    });
    f.start();
    expect(() => f.start()).to.throw('already started');
    await prime(pub, 'rawtx', () => seen.length > 0);
    await pub.send('rawtx', 'hold');
    await pub.send('rawtx', 'queued');
    await until(() => holding, 'the handler to start');

    let stopped = false;
    const stopping = f.stop().then(() => (stopped = true));
    await sleep(30);
    expect(stopped, 'stop waits for the running handler').to.equal(false);
    held.open();
    await stopping;
    expect(f.running).to.equal(false);
    expect(f.status().rawtx).to.include({ connected: false });

    await pub.send('rawtx', 'after stop');
    await sleep(50);
    expect(seen.filter((b) => b !== PRIME)).to.deep.equal(['hold']);
  });

  it('leaves no handle behind: a process that starts and stops a feed exits on its own', function () {
    this.timeout(15_000);
    const child = fileURLToPath(new URL('./zmq-exit-child.ts', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', timeout: 10_000 });
    expect(r.error, 'the child did not exit by itself').to.equal(undefined);
    expect(r.stdout.trim()).to.equal('stopped');
    expect(r.status).to.equal(0);
  });
});
