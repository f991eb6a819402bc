import { createRequire } from 'node:module';
import { crc32c } from './crc32c.ts';

/**
 * Two measured costs inside kafkajs 2.2.4's produce path, replaced before kafkajs loads (CPU profile
 * of `--stdin`, 200,000 events in batches of a few hundred: together about half of the producer's CPU):
 *
 * - `groupMessagesPerPartition` rebuilds the partition's array for every message (`[...current,
 *   message]`): quadratic in the batch size (0.9 s of CPU for 200,000 events). Replaced by a linear
 *   grouping with the same result.
 * - The Produce request (v3, which v4–v7 reuse) encodes each record into its own zero-filled 512-byte
 *   Encoder plus one Buffer per varint, copies it into a batch Encoder that grows by doubling, then
 *   copies the batch three more times. Replaced, for uncompressed batches of plain messages (no
 *   headers, numeric or no timestamps: what rastro sends), by one pass that sizes the request and
 *   one that writes it into a single Buffer. The bytes are kafkajs's own: a unit test compares both
 *   encoders on the same requests. Anything else still goes to kafkajs's encoder. The batch checksum
 *   is ./crc32c.ts (8 bytes per step) instead of kafkajs's byte loop.
 */
const require = createRequire(import.meta.url);
const GROUP = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const PRODUCE_V3 = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
const ENCODER = require.resolve('kafkajs/src/protocol/encoder.js');
const LONG = require.resolve('kafkajs/src/utils/long.js');
/** Modules that take GROUP or PRODUCE_V3 at load time: they must load after the replacement. */
const USERS = ['kafkajs/src/producer/sendMessages.js', 'kafkajs/src/protocol/requests/produce/v4/request.js'].map((m) => require.resolve(m));

if (USERS.some((m) => require.cache[m] !== undefined)) throw new Error('kafkajs was loaded before producer/src/kafkajs-fast-produce.ts: import kafkajs through producer/src/kafka.ts');

type Bytes = Buffer | string | null | undefined;
export interface Message {
  key?: Bytes;
  value?: Bytes;
  headers?: Record<string, unknown>;
  timestamp?: number | string | null;
  partition?: number;
}
type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;
type GroupArgs = { topic: string; partitionMetadata: unknown[]; messages: Message[]; partitioner: Partitioner };
/** kafkajs's Long (utils/long.js): only what the encoder needs. */
interface LongLike {
  getHighBits(): number;
  getLowBits(): number;
}
export interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  /** What kafkajs passes: a decimal string from InitProducerId, a number or a Long. */
  producerId?: LongLike | number | string;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; firstSequence?: number; messages: Message[] }> }>;
}
interface EncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<EncoderLike>;
}
type RequestFactory = ((args: ProduceArgs) => ProduceRequest) & { rastroFast?: true; kafkajs?: (args: ProduceArgs) => ProduceRequest };

/** Same result as kafkajs's grouping (partition → its messages in input order), in one pass. */
export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, Message[]> {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return result;
}

// --- varints (Kafka's zig-zag LEB128), in float arithmetic: bitwise operators cut to 32 bits -------
const zigZag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);

