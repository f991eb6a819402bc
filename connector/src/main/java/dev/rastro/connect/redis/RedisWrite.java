package dev.rastro.connect.redis;

import java.util.List;

/** One Redis operation derived from one valid record: replace-if-not-older, or delete (tombstone). */
sealed interface RedisWrite permits RedisWrite.Upsert, RedisWrite.Delete {

    /** The full Redis key, prefix included. */
    String key();

    /**
     * Replace the hash at {@code key} with {@code fields} unless the stored timestamp is strictly newer.
     *
     * @param fields flattened field/value pairs (f1, v1, f2, v2, ...), timestamp field included
     */
    record Upsert(String key, long timestamp, List<String> fields) implements RedisWrite {
        public Upsert {
            fields = List.copyOf(fields);
        }
    }

    /** A tombstone: the driver is gone, delete its hash whatever its timestamp. */
    record Delete(String key) implements RedisWrite {
    }
}
