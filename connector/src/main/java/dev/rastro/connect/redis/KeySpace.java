package dev.rastro.connect.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Where a driver's keys live. On one Redis: {@code driver:<id>}, one GEO set, one offsets hash. On a Redis Cluster
 * ({@code redis.cluster.buckets} > 0) every key a record's function call touches must share one hash slot, so each
 * driver belongs to a bucket ({@code crc32(id) mod B}) and its hash, its tombstone marker, the bucket's GEO set and
 * the bucket's offsets hash carry the bucket's tag: {@code driver:{<tag>}:<id>}, {@code drivers:geo:{<tag>}},
 * {@code sink-offsets:redis-sink:{<tag>}} (connector/README.md, "Redis Cluster").
 *
 * <p>A bucket's tag is the first {@code <b>.<k>} (k = 0, 1, ...) whose slot falls in the b-th of B equal slot ranges,
 * so the B buckets spread over the 16,384 slots, and so over the primaries, evenly. The readers (the app,
 * validate-redis) compute the same tags: {@code shared/key-space.ts}.
 */
final class KeySpace {

    static final int SLOTS = 16_384;

    /** Most buckets: a bucket's tag takes about SLOTS / B tries to find, and a reader makes one call per bucket. */
    static final int MAX_BUCKETS = 1024;

    private final String keyPrefix;
    /** Null: no GEO index. */
    private final String geoKey;
    /** Null: offsets are kept by Kafka only. */
    private final String offsetsKey;
    /** Null on one Redis; else the tag of each bucket. */
    private final String[] tags;

    private KeySpace(String keyPrefix, String geoKey, String offsetsKey, String[] tags) {
        this.keyPrefix = keyPrefix;
        this.geoKey = geoKey;
        this.offsetsKey = offsetsKey;
        this.tags = tags;
    }

    /** One Redis: the keys as configured. {@code geoKey} / {@code offsetsKey} null when off. */
    static KeySpace single(String keyPrefix, String geoKey, String offsetsKey) {
        return new KeySpace(keyPrefix, geoKey, offsetsKey, null);
    }

    /** A Redis Cluster with {@code buckets} buckets (1..{@value #MAX_BUCKETS}). */
    static KeySpace bucketed(String keyPrefix, String geoKey, String offsetsKey, int buckets) {
        if (buckets < 1 || buckets > MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets must be 1.." + MAX_BUCKETS + ", not " + buckets);
        }
        String[] tags = new String[buckets];
        for (int b = 0; b < buckets; b++) {
            tags[b] = tag(b, buckets);
        }
        return new KeySpace(keyPrefix, geoKey, offsetsKey, tags);
    }

    static KeySpace of(RedisSinkConfig config) {
        String geo = config.geoKey().isEmpty() ? null : config.geoKey();
        String offsets = config.offsetsKey().isEmpty() ? null : config.offsetsKey();
        return config.clusterBuckets() == 0 ? single(config.keyPrefix(), geo, offsets)
                : bucketed(config.keyPrefix(), geo, offsets, config.clusterBuckets());
    }

    /** 0 on one Redis. */
    int buckets() {
        return tags == null ? 0 : tags.length;
    }

    boolean clustered() {
        return tags != null;
    }

    String keyPrefix() {
        return keyPrefix;
    }

    /** The driver's hash key. */
    String hashKey(String id) {
        return tags == null ? keyPrefix + id : keyPrefix + "{" + tags[bucketOf(id, tags.length)] + "}:" + id;
    }

    /** The GEO set holding the driver of {@code hashKey} (null without a GEO index). */
    String geoKeyOf(String hashKey) {
        return geoKey == null || tags == null ? geoKey : geoKey + ":" + tagOf(hashKey);
    }

    /** The offsets hash a write to {@code hashKey} records its offset in (null when offsets are off). */
    String offsetsKeyOf(String hashKey) {
        return offsetsKey == null || tags == null ? offsetsKey : offsetsKey + ":" + tagOf(hashKey);
    }

    /** Every offsets hash: one on one Redis, one per bucket on a cluster; empty when offsets are off. */
    List<String> offsetsKeys() {
        if (offsetsKey == null) {
            return List.of();
        }
        if (tags == null) {
            return List.of(offsetsKey);
        }
        List<String> keys = new ArrayList<>(tags.length);
        for (String t : tags) {
            keys.add(offsetsKey + ":{" + t + "}");
        }
        return keys;
    }

    /** "{tag}" of a bucketed hash key: between the key prefix and the ':' before the id. */
    private String tagOf(String hashKey) {
        int close = hashKey.indexOf('}', keyPrefix.length());
        if (!hashKey.startsWith(keyPrefix + "{") || close < 0) {
            throw new IllegalArgumentException("'" + hashKey + "' is no bucketed key of prefix '" + keyPrefix + "'");
        }
        return hashKey.substring(keyPrefix.length(), close + 1);
    }

    /** The bucket of a driver id: CRC-32 (IEEE, as zlib's) of its UTF-8 bytes, mod {@code buckets}. */
    static int bucketOf(String id, int buckets) {
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % buckets);
    }

    /** The first {@code <b>.<k>} whose slot lies in the b-th of {@code buckets} equal slot ranges. */
    static String tag(int bucket, int buckets) {
        for (int k = 0; ; k++) {
            String tag = bucket + "." + k;
            if ((long) JedisClusterCRC16.getSlot(tag) * buckets / SLOTS == bucket) {
                return tag;
            }
        }
    }
}
