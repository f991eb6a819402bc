package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.Config;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.ConfigValue;
import org.junit.jupiter.api.Test;

class RedisSinkConnectorTest {

    private static final Map<String, String> PROPS = Map.of(
            "name", "redis-sink",
            "topics", "driver-locations",
            RedisSinkConfig.REDIS_URI, "redis://127.0.0.1:16379",
            RedisSinkConfig.BATCH_SIZE, "100");

    @Test
    void taskConfigsFanOutTheSameSettings() {
        RedisSinkConnector connector = new RedisSinkConnector();
        connector.start(PROPS);
        List<Map<String, String>> configs = connector.taskConfigs(3);
        assertEquals(3, configs.size());
        for (Map<String, String> config : configs) {
            assertEquals(PROPS, config);
        }
        assertNotSame(configs.get(0), configs.get(1));
        assertSame(RedisSinkTask.class, connector.taskClass());
        connector.stop();
    }

    @Test
    void startRejectsInvalidConfig() {
        RedisSinkConnector connector = new RedisSinkConnector();
        assertThrows(ConfigException.class, () -> connector.start(Map.of(RedisSinkConfig.REDIS_URI, "nope://x")));
    }

    @Test
    void versionComesFromTheFilteredResource() {
        String version = new RedisSinkConnector().version();
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
        assertEquals(version, new RedisSinkTask().version());
    }

    @Test
    void validateReportsABadUriOnThatField() {
        Config result = new RedisSinkConnector().validate(Map.of(
                "name", "redis-sink", "topics", "t", RedisSinkConfig.REDIS_URI, "http://127.0.0.1:16379"));
        ConfigValue uri = result.configValues().stream()
                .filter(v -> v.name().equals(RedisSinkConfig.REDIS_URI)).findFirst().orElseThrow();
        assertEquals(List.of("redis.uri has scheme 'http'; expected redis:// or rediss:// (TLS)"), uri.errorMessages());
        long fieldsWithErrors = result.configValues().stream().filter(v -> !v.errorMessages().isEmpty()).count();
        assertEquals(1, fieldsWithErrors);
    }

    @Test
    void validateReportsRulesThatInvolveTwoKeysOnTheKeyToChange() {
        Map<String, String> props = new java.util.HashMap<>(PROPS);
        props.put(RedisSinkConfig.TIMEOUT_MS, "10000");
        props.put("consumer.override.max.poll.interval.ms", "30000");
        props.put(RedisSinkConfig.TOMBSTONE_PREFIX, "driver:x");
        Config result = new RedisSinkConnector().validate(props);
        Map<String, List<String>> errors = new java.util.TreeMap<>();
        result.configValues().stream().filter(v -> !v.errorMessages().isEmpty())
                .forEach(v -> errors.put(v.name(), v.errorMessages()));
        assertEquals(List.of(RedisSinkConfig.TIMEOUT_MS, RedisSinkConfig.TOMBSTONE_PREFIX), List.copyOf(errors.keySet()));
        assertTrue(errors.get(RedisSinkConfig.TIMEOUT_MS).get(0).startsWith("redis.timeout.ms = 10000 is too long"));
    }

    @Test
    void validateReportsAGeoKeyInsideTheDriverPrefixOnTheGeoKey() {
        Map<String, String> props = new java.util.HashMap<>(PROPS);
        props.put(RedisSinkConfig.GEO_KEY, "driver:geo");
        Config result = new RedisSinkConnector().validate(props);
        ConfigValue geo = result.configValues().stream()
                .filter(v -> v.name().equals(RedisSinkConfig.GEO_KEY)).findFirst().orElseThrow();
        assertEquals(List.of("redis.geo.key 'driver:geo' starts with redis.key.prefix 'driver:', so it would be "
                + "taken for a driver's hash (scans for driver hashes would find it); choose a key outside that "
                + "prefix"), geo.errorMessages());
        assertEquals(1, result.configValues().stream().filter(v -> !v.errorMessages().isEmpty()).count());
    }

    @Test
    void validateAcceptsAGoodConfig() {
        Config result = new RedisSinkConnector().validate(PROPS);
        assertTrue(result.configValues().stream().allMatch(v -> v.errorMessages().isEmpty()));
    }

    @Test
    void configDefDocumentsEveryKey() {
        var keys = RedisSinkConfig.CONFIG_DEF.configKeys();
        assertEquals(List.of("redis.uri", "redis.key.prefix", "redis.timestamp.field", "redis.id.field",
                "redis.batch.size", "redis.retry.backoff.ms", "redis.timeout.ms", "redis.record.max.fields",
                "redis.record.max.field.bytes", "redis.timestamp.max.future.ms", "redis.tombstone.key.prefix",
                "redis.tombstone.guard.ms", "redis.retry.backoff.max.ms", "redis.tls.ca.file", "redis.geo.key",
                "redis.geo.latitude.field", "redis.geo.longitude.field", "redis.status.field",
                "redis.geo.exclude.status", "redis.offsets.key", "redis.cluster.buckets"),
                List.copyOf(keys.keySet()));
        keys.values().forEach(k -> assertTrue(k.documentation != null && !k.documentation.isBlank(), k.name));
    }
}