function sizeOfUVarint(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeUVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 128) {
    buf[pos++] = (v % 128) | 128;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

/** Deltas beyond this would lose precision in zig-zag float arithmetic: kafkajs encodes those. */
const LARGEST_DELTA = 2 ** 51;
/** Record batch header (magic 2), from FirstOffset to the record count. */
const BATCH_HEADER = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
/** Where the CRC and the bytes it covers (attributes to the end) start. */
const CRC_AT = 8 + 4 + 4 + 1;
const CRC_FROM = CRC_AT + 4;
const TRANSACTIONAL = 16;

function isBytes(b: Bytes): boolean {
  return b === undefined || b === null || typeof b === 'string' || Buffer.isBuffer(b);
}

function isPlain(m: Message): boolean {
  const t = m.timestamp;
  if (t !== undefined && t !== null && !(typeof t === 'number' && Number.isSafeInteger(t))) return false;
  if (!isBytes(m.key) || !isBytes(m.value)) return false;
  if (m.headers === undefined || m.headers === null) return true;
  for (const _ in m.headers) return false;
  return true;
}

const byteLength = (b: Bytes): number => (b === undefined || b === null ? -1 : typeof b === 'string' ? Buffer.byteLength(b, 'utf8') : b.length);

function writeBytes(buf: Buffer, pos: number, b: Bytes, len: number): number {
  pos = writeUVarint(buf, pos, zigZag(len));
  if (len < 0) return pos;
  if (typeof b === 'string') buf.write(b, pos, len, 'utf8');
  else (b as Buffer).copy(buf, pos);
  return pos + len;
}

/** kafkajs's Long.fromValue: numbers, decimal strings (a broker's producer id arrives as one) and Longs. */
const Long = require(LONG) as { fromValue(v: unknown): LongLike };

function writeInt64(buf: Buffer, pos: number, v: unknown): void {
  const long = Long.fromValue(v);
  buf.writeInt32BE(long.getHighBits(), pos);
  buf.writeInt32BE(long.getLowBits(), pos + 4);
}

/** One partition's messages as kafkajs lays them out: timestamps, deltas and sizes. */
interface BatchPlan {
  firstTimestamp: number;
  maxTimestamp: number;
  /** Per message: key length, value length, record body size, timestamp delta (zig-zagged). */
  sizes: Float64Array;
  bytes: number;
}

function planBatch(messages: Message[], now: number): BatchPlan | undefined {
  // kafkajs sorts the timestamps with the default (text) order and takes the first and last.
  const stamps = messages.map((m) => m.timestamp).filter((t): t is number => t !== undefined && t !== null);
  stamps.sort();
  const firstTimestamp = stamps.length === 0 ? now : (stamps[0] as number);
  const maxTimestamp = stamps.length === 0 ? now : (stamps[stamps.length - 1] as number);
  const sizes = new Float64Array(messages.length * 4);
  let bytes = BATCH_HEADER;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    const delta = ((m.timestamp as number | null | undefined) || now) - firstTimestamp;
    if (Math.abs(delta) >= LARGEST_DELTA) return undefined;
    const keyLen = byteLength(m.key);
    const valueLen = byteLength(m.value);
    const ts = zigZag(delta);
    const body = 1 + sizeOfUVarint(ts) + sizeOfUVarint(zigZag(i)) + sizeOfUVarint(zigZag(keyLen)) + Math.max(keyLen, 0) + sizeOfUVarint(zigZag(valueLen)) + Math.max(valueLen, 0) + 1;
    sizes[i * 4] = keyLen;
    sizes[i * 4 + 1] = valueLen;
    sizes[i * 4 + 2] = body;
    sizes[i * 4 + 3] = ts;
    bytes += sizeOfUVarint(zigZag(body)) + body;
  }
  return { firstTimestamp, maxTimestamp, sizes, bytes };
}

function writeBatch(buf: Buffer, start: number, messages: Message[], plan: BatchPlan, a: { producerId: unknown; producerEpoch: number; firstSequence: number; transactional: boolean }, crc32C: (b: Buffer) => number): number {
  let pos = start;
  writeInt64(buf, pos, 0); // first offset
  buf.writeInt32BE(plan.bytes - 12, pos + 8); // length: everything after this field
  buf.writeInt32BE(0, pos + 12); // partition leader epoch
  buf.writeInt8(2, pos + 16); // magic
  pos += CRC_FROM;
  buf.writeInt16BE(a.transactional ? TRANSACTIONAL : 0, pos);
  buf.writeInt32BE(messages.length - 1, pos + 2);
  writeInt64(buf, pos + 6, plan.firstTimestamp);
  writeInt64(buf, pos + 14, plan.maxTimestamp);
  writeInt64(buf, pos + 22, a.producerId);
  buf.writeInt16BE(a.producerEpoch, pos + 30);
  buf.writeInt32BE(a.firstSequence, pos + 32);
  buf.writeInt32BE(messages.length, pos + 36);
  pos += 40;
  const s = plan.sizes;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Message;
    pos = writeUVarint(buf, pos, zigZag(s[i * 4 + 2] as number));
    buf[pos++] = 0; // record attributes
    pos = writeUVarint(buf, pos, s[i * 4 + 3] as number);
    pos = writeUVarint(buf, pos, zigZag(i));
    pos = writeBytes(buf, pos, m.key, s[i * 4] as number);
    pos = writeBytes(buf, pos, m.value, s[i * 4 + 1] as number);
    buf[pos++] = 0; // no headers
  }
  buf.writeUInt32BE(crc32C(buf.subarray(start + CRC_FROM, pos)), start + CRC_AT);
  return pos;
}

