import { TillError } from '../domain/errors.js';

/** The Core notification topics Till subscribes to (`-zmqpub<topic>=<address>`). */
export const ZMQ_TOPICS = ['rawtx', 'rawblock', 'hashblock', 'sequence'] as const;
export type ZmqTopic = (typeof ZMQ_TOPICS)[number];

/** One notification: Core sends three frames, topic | body | 4-byte little-endian sequence number. */
export interface ZmqMessage {
  topic: ZmqTopic;
  body: Buffer;
  seq: number;
}

const TOPIC_CODES = ZMQ_TOPICS.map((t) => Array.from(t, (c) => c.charCodeAt(0)));

/** The topic a frame names, read in place: every message Core sends has one, 10,000 a second in a flood. */
function topicOf(frame: Buffer): ZmqTopic | null {
  next: for (let t = 0; t < TOPIC_CODES.length; t++) {
    const codes = TOPIC_CODES[t]!;
    if (frame.length !== codes.length) continue;
    for (let i = 0; i < codes.length; i++) if (frame[i] !== codes[i]) continue next;
    return ZMQ_TOPICS[t]!;
  }
  return null;
}

/** Splits Core's three frames; a string saying what is wrong when they are not Core's shape. */
export function parseFrames(frames: readonly Buffer[]): ZmqMessage | string {
  if (frames.length !== 3) return `${frames.length} frames instead of 3`;
  const [topicFrame, body, seqFrame] = frames as [Buffer, Buffer, Buffer];
  const topic = topicOf(topicFrame);
  if (topic === null) return `unknown topic ${JSON.stringify(topicFrame.subarray(0, 32).toString('latin1'))}`;
  if (seqFrame.length !== 4) return `a ${seqFrame.length}-byte sequence frame instead of 4`;
  return { topic, body, seq: seqFrame.readUInt32LE(0) };
}

/**
 * `sequence` topic labels: block (C)onnected / (D)isconnected, tx (A)dded to / (R)emoved
 * from the mempool for a reason other than inclusion in a block.
 */
export type SequenceLabel = 'C' | 'D' | 'R' | 'A';

export interface SequenceEvent {
  /** Block hash or txid in display (RPC) byte order: Core reverses it before sending. */
  hash: string;
  label: SequenceLabel;
  /** Present for A and R: the mempool sequence that `getrawmempool false true` also reports. */
  mempoolSeq?: bigint;
}

function malformed(what: string): TillError {
  return new TillError('validation_failed', `malformed ZMQ ${what}`);
}

/** Body of a `sequence` message: <32-byte hash><label>[<8-byte LE mempool sequence> for A and R]. */
export function parseSequenceMessage(body: Buffer): SequenceEvent {
  if (body.length < 33) throw malformed(`sequence message: ${body.length} bytes`);
  const label = String.fromCharCode(body[32] ?? 0);
  const hash = body.subarray(0, 32).toString('hex');
  switch (label) {
    case 'C':
    case 'D':
      if (body.length !== 33) throw malformed(`sequence message: ${body.length} bytes for label ${label}, expected 33`);
      return { hash, label };
    case 'A':
    case 'R':
      if (body.length !== 41) throw malformed(`sequence message: ${body.length} bytes for label ${label}, expected 41`);
      return { hash, label, mempoolSeq: body.readBigUInt64LE(33) };
    default:
      throw malformed(`sequence message: unknown label 0x${(body[32] ?? 0).toString(16).padStart(2, '0')}`);
  }
}

/** Body of a `hashblock` message: the 32-byte block hash, already in display order. */
export function hashFromHashblock(body: Buffer): string {
  if (body.length !== 32) throw malformed(`hashblock message: ${body.length} bytes, expected 32`);
  return body.toString('hex');
}
