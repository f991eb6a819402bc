package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RedisSinkConfigTest {

    @Test
    void defaults() {
        RedisSinkConfig config = new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://127.0.0.1:16379"));
        assertEquals("driver:", config.keyPrefix());
        assertEquals("timestamp", config.timestampField());
        assertEquals("driver_id", config.idField());
        assertEquals(500, config.batchSize());
        assertEquals(1000L, config.retryBackoffMs());
        assertEquals(2000, config.timeoutMs());
        assertEquals("redis://127.0.0.1:16379", config.endpoint().target());
    }

    @Test
    void overrides() {
        RedisSinkConfig config = new RedisSinkConfig(Map.of(
                RedisSinkConfig.REDIS_URI, "redis://localhost",
                RedisSinkConfig.KEY_PREFIX, "courier:",
                RedisSinkConfig.TIMESTAMP_FIELD, "ts",
                RedisSinkConfig.ID_FIELD, "courier_id",
                RedisSinkConfig.BATCH_SIZE, "50",
                RedisSinkConfig.RETRY_BACKOFF_MS, "250",
                RedisSinkConfig.TIMEOUT_MS, "750"));
        assertEquals("courier:", config.keyPrefix());
        assertEquals("ts", config.timestampField());
        assertEquals("courier_id", config.idField());
        assertEquals(50, config.batchSize());
        assertEquals(250L, config.retryBackoffMs());
        assertEquals(750, config.timeoutMs());
        assertEquals(6379, config.endpoint().port());
    }

    @Test
    void uriIsRequired() {
        ConfigException e = assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of()));
        assertTrue(e.getMessage().contains("redis.uri"), e.getMessage());
    }

    @Test
    void rangesAreEnforced() {
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://h", RedisSinkConfig.BATCH_SIZE, "0")));
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://h", RedisSinkConfig.RETRY_BACKOFF_MS, "-1")));
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://h", RedisSinkConfig.MAX_FIELDS, "0")));
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://h", RedisSinkConfig.TIMEOUT_MS, "60001")));
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://h", RedisSinkConfig.TIMESTAMP_FIELD, "")));
    }

    @Test
    void newSettingsHaveSafeDefaults() {
        RedisSinkConfig config = new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h"));
        assertEquals(1000, config.maxFields());
        assertEquals(65536, config.maxFieldBytes());
        assertEquals(86_400_000L, config.maxFutureMs());
        assertEquals("tombstone:", config.tombstonePrefix());
        assertEquals(86_400_000L, config.tombstoneGuardMs());
        assertEquals(60_000L, config.retryBackoffMaxMs());
        assertEquals("", config.tlsCaFile());
        // No GEO index unless asked for: records then need no position.
        assertEquals("", config.geoKey());
        assertEquals("latitude", config.geoLatitudeField());
        assertEquals("longitude", config.geoLongitudeField());
        assertEquals("status", config.statusField());
        assertEquals("OFFLINE", config.geoExcludeStatus());
    }

    @Test
    void geoSettingsAreRead() {
        RedisSinkConfig config = new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.GEO_KEY, "drivers:geo", RedisSinkConfig.GEO_LATITUDE_FIELD, "lat",
                RedisSinkConfig.GEO_LONGITUDE_FIELD, "lon", RedisSinkConfig.STATUS_FIELD, "state",
                RedisSinkConfig.GEO_EXCLUDE_STATUS, "GONE"));
        assertEquals("drivers:geo", config.geoKey());
        assertEquals("lat", config.geoLatitudeField());
        assertEquals("lon", config.geoLongitudeField());
        assertEquals("state", config.statusField());
        assertEquals("GONE", config.geoExcludeStatus());
    }

    @Test
    void geoFieldNamesMustNotBeEmpty() {
        for (String key : new String[] {RedisSinkConfig.GEO_LATITUDE_FIELD, RedisSinkConfig.GEO_LONGITUDE_FIELD,
                RedisSinkConfig.STATUS_FIELD, RedisSinkConfig.GEO_EXCLUDE_STATUS}) {
            assertEquals("Invalid value  for configuration " + key + ": String must be non-empty", error(key, ""));
        }
    }

    @Test
    void theGeoKeyMustNotLookLikeADriverOrMarkerKey() {
        assertEquals("redis.geo.key 'driver:geo' starts with redis.key.prefix 'driver:', so it would be taken for "
                + "a driver's hash (scans for driver hashes would find it); choose a key outside that prefix",
                error(RedisSinkConfig.GEO_KEY, "driver:geo"));
        assertEquals("redis.geo.key 'tombstone:driver:geo' is a tombstone marker key (redis.tombstone.key.prefix "
                + "+ redis.key.prefix = 'tombstone:driver:...'); choose another key",
                error(RedisSinkConfig.GEO_KEY, "tombstone:driver:geo"));
        // Without markers that name is free.
        assertEquals("tombstone:driver:geo", new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.GEO_KEY, "tombstone:driver:geo", RedisSinkConfig.TOMBSTONE_GUARD_MS, "0")).geoKey());
        // "drivers:geo" is not inside "driver:": the stack's name is accepted.
        assertEquals("drivers:geo", new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.GEO_KEY, "drivers:geo")).geoKey());
        // An empty key prefix makes every key a driver key.
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.KEY_PREFIX, "", RedisSinkConfig.TOMBSTONE_GUARD_MS, "0",
                RedisSinkConfig.GEO_KEY, "drivers:geo")));
    }

    @Test
    void latitudeAndLongitudeNeedTwoFieldsOnlyWhenTheIndexIsOn() {
        String message = assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(
                RedisSinkConfig.REDIS_URI, "redis://h", RedisSinkConfig.GEO_KEY, "drivers:geo",
                RedisSinkConfig.GEO_LATITUDE_FIELD, "pos", RedisSinkConfig.GEO_LONGITUDE_FIELD, "pos"))).getMessage();
        assertEquals("redis.geo.longitude.field and redis.geo.latitude.field are both 'pos'; a position needs two "
                + "fields", message);
        new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.GEO_LATITUDE_FIELD, "pos", RedisSinkConfig.GEO_LONGITUDE_FIELD, "pos"));
    }

    @Test
    void retryBackoffHasAFloorAndACapNotBelowIt() {
        assertEquals("Invalid value 0 for configuration redis.retry.backoff.ms: Value must be at least 100",
                error(RedisSinkConfig.RETRY_BACKOFF_MS, "0"));
        assertEquals("Invalid value 99 for configuration redis.retry.backoff.ms: Value must be at least 100",
                error(RedisSinkConfig.RETRY_BACKOFF_MS, "99"));
        assertEquals(100L, new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.RETRY_BACKOFF_MS, "100")).retryBackoffMs());
        assertEquals("redis.retry.backoff.max.ms = 500 is below redis.retry.backoff.ms = 1000",
                error(RedisSinkConfig.RETRY_BACKOFF_MAX_MS, "500"));
    }

    @Test
    void timeoutMustFitTheConsumerPollInterval() {
        // Kafka's default max.poll.interval.ms is 300 s; 4 x 60 s fits.
        assertEquals(60_000, new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.TIMEOUT_MS, "60000")).timeoutMs());
        String message = assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(
                RedisSinkConfig.REDIS_URI, "redis://h", RedisSinkConfig.TIMEOUT_MS, "5000",
                "consumer.override.max.poll.interval.ms", "20000"))).getMessage();
        assertEquals("redis.timeout.ms = 5000 is too long: a failing put() may wait 4 x 5000 ms, which must stay "
                + "below consumer.override.max.poll.interval.ms = 20000 or the consumer leaves the group", message);
        new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h", RedisSinkConfig.TIMEOUT_MS, "4999",
                "consumer.override.max.poll.interval.ms", "20000"));
    }

    @Test
    void tombstoneMarkersMustNotLookLikeDriverKeys() {
        assertEquals("redis.tombstone.key.prefix 'driver:old:' makes marker keys start with redis.key.prefix "
                + "'driver:', so scans for driver hashes would find them; choose another prefix, or set "
                + "redis.tombstone.guard.ms=0 to write no markers", error(RedisSinkConfig.TOMBSTONE_PREFIX, "driver:old:"));
        // An empty key prefix matches every key, markers included.
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.KEY_PREFIX, "")));
        new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h", RedisSinkConfig.KEY_PREFIX, "",
                RedisSinkConfig.TOMBSTONE_GUARD_MS, "0", RedisSinkConfig.OFFSETS_KEY, ""));
        new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h", RedisSinkConfig.TOMBSTONE_PREFIX, "gone:"));
    }

    @Test
    void theOffsetsKeyDefaultsToTheConnectorsNameAndMustStayOutOfTheSinksOtherKeys() {
        assertEquals("sink-offsets:my-sink", new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                "name", "my-sink")).offsetsKey());
        assertEquals("", new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.OFFSETS_KEY, "")).offsetsKey());
        assertEquals("redis.offsets.key 'driver:offsets' starts with redis.key.prefix 'driver:', so it would be "
                + "taken for a driver's hash; choose a key outside that prefix",
                error(RedisSinkConfig.OFFSETS_KEY, "driver:offsets"));
        assertEquals("redis.offsets.key 'tombstone:driver:x' is a tombstone marker key (redis.tombstone.key.prefix "
                + "+ redis.key.prefix = 'tombstone:driver:...'); choose another key",
                error(RedisSinkConfig.OFFSETS_KEY, "tombstone:driver:x"));
        assertEquals("redis.offsets.key 'drivers:geo' is also redis.geo.key; choose another key",
                assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI,
                        "redis://h", RedisSinkConfig.GEO_KEY, "drivers:geo", RedisSinkConfig.OFFSETS_KEY,
                        "drivers:geo"))).getMessage());
        // An empty key prefix matches every key: offsets (like markers) must then be off.
        assertThrows(ConfigException.class, () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h",
                RedisSinkConfig.KEY_PREFIX, "", RedisSinkConfig.TOMBSTONE_GUARD_MS, "0")));
    }

    @Test
    void caFileMustBeReadablePemAndNeedsRediss() throws Exception {
        String missing = error(RedisSinkConfig.TLS_CA_FILE, "/nonexistent/ca.pem");
        assertTrue(missing.startsWith("redis.tls.ca.file '/nonexistent/ca.pem' cannot be read"), missing);
        java.nio.file.Path notPem = java.nio.file.Files.createTempFile("rastro-not-pem", ".pem");
        try {
            java.nio.file.Files.writeString(notPem, "hello");
            String bad = error(RedisSinkConfig.TLS_CA_FILE, notPem.toString());
            assertTrue(bad.startsWith("redis.tls.ca.file '" + notPem + "' "), bad);
        } finally {
            java.nio.file.Files.delete(notPem);
        }
    }

    private static String error(String key, String value) {
        return assertThrows(ConfigException.class,
                () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, "redis://h", key, value))).getMessage();
    }

    @Test
    void hostNamesWithUnderscoresAreAccepted() {
        RedisEndpoint e = RedisEndpoint.parse("redis://redis_primary:6380/1");
        assertEquals("redis_primary", e.host());
        assertEquals(6380, e.port());
        assertEquals(1, e.database());
        RedisEndpoint withCredentials = RedisEndpoint.parse("rediss://sink:p%40ss@cache_1.internal");
        assertEquals("cache_1.internal", withCredentials.host());
        assertEquals(6379, withCredentials.port());
        assertEquals("sink", withCredentials.user());
        assertEquals("p@ss", withCredentials.password());
        assertEquals("rediss://cache_1.internal:6379", withCredentials.target());
        assertEquals("redis.uri has no host (or an invalid one); expected redis://host:port",
                uriError("redis://bad_host!:1"));
        assertEquals("redis.uri has port 'x', which is not a number", uriError("redis://a_b:x"));
    }

    @Test
    void userWithEmptyPasswordKeepsTheUser() {
        RedisEndpoint e = RedisEndpoint.parse("redis://sink:@h:1");
        assertEquals("sink", e.user());
        assertEquals("", e.password());
        RedisEndpoint none = RedisEndpoint.parse("redis://:@h:1");
        assertNull(none.user());
        assertNull(none.password());
    }

    @Test
    void endpointWithUserPasswordAndDatabase() {
        RedisEndpoint e = RedisEndpoint.parse("redis://rastro:s%40cret@redis.internal:6380/2");
        assertEquals("redis.internal", e.host());
        assertEquals(6380, e.port());
        assertEquals("rastro", e.user());
        assertEquals("s@cret", e.password());
        assertEquals(2, e.database());
        assertFalse(e.tls());
        assertEquals("redis://redis.internal:6380/2", e.target()); // never the password
    }

    @Test
    void endpointWithPasswordOnly() {
        RedisEndpoint colon = RedisEndpoint.parse("redis://:pw@h:1");
        assertNull(colon.user());
        assertEquals("pw", colon.password());
        RedisEndpoint bare = RedisEndpoint.parse("redis://pw@h:1");
        assertNull(bare.user());
        assertEquals("pw", bare.password());
    }

    @Test
    void tlsAndIpv6() {
        RedisEndpoint tls = RedisEndpoint.parse("rediss://cache.example:6390");
        assertTrue(tls.tls());
        assertEquals("rediss://cache.example:6390", tls.target());
        RedisEndpoint v6 = RedisEndpoint.parse("redis://[::1]:7000");
        assertEquals("::1", v6.host());
        assertEquals("redis://[::1]:7000", v6.target());
    }

    @Test
    void badUrisAreRejectedWithReasonAndWithoutThePassword() {
        assertEquals("redis.uri has scheme 'http'; expected redis:// or rediss:// (TLS)", uriError("http://h:1"));
        assertEquals("redis.uri has no host (or an invalid one); expected redis://host:port", uriError("redis://:6379"));
        assertEquals("redis.uri has port 70000 outside 1..65535", uriError("redis://h:70000"));
        assertEquals("redis.uri has path '/x'; only a database number (/0, /1, ...) is allowed", uriError("redis://h/x"));
        assertEquals("redis.uri is empty; expected redis://host:port", uriError(" "));
        assertEquals("redis.uri has no scheme; expected redis://host:port", uriError("127.0.0.1:6379"));
        assertEquals("redis.uri has no scheme; expected redis://host:port", uriError("localhost:6379"));
        String spaces = uriError("redis://user:top secret@h:1");
        assertTrue(spaces.startsWith("redis.uri is not a valid URI ("), spaces);
        assertFalse(spaces.contains("secret"), spaces);
    }

    private static String uriError(String uri) {
        return assertThrows(ConfigException.class,
                () -> new RedisSinkConfig(Map.of(RedisSinkConfig.REDIS_URI, uri))).getMessage();
    }
}
