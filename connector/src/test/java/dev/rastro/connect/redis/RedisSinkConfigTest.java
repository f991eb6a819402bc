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
                "redis://h", RedisSinkConfig.TIMESTAMP_FIELD, "")));
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
