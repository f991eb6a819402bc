package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import redis.clients.jedis.util.JedisClusterCRC16;

class KeySpaceTest {

    private static final KeySpace CLUSTER = KeySpace.bucketed("driver:", "drivers:geo", "sink-offsets:redis-sink", 16);

    /** The same vectors as test/unit/key-space.test.ts: the readers must find what the sink wrote. */
    @Test
    void bucketsAndTagsAgreeWithTheReaders() {
        List<String> tags = new ArrayList<>();
        for (int b = 0; b < 16; b++) {
            tags.add(KeySpace.tag(b, 16));
        }
        assertEquals(List.of("0.13", "1.10", "2.3", "3.0", "4.63", "5.60", "6.43", "7.40", "8.20", "9.23", "10.40",
                "11.43", "12.1", "13.2", "14.23", "15.20"), tags);
        assertEquals("driver:{12.1}:driver_7", CLUSTER.hashKey("driver_7"));
        assertEquals("driver:{13.2}:d-0", CLUSTER.hashKey("d-0"));
        assertEquals("driver:{8.20}:motorista-ç", CLUSTER.hashKey("motorista-ç"));
        assertEquals("3.85", KeySpace.tag(3, 1024));
    }

    @Test
    void eachBucketsTagLiesInItsOwnSlotRange() {
        for (int buckets : new int[] {1, 3, 16, 100}) {
            for (int b = 0; b < buckets; b++) {
                long slot = JedisClusterCRC16.getSlot(KeySpace.tag(b, buckets));
                assertEquals(b, slot * buckets / KeySpace.SLOTS, buckets + " buckets, bucket " + b);
            }
        }
    }

    @Test
    void aRecordsKeysFollowItsHashKey() {
        String key = CLUSTER.hashKey("driver_7");
        assertEquals("drivers:geo:{12.1}", CLUSTER.geoKeyOf(key));
        assertEquals("sink-offsets:redis-sink:{12.1}", CLUSTER.offsetsKeyOf(key));
        assertEquals(16, CLUSTER.offsetsKeys().size());
        assertEquals("sink-offsets:redis-sink:{0.13}", CLUSTER.offsetsKeys().get(0));
        assertThrows(IllegalArgumentException.class, () -> CLUSTER.geoKeyOf("driver:7"));
        KeySpace single = KeySpace.single("driver:", "drivers:geo", null);
        assertEquals("driver:7", single.hashKey("7"));
        assertEquals("drivers:geo", single.geoKeyOf("driver:7"));
        assertEquals(null, single.offsetsKeyOf("driver:7"));
        assertEquals(List.of(), single.offsetsKeys());
        assertThrows(IllegalArgumentException.class, () -> KeySpace.bucketed("driver:", null, null, 0));
    }
}
