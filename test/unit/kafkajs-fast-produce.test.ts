import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import '../../producer/src/kafka.ts';
import { encodeProduce, groupMessagesPerPartition, produceRequests, type Message, type ProduceArgs } from '../../producer/src/kafkajs-fast-produce.ts';
import { Lane, type Outgoing } from '../../producer/src/lane.ts';
import { refusedForGood } from '../../producer/src/location-producer.ts';
import { MAX_BATCH_RECORD_BYTES, MAX_MESSAGE_BYTES, recordBytes } from '../../producer/src/record-size.ts';

const require = createRequire(import.meta.url);
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): never; fromString(s: string): never };
const { fast, kafkajs } = produceRequests;

const event = (i: number) => JSON.stringify({ driver_id: `driver_${i}`, latitude: -23.5 + i / 1e4, longitude: -46.6, timestamp: 1_795_857_079_194 + i, status: 'AVAILABLE' });
const args = (messages: Message[], more: Partial<ProduceArgs> = {}): ProduceArgs => ({
  acks: -1, timeout: 30_000, producerId: Long.fromString('4711'), producerEpoch: 3,
  topicData: [{ topic: 'driver-locations', partitions: [{ partition: 2, firstSequence: 1234, messages }] }],
  ...more,
});

async function bytes(factory: (a: ProduceArgs) => { encode(): Promise<{ buffer: Buffer }> }, a: ProduceArgs): Promise<Buffer> {
  return (await factory(a).encode()).buffer;
}

describe('the fast Produce request encoder writes the bytes kafkajs writes', () => {
  afterEach(() => vi.restoreAllMocks());
  const cases: Array<[string, ProduceArgs]> = [
    ['a batch of location events, no timestamps (send time)', args(Array.from({ length: 300 }, (_, i) => ({ key: `driver_${i}`, value: event(i), partition: 2 })))],
    ['the producer id as kafkajs passes it (a decimal string from InitProducerId)', args([{ key: 'k', value: 'v' }], { producerId: '9007199254740993', producerEpoch: 1 })],
    ['a tombstone (null value) and an undefined key', args([{ key: 'driver_7', value: null }, { value: 'v' }])],
    ['non-ASCII text and Buffers', args([{ key: 'motorista_ção', value: '{"cidade":"São Paulo 🚚"}' }, { key: Buffer.from([0, 1, 2]), value: Buffer.alloc(300, 7) }])],
    ['explicit timestamps, out of order and mixed with none', args([{ key: 'a', value: '1', timestamp: 1_795_857_079_500 }, { key: 'b', value: '2', timestamp: 1_795_857_079_100 }, { key: 'c', value: '3' }])],
    ['a 20 kB value and more than 127 records (multi-byte varints)', args([...Array.from({ length: 200 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(i) })), { key: 'big', value: 'y'.repeat(20_000) }])],
    ['two topics, several partitions, a transactional id', {
      acks: 1, timeout: 5000, transactionalId: 'tx-ção', producerId: Long.fromInt(-1), producerEpoch: 0,
      topicData: [
        { topic: 'driver-locations', partitions: [{ partition: 0, firstSequence: 0, messages: [{ key: 'a', value: '1' }] }, { partition: 5, messages: [{ key: 'b', value: '2' }, { key: 'c', value: null }] }] },
        { topic: 'driver-locations-late', partitions: [{ partition: 0, firstSequence: 99, messages: [{ key: 'd', value: '4' }] }] },
      ],
    }],
    ['headers (kafkajs encodes them)', args([{ key: 'k', value: 'v', headers: { a: 'b' } }])],
    ['a string timestamp (kafkajs encodes it)', args([{ key: 'k', value: 'v', timestamp: '1795857079194' }])],
  ];
  const Encoder = require('kafkajs/src/protocol/encoder.js') as { prototype: object };
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C/index.js') as (b: Buffer) => number;
  it.each(cases)('%s', async (name, a) => {
    vi.spyOn(Date, 'now').mockReturnValue(1_795_857_080_000);
    const ours = await bytes(fast, a);
    expect(ours.equals(await bytes(kafkajs, a))).toBe(true);
    // The comparison means something only where the fast path ran.
    expect(encodeProduce(a, Encoder, crc32C) === undefined).toBe(name.includes('(kafkajs encodes'));
  });

  it('is what kafkajs uses for Produce v3 to v7', () => {
    expect(fast.rastroFast).toBe(true);
    const v7 = require('kafkajs/src/protocol/requests/produce/v7/request.js') as (a: ProduceArgs) => { apiVersion: number; encode: unknown };
    // v4–v7 wrap v3's factory: a request from v7 carries the fast encode of v3.
    expect(v7(args([{ key: 'k', value: 'v' }])).apiVersion).toBe(7);
    expect(require('kafkajs/src/protocol/requests/produce/v3/request.js')).toBe(fast);
  });
});

