package dev.rastro.connect.redis;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/** The connector's configuration: the one {@link ConfigDef} shared by connector, tasks and validate(). */
public final class RedisSinkConfig extends AbstractConfig {

    public static final String REDIS_URI = "redis.uri";
    public static final String KEY_PREFIX = "redis.key.prefix";
    public static final String TIMESTAMP_FIELD = "redis.timestamp.field";
    public static final String ID_FIELD = "redis.id.field";
    public static final String BATCH_SIZE = "redis.batch.size";
    public static final String RETRY_BACKOFF_MS = "redis.retry.backoff.ms";
    public static final String TIMEOUT_MS = "redis.timeout.ms";
    public static final String MAX_FIELDS = "redis.record.max.fields";
    public static final String MAX_FIELD_BYTES = "redis.record.max.field.bytes";
    public static final String MAX_FUTURE_MS = "redis.timestamp.max.future.ms";
    public static final String TOMBSTONE_PREFIX = "redis.tombstone.key.prefix";
    public static final String TOMBSTONE_GUARD_MS = "redis.tombstone.guard.ms";
    public static final String RETRY_BACKOFF_MAX_MS = "redis.retry.backoff.max.ms";
    public static final String TLS_CA_FILE = "redis.tls.ca.file";
    public static final String GEO_KEY = "redis.geo.key";
    public static final String GEO_LATITUDE_FIELD = "redis.geo.latitude.field";
    public static final String GEO_LONGITUDE_FIELD = "redis.geo.longitude.field";
    public static final String STATUS_FIELD = "redis.status.field";
    public static final String GEO_EXCLUDE_STATUS = "redis.geo.exclude.status";
    public static final String OFFSETS_KEY = "redis.offsets.key";
    public static final String CLUSTER_BUCKETS = "redis.cluster.buckets";

    public static final String KEY_PREFIX_DEFAULT = "driver:";
    public static final String TIMESTAMP_FIELD_DEFAULT = "timestamp";
    public static final String ID_FIELD_DEFAULT = "driver_id";
    public static final int BATCH_SIZE_DEFAULT = 500;
    public static final long RETRY_BACKOFF_MS_DEFAULT = 1000L;
    /** Below this a retry loop would hammer a struggling Redis (and the log). */
    public static final long RETRY_BACKOFF_MS_FLOOR = 100L;
    public static final long RETRY_BACKOFF_MAX_MS_DEFAULT = 60_000L;
    public static final int TIMEOUT_MS_DEFAULT = 2000;
    public static final int TIMEOUT_MS_MAX = 60_000;
    public static final int MAX_FIELDS_DEFAULT = 1000;
    public static final int MAX_FIELD_BYTES_DEFAULT = 64 * 1024;
    public static final long MAX_FUTURE_MS_DEFAULT = 24 * 3600 * 1000L;
    public static final String TOMBSTONE_PREFIX_DEFAULT = "tombstone:";
    public static final long TOMBSTONE_GUARD_MS_DEFAULT = 24 * 3600 * 1000L;
    /** Off by default: a sink without a GEO index needs no coordinates in its records. */
    public static final String GEO_KEY_DEFAULT = "";
    public static final String GEO_LATITUDE_FIELD_DEFAULT = "latitude";
    public static final String GEO_LONGITUDE_FIELD_DEFAULT = "longitude";
    public static final String STATUS_FIELD_DEFAULT = "status";
    public static final String GEO_EXCLUDE_STATUS_DEFAULT = "OFFLINE";
    /** Unset: this prefix + the connector's name, so two connectors on one Redis keep apart. */
    public static final String OFFSETS_KEY_DEFAULT_PREFIX = "sink-offsets:";

    /** The consumer property Connect's per-connector override would set, and Kafka's default for it. */
    static final String POLL_INTERVAL_OVERRIDE = "consumer.override.max.poll.interval.ms";
    static final long POLL_INTERVAL_DEFAULT = 300_000L;
    /**
     * A failing put() can wait out the timeout about twice (the attempt, then the one transparent reconnect);
     * four times leaves room for the round trips that succeed slowly before it.
     */
    static final int TIMEOUTS_PER_PUT = 4;

