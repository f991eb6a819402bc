import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../producer/src/kafka.ts';

const require = createRequire(import.meta.url);
type Enc = { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: Record<string, unknown>) => Promise<Enc> };
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => { writeInt32(v: number): unknown; writeBuffer(b: Buffer): unknown; buffer: Buffer };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => unknown;
const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (d: unknown) => Promise<Array<{ offset: string; isControlRecord: boolean }>>;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): unknown };

/** A fetch response's records section holding one record batch of offsets first..first+delta, with no records. */
async function emptyBatchResponse(first: number, delta: number): Promise<Buffer> {
  // RecordBatch encodes the whole batch: base offset, length, then the header and (no) records.
  const batch = await RecordBatch({ firstOffset: Long.fromValue(first), lastOffsetDelta: delta, records: [] });
  const section = new Encoder();
  section.writeInt32(batch.buffer.length);
  section.writeBuffer(batch.buffer);
  return section.buffer;
}

describe('kafkajs on compacted topics (empty record batches)', () => {
  it('turns a batch whose records were all compacted away into one control record at its last offset', async () => {
    const records = await decodeMessages(new Decoder(await emptyBatchResponse(66_100, 27_894)));
    // Without the fix: [] — and the consumer fetched offset 66100 again forever.
    expect(records).toEqual([expect.objectContaining({ offset: '93994', isControlRecord: true })]);
  });
});