describe('groupMessagesPerPartition', () => {
  it('groups in input order, as kafkajs does', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i), partition: i % 3 }));
    const partitioner = ({ message }: { message: Message }) => message.partition as number;
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}, {}, {}], messages, partitioner })).toEqual({
      0: [messages[0], messages[3], messages[6], messages[9]],
      1: [messages[1], messages[4], messages[7]],
      2: [messages[2], messages[5], messages[8]],
    });
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual({});
  });

  it('is linear: 100,000 messages in one partition (the copy per message in kafkajs would outlast the test timeout)', () => {
    const messages = Array.from({ length: 100_000 }, (_, i) => ({ key: `k${i}`, value: null }));
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner: () => 0 });
    expect(grouped[0]).toHaveLength(100_000);
  });
});

describe('batches Kafka accepts: the producer bounds a partition batch by its encoded bytes', () => {
  it("a lane filled to the producer's byte limit encodes (by kafkajs's own encoder) to a batch within max.message.bytes, using most of it", async () => {
    // Non-ASCII values: UTF-8 bytes exceed the string length, which the bound must count.
    const records: Array<Outgoing<number>> = Array.from({ length: 30_000 }, (_, i) => {
      const key = `driver_${100_000 + i}`;
      const value = JSON.stringify({ driver_id: key, latitude: -23.5 + i / 1e6, longitude: -46.6, timestamp: 1_795_857_079_194 + i, status: 'AVAILABLE', note: i % 2 ? 'São Paulo' : 'Sé' });
      return { key, value, bytes: recordBytes(key, value), item: i };
    });
    const sent: Array<Array<Outgoing<number>>> = [];
    const lane = new Lane<number>({ maxEvents: 30_000, maxBytes: MAX_BATCH_RECORD_BYTES, lingerMs: 0 }, (b) => {
      sent.push(b);
      return new Promise<void>(() => {});
    }, () => {});
    lane.pushAll(records);
    const batch = sent[0] ?? [];
    expect(batch.length).toBeLessThan(records.length);
    const request = await bytes(kafkajs, args(batch.map((o) => ({ key: o.key, value: o.value }))));
    // transactional id (null), acks, timeout, topic count, topic name, partition count, partition id: then the batch size.
    const sizeAt = 2 + 2 + 4 + 4 + 2 + Buffer.byteLength('driver-locations') + 4 + 4;
    const batchBytes = request.readInt32BE(sizeAt);
    expect(batchBytes).toBe(request.length - sizeAt - 4);
    expect(batchBytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(batchBytes).toBeGreaterThan(0.85 * MAX_MESSAGE_BYTES);
  });

  it("recognises kafkajs's size refusals, bare and wrapped by its retrier, and nothing retriable", () => {
    const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as { createErrorFromCode(code: number): Error };
    const { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = require('kafkajs/src/errors.js') as { KafkaJSNonRetriableError: new (e: Error, o?: object) => Error; KafkaJSNumberOfRetriesExceeded: new (e: Error, o?: object) => Error };
    const tooLarge = createErrorFromCode(10);
    expect(refusedForGood(tooLarge)).toBe('MESSAGE_TOO_LARGE');
    expect(refusedForGood(new KafkaJSNonRetriableError(tooLarge, { cause: tooLarge }))).toBe('MESSAGE_TOO_LARGE');
    expect(refusedForGood(new KafkaJSNumberOfRetriesExceeded(createErrorFromCode(18), { retryCount: 5, retryTime: 100 }))).toBe('RECORD_LIST_TOO_LARGE');
    expect(refusedForGood(createErrorFromCode(6))).toBeUndefined(); // NOT_LEADER_OR_FOLLOWER: a retry can succeed
    expect(refusedForGood(new Error('Connection timeout'))).toBeUndefined();
  });
});
