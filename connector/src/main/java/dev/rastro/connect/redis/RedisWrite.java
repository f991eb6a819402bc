package dev.rastro.connect.redis;

import java.util.List;

/** One Redis operation derived from one valid record: replace-if-not-older, or a guarded delete (tombstone). */
sealed interface RedisWrite permits RedisWrite.Upsert, RedisWrite.Delete {

    /** The full Redis key, prefix included. */
    String key();

    /**
     * Replace the hash at {@code key} with {@code fields} unless the stored timestamp is strictly newer, or a
     * tombstone at or after {@code timestamp} deleted it.
     *
     * @param timestamp the event time in epoch ms (normalised: seconds already multiplied by 1000)
     * @param fields    flattened field/value pairs (f1, v1, f2, v2, ...), timestamp field included
     */
    record Upsert(String key, long timestamp, List<String> fields) implements RedisWrite {
        public Upsert {
            fields = List.copyOf(fields);
        }
    }

    /**
     * A tombstone: delete the hash unless its stored timestamp is strictly newer than {@code timestamp}.
     *
     * @param timestamp the tombstone's Kafka record timestamp, epoch ms
     */
    record Delete(String key, long timestamp) implements RedisWrite {
    }
}
