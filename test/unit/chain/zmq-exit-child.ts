// Run by zmq.test.ts in its own process: it must exit by itself once the feed is stopped.
import { ZmqFeed } from '../../../src/chain/zmq.js';
import { CorePublisher, prime } from './zmq-helpers.js';

const pub = await CorePublisher.bind();
let got = 0;
const feed = new ZmqFeed({ endpoints: { rawtx: pub.endpoint, hashblock: pub.endpoint }, reconnectMs: 50, onMessage: () => void got++ });
feed.start();
await prime(pub, 'rawtx', () => got > 0);
await feed.stop();
pub.close();
console.log('stopped');
