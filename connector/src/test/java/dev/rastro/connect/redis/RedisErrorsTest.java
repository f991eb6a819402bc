package dev.rastro.connect.redis;

import static dev.rastro.connect.redis.RedisErrors.Kind.CONFIGURATION;
import static dev.rastro.connect.redis.RedisErrors.Kind.NO_FUNCTION;
import static dev.rastro.connect.redis.RedisErrors.Kind.RECORD;
import static dev.rastro.connect.redis.RedisErrors.Kind.TRANSIENT;
import static dev.rastro.connect.redis.RedisErrors.Kind.UNKNOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.CertificateException;
import java.util.Map;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.exceptions.JedisConnectionException;

/** Replies as Redis 6 and 7 word them (the task tests cover the ones a plain redis-server can produce). */
class RedisErrorsTest {

    @Test
    void eachReplyIsSortedIntoWhatTheSinkDoes() {
        Map<String, RedisErrors.Kind> cases = Map.ofEntries(
                Map.entry("LOADING Redis is loading the dataset in memory", TRANSIENT),
                Map.entry("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
                        TRANSIENT),
                Map.entry("READONLY You can't write against a read only replica. script: abc, on @user_script:9.",
                        TRANSIENT),
                Map.entry("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", TRANSIENT),
                Map.entry("TRYAGAIN Multiple keys request during rehashing of slot", TRANSIENT),
                Map.entry("OOM command not allowed when used memory > 'maxmemory'.", TRANSIENT),
                Map.entry("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist",
                        TRANSIENT),
                Map.entry("ERR Function not found", NO_FUNCTION),
                Map.entry("WRONGTYPE Operation against a key holding the wrong kind of value", RECORD),
                // Redis 6 wraps errors raised inside a script.
                Map.entry("ERR Error running script (call to f_abc): @user_script:1: WRONGTYPE Operation against a key "
                        + "holding the wrong kind of value", RECORD),
                Map.entry("ERR Error running script (call to f_abc): @user_script:2: OOM command not allowed", TRANSIENT),
                Map.entry("NOPERM this user has no permissions to access one of the keys used as arguments",
                        CONFIGURATION),
                Map.entry("WRONGPASS invalid username-password pair or user is disabled.", CONFIGURATION),
                Map.entry("NOAUTH Authentication required.", CONFIGURATION),
                Map.entry("ERR AUTH <password> called without any password configured for the default user. Are you "
                        + "sure your configuration is correct?", CONFIGURATION),
                Map.entry("ERR Client sent AUTH, but no password is set", CONFIGURATION),
                Map.entry("ERR invalid password", CONFIGURATION),
                Map.entry("ERR DB index is out of range", CONFIGURATION),
                Map.entry("MOVED 3999 127.0.0.1:6381", CONFIGURATION),
                // Our write script's own refusal of a foreign value at redis.geo.key: a setting, not a record.
                Map.entry("GEOKEY drivers:geo holds a string, not a sorted set (GEO set)", CONFIGURATION),
                Map.entry("ERR unknown command 'FCALL', with args beginning with: ", CONFIGURATION),
                Map.entry("ERR Error running script: attempt to compare nil with number", UNKNOWN));
        cases.forEach((reply, kind) -> assertEquals(kind, RedisErrors.classify(reply), reply));
    }

    @Test
    void hintsNameTheSettingToChange() {
        assertEquals("check the user and password in redis.uri", RedisErrors.hint("NOAUTH Authentication required.",
                "driver:", "tombstone:", null, null));
        assertTrue(RedisErrors.hint("ERR DB index is out of range", "driver:", "tombstone:", null, null)
                .startsWith("check the database number (/N) in redis.uri"));
        assertTrue(RedisErrors.hint("NOPERM this user has no permissions", "driver:", "tombstone:", null, null)
                .contains("the keys driver:* and tombstone:driver:*"));
        assertTrue(RedisErrors.hint("NOPERM this user has no permissions", "driver:", "tombstone:", "drivers:geo", null)
                .endsWith(" and the key drivers:geo (redis.geo.key)"));
        assertFalse(RedisErrors.hint("NOPERM this user has no permissions", "driver:", "tombstone:", null, null)
                .contains("redis.geo.key"));
        assertEquals("delete that key or set redis.geo.key to a free one; the sink keeps its GEO index there",
                RedisErrors.hint("GEOKEY drivers:geo holds a string, not a sorted set (GEO set)", "driver:",
                        "tombstone:", "drivers:geo", null));
        assertEquals("redis.uri points at a Redis Cluster node; set redis.cluster.buckets (readers use the same "
                + "number) to write to a cluster", RedisErrors.hint("MOVED 3999 127.0.0.1:6381", "driver:", "tombstone:",
                        null, null));
    }

    @Test
    void aSlotChangingHandsIsTransientOnlyOnACluster() {
        for (String reply : new String[] {"MOVED 3999 127.0.0.1:6381", "ASK 3999 127.0.0.1:6381",
                "CLUSTERDOWN The cluster is down"}) {
            assertEquals(RedisErrors.Kind.CONFIGURATION, RedisErrors.classify(reply), reply);
            assertEquals(RedisErrors.Kind.TRANSIENT, RedisErrors.classify(reply, true), reply);
        }
        // Keys of one call in two slots are the sink's own mistake, cluster or not.
        assertEquals(RedisErrors.Kind.CONFIGURATION, RedisErrors.classify("CROSSSLOT Keys in request don't hash to "
                + "the same slot", true));
    }

    @Test
    void onlyCertificateFailuresCountAsCertificateProblems() {
        SSLHandshakeException handshake = new SSLHandshakeException("No subject alternative DNS name matching x");
        handshake.initCause(new CertificateException("No subject alternative DNS name matching x"));
        assertTrue(RedisErrors.isCertificateProblem(new JedisConnectionException("Failed to create socket.", handshake)));
        assertFalse(RedisErrors.isCertificateProblem(new JedisConnectionException("Failed to create socket.",
                new java.net.ConnectException("Connection refused"))));
    }
}
