/**
 * What a record costs inside a Kafka record batch (magic 2), so a request never carries a batch the
 * broker refuses. Kafka's limit (`max.message.bytes`, default 1,048,588) applies to a whole
 * partition batch: its 61-byte header plus every record's key, value and framing.
 */

/** Kafka's default `message.max.bytes` / `max.message.bytes`; rastro's topics keep the default. */
export const MAX_MESSAGE_BYTES = 1_048_588;
/** The record batch header (base offset to record count). */
export const BATCH_HEADER_BYTES = 61;
/**
 * A record's framing at most: its length (varint ≤ 5), attributes (1), timestamp delta (varint ≤ 10),
 * offset delta (≤ 5), key and value lengths (≤ 5 each) and the header count (1).
 */
export const RECORD_FRAMING_MAX_BYTES = 32;
/** What one partition's records may add up to (by recordBytes) in one request. */
export const MAX_BATCH_RECORD_BYTES = MAX_MESSAGE_BYTES - BATCH_HEADER_BYTES;

/** An upper bound of the record's bytes in a batch: UTF-8 key and value plus the most framing. */
export function recordBytes(key: string, value: string | null): number {
  return Buffer.byteLength(key, 'utf8') + (value === null ? 0 : Buffer.byteLength(value, 'utf8')) + RECORD_FRAMING_MAX_BYTES;
}
