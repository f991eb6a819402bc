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
     * @param geo       what the same write does to the GEO index; null when there is no index (redis.geo.key empty)
     */
    record Upsert(String key, long timestamp, List<String> fields, Geo geo) implements RedisWrite {
        public Upsert {
            fields = List.copyOf(fields);
        }

        /** Without a GEO index. */
        Upsert(String key, long timestamp, List<String> fields) {
            this(key, timestamp, fields, null);
        }
    }

    /**
     * A driver's entry in the GEO index after an upsert: at a validated position (decimal text, as in the hash),
     * or out of the index when {@code longitude} and {@code latitude} are null (an excluded status).
     */
    record Geo(String member, String longitude, String latitude) {
        static Geo at(String member, String longitude, String latitude) {
            return new Geo(member, longitude, latitude);
        }

        static Geo removed(String member) {
            return new Geo(member, null, null);
        }

        boolean indexed() {
            return longitude != null;
        }
    }

    /**
     * A tombstone: delete the hash unless its stored timestamp is strictly newer than {@code timestamp}.
     *
     * @param timestamp the tombstone's Kafka record timestamp, epoch ms
     * @param geoMember the driver's GEO index member, removed with the hash; null when there is no index
     */
    record Delete(String key, long timestamp, String geoMember) implements RedisWrite {
        /** Without a GEO index. */
        Delete(String key, long timestamp) {
            this(key, timestamp, null);
        }
    }
}
