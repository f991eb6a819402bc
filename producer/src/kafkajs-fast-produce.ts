import { createRequire } from 'node:module';

/**
 * Two measured costs inside kafkajs 2.2.4's produce path, replaced before kafkajs loads (profile of
 * `--stdin`, 200,000 events in batches of ~1,500: about a quarter of the producer's CPU):
 *
 * - `groupMessagesPerPartition` rebuilds the partition's array for every message (`[...current,
 *   message]`): quadratic in the batch size (0.9 s of CPU for 200,000 events). Replaced by a linear
 *   grouping with the same result.
 * - `Record` (record/v0) allocates a zero-filled 512-byte Encoder per record, and one more Buffer per
 *   varint. Replaced by an encoder that writes the record into one Buffer of its exact size, byte for
 *   byte what kafkajs writes (a unit test compares both); records with headers or a timestamp delta
 *   beyond 2^52 still go to kafkajs's own encoder.
 */
const require = createRequire(import.meta.url);
const GROUP = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
const RECORD = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const ENCODER = require.resolve('kafkajs/src/protocol/encoder.js');
/** The modules that take GROUP and RECORD at load time: they must load after the replacement. */
const USERS = ['kafkajs/src/producer/sendMessages.js', 'kafkajs/src/protocol/requests/produce/v3/request.js'].map((m) => require.resolve(m));

type Message = { key?: Buffer | string | null; value?: Buffer | string | null; headers?: Record<string, unknown> };
type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;
type GroupArgs = { topic: string; partitionMetadata: unknown[]; messages: Message[]; partitioner: Partitioner };
export interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
}
interface EncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
type RecordEncoder = ((args: RecordArgs) => EncoderLike) & { rastroFast?: true; kafkajs?: (args: RecordArgs) => EncoderLike };

if (USERS.some((m) => require.cache[m] !== undefined)) throw new Error('kafkajs was loaded before producer/src/kafkajs-fast-produce.ts: import kafkajs through producer/src/kafka.ts');

/** Same result as kafkajs's grouping (partition → its messages in input order), in one pass. */
export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, Message[]> {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) (result[partitioner({ topic, partitionMetadata, message })] ??= []).push(message);
  return result;
}

/** Zig-zag of a safe integer, in float arithmetic: bitwise operators would cut it to 32 bits. */
function zigZag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

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

const LARGEST_DELTA = 2 ** 52;

function asBytes(v: Buffer | string | null | undefined): Buffer | string | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : String(v);
}

function byteLength(v: Buffer | string | null): number {
  if (v === null) return -1;
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function writeBytes(buf: Buffer, pos: number, v: Buffer | string | null, len: number): number {
  pos = writeUVarint(buf, pos, zigZag(len));
  if (v === null) return pos;
  if (typeof v === 'string') buf.write(v, pos, len, 'utf8');
  else v.copy(buf, pos);
  return pos + len;
}

/** The fast record encoder; `fallback` handles what it does not (headers, huge deltas). */
export function fastRecord(fallback: (args: RecordArgs) => EncoderLike, Encoder: { prototype: object }): RecordEncoder {
  const encode: RecordEncoder = (args) => {
    const { offsetDelta = 0, timestampDelta = 0, headers } = args;
    if ((headers !== undefined && headers !== null && Object.keys(headers).length > 0) || !Number.isSafeInteger(timestampDelta) || Math.abs(timestampDelta) >= LARGEST_DELTA || !Number.isSafeInteger(offsetDelta)) return fallback(args);
    const key = asBytes(args.key);
    const value = asBytes(args.value);
    const keyLen = byteLength(key);
    const valueLen = byteLength(value);
    const ts = zigZag(timestampDelta);
    const od = zigZag(offsetDelta);
    // attributes (1 byte) + timestampDelta + offsetDelta + key + value + header count (0: 1 byte)
    const body = 1 + sizeOfUVarint(ts) + sizeOfUVarint(od) + sizeOfUVarint(zigZag(keyLen)) + Math.max(keyLen, 0) + sizeOfUVarint(zigZag(valueLen)) + Math.max(valueLen, 0) + 1;
    const buf = Buffer.allocUnsafe(sizeOfUVarint(zigZag(body)) + body);
    let pos = writeUVarint(buf, 0, zigZag(body));
    buf[pos++] = 0;
    pos = writeUVarint(buf, pos, ts);
    pos = writeUVarint(buf, pos, od);
    pos = writeBytes(buf, pos, key, keyLen);
    pos = writeBytes(buf, pos, value, valueLen);
    buf[pos++] = 0;
    // A real Encoder (kafkajs checks `buf` and reads `buffer`), without its 512-byte allocation.
    const e = Object.create(Encoder.prototype) as EncoderLike;
    e.buf = buf;
    e.offset = pos;
    return e;
  };
  encode.rastroFast = true;
  encode.kafkajs = fallback;
  return encode;
}

const loaded = require(RECORD) as RecordEncoder;
if (!loaded.rastroFast) {
  (require.cache[RECORD] as NodeJS.Module).exports = fastRecord(loaded, require(ENCODER) as { prototype: object });
  require(GROUP);
  (require.cache[GROUP] as NodeJS.Module).exports = groupMessagesPerPartition;
}
/** What kafkajs now uses for a record, and kafkajs's own encoder (the tests compare them). */
export const recordEncoders = {
  fast: require(RECORD) as RecordEncoder,
  kafkajs: (loaded.rastroFast ? loaded.kafkajs : loaded) as (args: RecordArgs) => EncoderLike,
};