/** The Produce v3 body kafkajs would write, in one Buffer; undefined when a message needs kafkajs's encoder. */
export function encodeProduce(args: ProduceArgs, Encoder: { prototype: object }, crc32C: (b: Buffer) => number, now = Date.now()): EncoderLike | undefined {
  const { acks, timeout, transactionalId = null, producerId = -1, producerEpoch = 0, topicData } = args;
  const plans: BatchPlan[] = [];
  let bytes = 2 + (transactionalId === null ? 0 : Buffer.byteLength(transactionalId, 'utf8')) + 2 + 4 + 4;
  for (const t of topicData) {
    bytes += 2 + Buffer.byteLength(t.topic, 'utf8') + 4;
    for (const p of t.partitions) {
      if (!p.messages.every(isPlain)) return undefined;
      const plan = planBatch(p.messages, now);
      if (plan === undefined) return undefined;
      plans.push(plan);
      bytes += 4 + 4 + plan.bytes;
    }
  }
  const buf = Buffer.allocUnsafe(bytes);
  let pos = 0;
  if (transactionalId === null) pos = buf.writeInt16BE(-1, pos);
  else {
    pos = buf.writeInt16BE(Buffer.byteLength(transactionalId, 'utf8'), pos);
    pos += buf.write(transactionalId, pos, 'utf8');
  }
  pos = buf.writeInt16BE(acks, pos);
  pos = buf.writeInt32BE(timeout, pos);
  pos = buf.writeInt32BE(topicData.length, pos);
  let b = 0;
  for (const t of topicData) {
    pos = buf.writeInt16BE(Buffer.byteLength(t.topic, 'utf8'), pos);
    pos += buf.write(t.topic, pos, 'utf8');
    pos = buf.writeInt32BE(t.partitions.length, pos);
    for (const p of t.partitions) {
      const plan = plans[b++] as BatchPlan;
      pos = buf.writeInt32BE(p.partition, pos);
      pos = buf.writeInt32BE(plan.bytes, pos);
      pos = writeBatch(buf, pos, p.messages, plan, { producerId, producerEpoch, firstSequence: p.firstSequence ?? 0, transactional: transactionalId !== null }, crc32C);
    }
  }
  if (pos !== bytes) throw new Error(`produce request encoder: wrote ${pos} bytes of the ${bytes} it planned (a bug in rastro's encoder)`);
  // A real Encoder (kafkajs checks `buf` and reads `buffer`), around the one Buffer.
  const e = Object.create(Encoder.prototype) as EncoderLike;
  e.buf = buf;
  e.offset = pos;
  return e;
}

export function fastProduceRequest(kafkajs: (args: ProduceArgs) => ProduceRequest, Encoder: { prototype: object }, crc32C: (b: Buffer) => number): RequestFactory {
  const factory: RequestFactory = (args) => {
    const request = kafkajs(args);
    if ((args.compression ?? 0) !== 0) return request;
    return { ...request, encode: async () => encodeProduce(args, Encoder, crc32C) ?? request.encode() };
  };
  factory.rastroFast = true;
  factory.kafkajs = kafkajs;
  return factory;
}

const loaded = require(PRODUCE_V3) as RequestFactory;
if (!loaded.rastroFast) {
  (require.cache[PRODUCE_V3] as NodeJS.Module).exports = fastProduceRequest(loaded, require(ENCODER) as { prototype: object }, crc32c);
  require(GROUP);
  (require.cache[GROUP] as NodeJS.Module).exports = groupMessagesPerPartition;
}
/** What kafkajs now uses for a Produce v3 request, and kafkajs's own (the tests compare them). */
export const produceRequests = {
  fast: require(PRODUCE_V3) as RequestFactory,
  kafkajs: (loaded.rastroFast ? loaded.kafkajs : loaded) as (args: ProduceArgs) => ProduceRequest,
};
