package dev.rastro.connect.redis;

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

    public static final String KEY_PREFIX_DEFAULT = "driver:";
    public static final String TIMESTAMP_FIELD_DEFAULT = "timestamp";
    public static final String ID_FIELD_DEFAULT = "driver_id";
    public static final int BATCH_SIZE_DEFAULT = 500;
    public static final long RETRY_BACKOFF_MS_DEFAULT = 1000L;
    public static final int TIMEOUT_MS_DEFAULT = 2000;

    private static final String GROUP = "Redis";

    public static final ConfigDef CONFIG_DEF = new ConfigDef()
            // PASSWORD type: the URI may carry credentials, and Connect masks PASSWORD values in its logs.
            .define(REDIS_URI, Type.PASSWORD, ConfigDef.NO_DEFAULT_VALUE, new UriValidator(), Importance.HIGH,
                    "Redis server to write to: redis://host:port, redis://[user]:password@host:port[/db], "
                            + "or rediss://... for TLS. The default port is 6379.",
                    GROUP, 1, Width.LONG, "Redis URI")
            .define(KEY_PREFIX, Type.STRING, KEY_PREFIX_DEFAULT, new ConfigDef.NonNullValidator(), Importance.MEDIUM,
                    "Prefix of each driver's hash key: the key is <prefix><driver id>.",
                    GROUP, 2, Width.SHORT, "Key prefix")
            .define(TIMESTAMP_FIELD, Type.STRING, TIMESTAMP_FIELD_DEFAULT, new ConfigDef.NonEmptyString(),
                    Importance.MEDIUM,
                    "Value field holding the event time in epoch milliseconds (an integer, or a string of decimal "
                            + "digits). A write whose time is older than the stored one is skipped.",
                    GROUP, 3, Width.SHORT, "Timestamp field")
            .define(ID_FIELD, Type.STRING, ID_FIELD_DEFAULT, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                    "Value field holding the driver id; used when the record key is null, and must equal the key "
                            + "when both are present.",
                    GROUP, 4, Width.SHORT, "Driver id field")
            .define(BATCH_SIZE, Type.INT, BATCH_SIZE_DEFAULT, Range.between(1, 100_000), Importance.LOW,
                    "Most commands sent to Redis in one pipelined round trip; larger put() batches are split.",
                    GROUP, 5, Width.SHORT, "Batch size")
            .define(RETRY_BACKOFF_MS, Type.LONG, RETRY_BACKOFF_MS_DEFAULT, Range.atLeast(0L), Importance.LOW,
                    "After a Redis connection failure or timeout, how long Connect waits before redelivering "
                            + "the same batch (passed to SinkTaskContext.timeout).",
                    GROUP, 6, Width.SHORT, "Retry backoff (ms)")
            .define(TIMEOUT_MS, Type.INT, TIMEOUT_MS_DEFAULT, Range.between(1, 600_000), Importance.LOW,
                    "Connect and socket read timeout for Redis, in milliseconds.",
                    GROUP, 7, Width.SHORT, "Timeout (ms)");

    private final RedisEndpoint endpoint;

    public RedisSinkConfig(Map<?, ?> originals) {
        super(CONFIG_DEF, originals);
        // Already validated by UriValidator; parsed once here for the task.
        this.endpoint = RedisEndpoint.parse(getPassword(REDIS_URI).value());
    }

    RedisEndpoint endpoint() {
        return endpoint;
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
}
