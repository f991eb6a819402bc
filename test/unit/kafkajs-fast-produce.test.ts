import { describe, expect, it } from 'vitest';
import '../../producer/src/kafka.ts';
import { groupMessagesPerPartition, recordEncoders, type RecordArgs } from '../../producer/src/kafkajs-fast-produce.ts';

const { fast, kafkajs } = recordEncoders;

describe('the fast record encoder writes what kafkajs writes', () => {
  const cases: Array<[string, RecordArgs]> = [
    ['a location event', { offsetDelta: 3, timestampDelta: 0, key: 'driver_100', value: JSON.stringify({ driver_id: 'driver_100', latitude: -23.5, longitude: -46.6, timestamp: 1795857079194, status: 'AVAILABLE' }) }],
    ['a tombstone (null value)', { offsetDelta: 0, timestampDelta: 0, key: 'driver_7', value: null }],
    ['no key, undefined value', { offsetDelta: 1, timestampDelta: 5 }],
    ['non-ASCII text', { offsetDelta: 4999, timestampDelta: 12, key: 'motorista_ção', value: '{"status":"EM_ENTREGA 🚚","cidade":"São Paulo"}' }],
    ['Buffers', { offsetDelta: 127, timestampDelta: 128, key: Buffer.from([0, 1, 2]), value: Buffer.alloc(300, 7) }],
    ['an empty key and value', { offsetDelta: 64, timestampDelta: 63, key: '', value: '' }],
    ['negative and large deltas', { offsetDelta: 2 ** 31 - 1, timestampDelta: -86_400_000 * 365 }],
    ['a delta past 2^32', { offsetDelta: 2, timestampDelta: 2 ** 40 + 17 }],
    ['a 20 kB value (3-byte lengths)', { offsetDelta: 16_384, timestampDelta: 2_097_152, key: 'k', value: 'x'.repeat(20_000) }],
    ['headers (kafkajs encodes them)', { offsetDelta: 1, timestampDelta: 1, key: 'k', value: 'v', headers: { a: 'b', c: ['d', 'e'] } }],
  ];
  it.each(cases)('%s', (_, args) => {
    const ours = fast(args);
    expect(ours.buffer.equals(kafkajs(args).buffer)).toBe(true);
    expect(ours.buffer).toHaveLength(ours.offset);
  });

  it('is the encoder kafkajs uses, not only a copy', () => {
    expect(fast.rastroFast).toBe(true);
    expect(fast).not.toBe(kafkajs);
  });
});

describe('groupMessagesPerPartition', () => {
  it('groups in input order, as kafkajs does', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i), partition: i % 3 }));
    const partitioner = ({ message }: { message: object }) => (message as { partition: number }).partition;
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
