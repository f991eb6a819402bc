import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (its last release) stalls on compacted topics. The log cleaner keeps a record batch
 * whose records were all removed (an empty batch: it holds an idempotent producer's sequence state),
 * and a fetch reads one segment at a time, so a fetch can return nothing but such batches. kafkajs
 * decodes them to zero records and fetches the same offset again, forever (seen here: a read of a
 * compacted driver-locations stopped at 8,312 of 610,000 offsets). The Java client moves past an
 * empty batch to its last offset + 1.
 *
 * This gives each empty batch one control record at its last offset. kafkajs already filters control
 * records out of what it hands to the application and resolves the offset past them, so consumers
 * move on exactly as the Java client does and never see the placeholder.
 */
const require = createRequire(import.meta.url);
const DECODER = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const USER = require.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js');

interface DecodedBatch {
  firstOffset: string;
  lastOffsetDelta: number;
  maxTimestamp: string;
  isControlBatch: boolean;
  records: unknown[];
}
type Decode = (decoder: unknown) => Promise<DecodedBatch>;

if (require.cache[USER] !== undefined) throw new Error('kafkajs was loaded before producer/src/kafkajs-empty-batches.ts: import kafkajs through producer/src/kafka.ts');
const decode = require(DECODER) as Decode & { rastroEmptyBatches?: true };
if (!decode.rastroEmptyBatches) {
  const patched: Decode & { rastroEmptyBatches?: true } = async (decoder) => {
    const batch = await decode(decoder);
    if (batch.records.length === 0) {
      const offset = (BigInt(batch.firstOffset) + BigInt(batch.lastOffsetDelta)).toString();
      batch.records = [{ attributes: 0, timestamp: batch.maxTimestamp, offset, key: null, value: null, headers: {}, isControlRecord: true, batchContext: batch }];
    }
    return batch;
  };
  patched.rastroEmptyBatches = true;
  (require.cache[DECODER] as NodeJS.Module).exports = patched;
}