    private static final String GROUP = "Redis";
    private static final String RECORD_GROUP = "Records";
    private static final String GEO_GROUP = "GEO index";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            // PASSWORD type: the URI may carry credentials, and Connect masks PASSWORD values in its logs.
            .define(REDIS_URI, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, new UriValidator(), Importance.HIGH,
                    "Redis server to write to: redis://host:port, redis://[user]:password@host:port[/db], "
                            + "or rediss://... for TLS (the server's certificate must match the host). "
                            + "The default port is 6379.",
                    GROUP, 1, Width.LONG, "Redis URI")
            .define(KEY_PREFIX, Type.STRING, KEY_PREFIX_DEFAULT, new ConfigDef.NonNullValidator(), Importance.MEDIUM,
                    "Prefix of each driver's hash key: the key is <prefix><driver id>.",
                    GROUP, 2, Width.SHORT, "Key prefix")
            .define(TIMESTAMP_FIELD, Type.STRING, TIMESTAMP_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Value field holding the event time: epoch milliseconds, or epoch seconds (values below 1e11 "
                            + "are multiplied by 1000), as a number or a string of decimal digits. A write whose "
                            + "time is older than the stored one is skipped.",
                    GROUP, 3, Width.SHORT, "Timestamp field")
            .define(ID_FIELD, Type.STRING, ID_FIELD_DEFAULT, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Value field holding the driver id; used when the record key is null, and must equal the key "
                            + "when both are present.",
                    GROUP, 4, Width.SHORT, "Driver id field")
            .define(BATCH_SIZE, Type.INT, BATCH_SIZE_DEFAULT, Range.between(1, 100_000), Importance.LOW,
                    "Most commands sent to Redis in one pipelined round trip; larger put() batches are split.",
                    GROUP, 5, Width.SHORT, "Batch size")
            .define(RETRY_BACKOFF_MS, Type.LONG, RETRY_BACKOFF_MS_DEFAULT, Range.atLeast(RETRY_BACKOFF_MS_FLOOR),
                    Importance.LOW,
                    "After a transient Redis failure (connection lost, timeout, LOADING, BUSY, READONLY, OOM, ...), "
                            + "how long Connect waits before redelivering the same batch. Doubles with each "
                            + "consecutive failure up to " + RETRY_BACKOFF_MAX_MS + "; resets after a success.",
                    GROUP, 6, Width.SHORT, "Retry backoff (ms)")
            .define(TIMEOUT_MS, Type.INT, TIMEOUT_MS_DEFAULT, Range.between(1, TIMEOUT_MS_MAX), Importance.LOW,
                    "Connect and socket read timeout for Redis, in milliseconds. " + TIMEOUTS_PER_PUT
                            + " times this must stay below the consumer's max.poll.interval.ms ("
                            + POLL_INTERVAL_OVERRIDE + " if set, else " + POLL_INTERVAL_DEFAULT + ").",
                    GROUP, 7, Width.SHORT, "Timeout (ms)")
            .define(MAX_FIELDS, Type.INT, MAX_FIELDS_DEFAULT, Range.between(1, 1_000_000), Importance.LOW,
                    "Most fields a record's value may have; a record with more goes to the DLQ.",
                    RECORD_GROUP, 1, Width.SHORT, "Max fields per record")
            .define(MAX_FIELD_BYTES, Type.INT, MAX_FIELD_BYTES_DEFAULT, Range.between(1, 512 * 1024 * 1024),
                    Importance.LOW,
                    "Largest field name or field value (UTF-8 bytes, as stored in Redis); a record with a larger "
                            + "one goes to the DLQ.",
                    RECORD_GROUP, 2, Width.SHORT, "Max field bytes")
            .define(MAX_FUTURE_MS, Type.LONG, MAX_FUTURE_MS_DEFAULT, Range.atLeast(0L), Importance.LOW,
                    "How far an event time (or a tombstone's Kafka timestamp) may lie ahead of the record's Kafka "
                            + "timestamp (or now, if earlier); later records go to the DLQ, so one bogus time "
                            + "cannot freeze a driver.",
                    RECORD_GROUP, 3, Width.SHORT, "Max future (ms)")
            .define(TOMBSTONE_PREFIX, Type.STRING, TOMBSTONE_PREFIX_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.LOW,
                    "Prefix of the tombstone marker keys: <this><key prefix><driver id>, a string holding the "
                            + "tombstone's time. Must not start with " + KEY_PREFIX + ", so scans of "
                            + "<key prefix>* see only driver hashes.",
                    RECORD_GROUP, 4, Width.SHORT, "Tombstone marker prefix")
            .define(TOMBSTONE_GUARD_MS, Type.LONG, TOMBSTONE_GUARD_MS_DEFAULT, Range.atLeast(0L), Importance.LOW,
                    "How long a tombstone's marker lives (its TTL). While it exists, a location no newer than the "
                            + "tombstone does not bring the driver back. Keep it at least the topic's "
                            + "delete.retention.ms. 0 writes no markers (no guard).",
                    RECORD_GROUP, 5, Width.SHORT, "Tombstone guard (ms)")
            .define(RETRY_BACKOFF_MAX_MS, Type.LONG, RETRY_BACKOFF_MAX_MS_DEFAULT, Range.atLeast(RETRY_BACKOFF_MS_FLOOR),
                    Importance.LOW,
                    "Cap of the doubling retry backoff; at least " + RETRY_BACKOFF_MS + ".",
                    GROUP, 8, Width.SHORT, "Retry backoff cap (ms)")
            .define(TLS_CA_FILE, Type.STRING, "", new CaFileValidator(), Importance.LOW,
                    "PEM file of CA certificates to trust for rediss:// instead of the JVM's default trust store. "
                            + "The server's host name is verified either way.",
                    GROUP, 9, Width.LONG, "TLS CA file")
            .define(GEO_KEY, Type.STRING, GEO_KEY_DEFAULT, new ConfigDef.NonNullValidator(), Importance.MEDIUM,
                    "Key of a Redis GEO set (a sorted set) the sink keeps in the same atomic write as the hash: "
                            + "every live driver whose status is not " + GEO_EXCLUDE_STATUS + ", member = driver id, "
                            + "at its latitude/longitude. A tombstone or that status removes the member. With it "
                            + "set, a record without a valid position goes to the DLQ. Must not start with "
                            + KEY_PREFIX + ". Empty: no GEO index.",
                    GEO_GROUP, 1, Width.MEDIUM, "GEO index key")
            .define(GEO_LATITUDE_FIELD, Type.STRING, GEO_LATITUDE_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.LOW,
                    "Value field holding the latitude in degrees, a number within -85.05112878..85.05112878 (what "
                            + "a Redis GEO set can hold). Read only when " + GEO_KEY + " is set.",
                    GEO_GROUP, 2, Width.SHORT, "Latitude field")
            .define(GEO_LONGITUDE_FIELD, Type.STRING, GEO_LONGITUDE_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.LOW,
                    "Value field holding the longitude in degrees, a number within -180..180. Read only when "
                            + GEO_KEY + " is set.",
                    GEO_GROUP, 3, Width.SHORT, "Longitude field")
            .define(STATUS_FIELD, Type.STRING, STATUS_FIELD_DEFAULT, new ConfigDef.NonEmptyString(), Importance.LOW,
                    "Value field holding the driver's status; a driver whose status is " + GEO_EXCLUDE_STATUS
                            + " is kept out of the GEO index. Read only when " + GEO_KEY + " is set.",
                    GEO_GROUP, 4, Width.SHORT, "Status field")
            .define(GEO_EXCLUDE_STATUS, Type.STRING, GEO_EXCLUDE_STATUS_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.LOW,
                    "The status (exact text, as stored in the hash) that takes a driver out of the GEO index: the "
                            + "hash is still written, the member removed.",
                    GEO_GROUP, 5, Width.SHORT, "Status outside the GEO index")
            .define(OFFSETS_KEY, Type.STRING, null, Importance.MEDIUM,
                    "Key of the hash where the sink keeps, per partition (field <topic>-<partition>), the offset of "
                            + "the last record it applied, written in the same atomic script as that record's data. "
                            + "A task resumes each partition it is assigned, and each partition after a new Redis "
                            + "connection, from this offset (from the beginning when Redis holds none), not from "
                            + "the offset Kafka committed: whatever Redis lost (a crash, a failover, a flush) is "
                            + "replayed. Unset: " + OFFSETS_KEY_DEFAULT_PREFIX + "<connector name>. Empty: off "
                            + "(Kafka's committed offsets only). Must not start with " + KEY_PREFIX + ".",
                    GROUP, 10, Width.MEDIUM, "Offsets key")
            .define(CLUSTER_BUCKETS, Type.INT, 0, Range.between(0, KeySpace.MAX_BUCKETS), Importance.MEDIUM,
                    "0: " + REDIS_URI + " is one Redis. Above 0: it is one node of a Redis Cluster (the others are "
                            + "discovered), and each driver belongs to one of this many buckets (CRC-32 of its id): "
                            + "its hash, its tombstone marker, the bucket's GEO set and the bucket's offsets hash "
                            + "carry the bucket's hash tag ({" + "<tag>}), so one function call touches one slot. "
                            + "Keys: <" + KEY_PREFIX + ">{<tag>}:<id>, <" + GEO_KEY + ">:{<tag>}, <" + OFFSETS_KEY
                            + ">:{<tag>}. Readers must use the same number. Fixed for a deployment: changing it "
                            + "needs rebuild-redis.",
                    GROUP, 11, Width.SHORT, "Redis Cluster buckets");

    private final RedisEndpoint endpoint;

    public RedisSinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
        // Already validated by UriValidator; parsed once here for the task.
        this.endpoint = RedisEndpoint.parse(getPassword(REDIS_URI).value());
        Map<String, String> problems = crossCheck(this, originals);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.values().iterator().next());
        }
    }

    /**
     * Rules that involve two settings (a ConfigDef validator sees one). Returns key -> message, in order;
     * empty when all hold. Used by the constructor and by the connector's validate().
     */
    static Map<String, String> crossCheck(AbstractConfig config, Map<?, ?> originals) {
        Map<String, String> problems = new LinkedHashMap<>();
        String keyPrefix = config.getString(KEY_PREFIX);
        String markerPrefix = config.getString(TOMBSTONE_PREFIX);
        if (config.getLong(TOMBSTONE_GUARD_MS) > 0 && (markerPrefix + keyPrefix).startsWith(keyPrefix)) {
            problems.put(TOMBSTONE_PREFIX, TOMBSTONE_PREFIX + " '" + markerPrefix + "' makes marker keys start with "
                    + KEY_PREFIX + " '" + keyPrefix + "', so scans for driver hashes would find them; choose "
                    + "another prefix, or set " + TOMBSTONE_GUARD_MS + "=0 to write no markers");
        }
        if (config.getLong(RETRY_BACKOFF_MAX_MS) < config.getLong(RETRY_BACKOFF_MS)) {
            problems.put(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MAX_MS + " = " + config.getLong(RETRY_BACKOFF_MAX_MS)
                    + " is below " + RETRY_BACKOFF_MS + " = " + config.getLong(RETRY_BACKOFF_MS));
        }
        long pollInterval = POLL_INTERVAL_DEFAULT;
        String source = "Kafka's default max.poll.interval.ms";
        Object override = originals.get(POLL_INTERVAL_OVERRIDE);
        if (override != null) {
            try {
                pollInterval = Long.parseLong(override.toString().trim());
                source = POLL_INTERVAL_OVERRIDE;
            } catch (NumberFormatException e) {
                // The worker reports a malformed consumer override itself.
            }
        }
        long timeout = config.getInt(TIMEOUT_MS);
        if (timeout * TIMEOUTS_PER_PUT >= pollInterval) {
            problems.put(TIMEOUT_MS, TIMEOUT_MS + " = " + timeout + " is too long: a failing put() may wait "
                    + TIMEOUTS_PER_PUT + " x " + timeout + " ms, which must stay below " + source + " = "
                    + pollInterval + " or the consumer leaves the group");
        }
        String geoKey = config.getString(GEO_KEY);
        if (!geoKey.isEmpty()) {
            if (geoKey.startsWith(keyPrefix)) {
                problems.put(GEO_KEY, GEO_KEY + " '" + geoKey + "' starts with " + KEY_PREFIX + " '" + keyPrefix
                        + "', so it would be taken for a driver's hash (scans for driver hashes would find it); "
                        + "choose a key outside that prefix");
            } else if (config.getLong(TOMBSTONE_GUARD_MS) > 0 && geoKey.startsWith(markerPrefix + keyPrefix)) {
                problems.put(GEO_KEY, GEO_KEY + " '" + geoKey + "' is a tombstone marker key ("
                        + TOMBSTONE_PREFIX + " + " + KEY_PREFIX + " = '" + markerPrefix + keyPrefix
                        + "...'); choose another key");
            }
            if (config.getString(GEO_LATITUDE_FIELD).equals(config.getString(GEO_LONGITUDE_FIELD))) {
                problems.put(GEO_LONGITUDE_FIELD, GEO_LONGITUDE_FIELD + " and " + GEO_LATITUDE_FIELD
                        + " are both '" + config.getString(GEO_LATITUDE_FIELD) + "'; a position needs two fields");
            }
        }
        String offsetsKey = offsetsKey(config);
        if (!offsetsKey.isEmpty()) {
            if (offsetsKey.startsWith(keyPrefix)) {
                problems.put(OFFSETS_KEY, OFFSETS_KEY + " '" + offsetsKey + "' starts with " + KEY_PREFIX + " '"
                        + keyPrefix + "', so it would be taken for a driver's hash; choose a key outside that prefix");
            } else if (config.getLong(TOMBSTONE_GUARD_MS) > 0 && offsetsKey.startsWith(markerPrefix + keyPrefix)) {
                problems.put(OFFSETS_KEY, OFFSETS_KEY + " '" + offsetsKey + "' is a tombstone marker key ("
                        + TOMBSTONE_PREFIX + " + " + KEY_PREFIX + " = '" + markerPrefix + keyPrefix
                        + "...'); choose another key");
            } else if (offsetsKey.equals(geoKey)) {
                problems.put(OFFSETS_KEY, OFFSETS_KEY + " '" + offsetsKey + "' is also " + GEO_KEY
                        + "; choose another key");
            }
        }
        if (config.getInt(CLUSTER_BUCKETS) > 0 && RedisEndpoint.parse(config.getPassword(REDIS_URI).value()).database() != 0) {
            problems.put(CLUSTER_BUCKETS, CLUSTER_BUCKETS + " = " + config.getInt(CLUSTER_BUCKETS) + " names a Redis "
                    + "Cluster, which has database 0 only, but " + REDIS_URI + " names database "
                    + RedisEndpoint.parse(config.getPassword(REDIS_URI).value()).database());
        }
        String caFile = config.getString(TLS_CA_FILE);
        if (!caFile.isEmpty() && !RedisEndpoint.parse(config.getPassword(REDIS_URI).value()).tls()) {
            problems.put(TLS_CA_FILE, TLS_CA_FILE + " is set but " + REDIS_URI + " is not rediss:// (TLS)");
        }
        return problems;
    }

    RedisEndpoint endpoint() {
        return endpoint;
    }

    /** 0: one Redis; else a Redis Cluster with this many buckets. */
    public int clusterBuckets() {
        return getInt(CLUSTER_BUCKETS);
    }

    public String keyPrefix() {
        return getString(KEY_PREFIX);
    }

    public String timestampField() {
        return getString(TIMESTAMP_FIELD);
    }

    public String idField() {
        return getString(ID_FIELD);
    }

    public int batchSize() {
        return getInt(BATCH_SIZE);
    }

    public long retryBackoffMs() {
        return getLong(RETRY_BACKOFF_MS);
    }

    public int timeoutMs() {
        return getInt(TIMEOUT_MS);
    }

    public long retryBackoffMaxMs() {
        return getLong(RETRY_BACKOFF_MAX_MS);
    }

    public int maxFields() {
        return getInt(MAX_FIELDS);
    }

    public int maxFieldBytes() {
        return getInt(MAX_FIELD_BYTES);
    }

    public long maxFutureMs() {
        return getLong(MAX_FUTURE_MS);
    }

    public String tombstonePrefix() {
        return getString(TOMBSTONE_PREFIX);
    }

    public long tombstoneGuardMs() {
        return getLong(TOMBSTONE_GUARD_MS);
    }

    /** Empty: the JVM's default trust store. */
    public String tlsCaFile() {
        return getString(TLS_CA_FILE);
    }

    /** Empty: no GEO index. */
    public String geoKey() {
        return getString(GEO_KEY);
    }

    /** Empty: offsets are kept by Kafka only. */
    public String offsetsKey() {
        return offsetsKey(this);
    }

    private static String offsetsKey(AbstractConfig config) {
        String set = config.getString(OFFSETS_KEY);
        if (set != null) {
            return set;
        }
        Object name = config.originals().get("name");
        return OFFSETS_KEY_DEFAULT_PREFIX + (name == null ? "redis-sink" : name.toString());
    }

    public String geoLatitudeField() {
        return getString(GEO_LATITUDE_FIELD);
    }

    public String geoLongitudeField() {
        return getString(GEO_LONGITUDE_FIELD);
    }

    public String statusField() {
        return getString(STATUS_FIELD);
    }

    public String geoExcludeStatus() {
        return getString(GEO_EXCLUDE_STATUS);
    }

    /** Validates redis.uri by parsing it exactly as the task will. */
    static final class UriValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String raw = value instanceof Password ? ((Password) value).value() : (String) value;
            try {
                RedisEndpoint.parse(raw);
            } catch (IllegalArgumentException e) {
                // Never pass the raw value: ConfigException would print it, password included.
                throw new ConfigException(name + " " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "redis://[[user]:password@]host[:port][/db] or rediss://...";
        }
    }

    /** An empty value, or a readable PEM file with at least one certificate. */
    static final class CaFileValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String path = value == null ? "" : value.toString();
            if (path.isEmpty()) {
                return;
            }
            try {
                TlsTrust.load(path);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name + " " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "empty, or a PEM file of CA certificates";
        }
    }
}
