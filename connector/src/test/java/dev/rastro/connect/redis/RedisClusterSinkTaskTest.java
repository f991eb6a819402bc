package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.internals.PluginMetricsImpl;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.args.ClientType;
import redis.clients.jedis.args.ClusterFailoverOption;
import redis.clients.jedis.args.GeoUnit;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ClientKillParams;
import redis.clients.jedis.params.GeoSearchParam;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The task against a real Redis Cluster (3 primaries, 3 replicas) with {@code redis.cluster.buckets}: keys in their
 * bucket's slot, offsets per bucket, and a failover that loses acknowledged writes repaired by replay.
 * Each test starts its own cluster: one of them kills a primary.
 */
class RedisClusterSinkTaskTest {

    private static final String TOPIC = "driver-locations";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final long T0 = 1_700_000_000_000L;
    private static final long NOW = T0 + 3_600_000L;
    private static final int BUCKETS = 16;
    private static final String OFFSETS = "sink-offsets:redis-sink";
    private static final KeySpace KEYS = KeySpace.bucketed("driver:", "drivers:geo", OFFSETS, BUCKETS);

    private RedisClusterServer redis;
    private JedisCluster client;
    private Metrics kafkaMetrics;
    private PluginMetricsImpl pluginMetrics;
    private TestSinkTaskContext context;
    private RedisSinkTask task;

    @BeforeEach
    void setUp() throws Exception {
        redis = RedisClusterServer.start(3);
        client = new JedisCluster(redis.seed());
        kafkaMetrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
        LinkedHashMap<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", "redis-sink");
        tags.put("task", "0");
        pluginMetrics = new PluginMetricsImpl(kafkaMetrics, tags);
        task = startTask(redis.uri());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (task != null) {
            task.stop();
        }
        pluginMetrics.close();
        kafkaMetrics.close();
        client.close();
        redis.close();
    }

    private RedisSinkTask startTask(String uri) {
        Map<String, String> props = new HashMap<>();
        props.put("name", "redis-sink");
        props.put("topics", TOPIC);
        props.put(RedisSinkConfig.REDIS_URI, uri);
        props.put(RedisSinkConfig.CLUSTER_BUCKETS, Integer.toString(BUCKETS));
        props.put(RedisSinkConfig.GEO_KEY, "drivers:geo");
        props.put(RedisSinkConfig.RETRY_BACKOFF_MS, "100");
        props.put(RedisSinkConfig.TIMEOUT_MS, "1000");
        context = new TestSinkTaskContext(props, new RecordingReporter(), pluginMetrics);
        RedisSinkTask t = new RedisSinkTask(() -> NOW);
        t.initialize(context);
        t.start(props);
        return t;
    }

    private static SinkRecord location(long offset, String id, long ts) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("driver_id", id);
        value.put("timestamp", ts);
        value.put("latitude", -23.55 + (id.hashCode() % 100) / 10_000.0);
        value.put("longitude", -46.63);
        value.put("status", "AVAILABLE");
        return new SinkRecord(TOPIC, 0, Schema.OPTIONAL_STRING_SCHEMA, id, null, value, offset, NOW,
                TimestampType.CREATE_TIME);
    }

    /** Records at offsets from..to-1 of partition 0, driver d-(offset mod drivers), timestamp T0 + offset. */
    private static List<SinkRecord> batch(long from, long to, int drivers) {
        List<SinkRecord> records = new ArrayList<>();
        for (long o = from; o < to; o++) {
            records.add(location(o, "d-" + (o % drivers), T0 + o));
        }
        return records;
    }

    private String timestampOf(String id) {
        return client.hget(KEYS.hashKey(id), "timestamp");
    }

    @Test
    void everyKeyOfARecordSharesItsBucketsSlotAndTheBucketsSpreadOverEveryPrimary() {
        task.put(batch(0, 200, 40));
        Set<Integer> primaries = new java.util.HashSet<>();
        for (int i = 0; i < 40; i++) {
            String id = "d-" + i;
            String key = KEYS.hashKey(id);
            int slot = JedisClusterCRC16.getSlot(key);
            assertEquals(slot, JedisClusterCRC16.getSlot(KEYS.geoKeyOf(key)), key);
            assertEquals(slot, JedisClusterCRC16.getSlot(KEYS.offsetsKeyOf(key)), key);
            assertEquals(slot, JedisClusterCRC16.getSlot("tombstone:" + key), key);
            // The last of its 5 records (offsets i, i+40, ..., i+160) won.
            assertEquals(Long.toString(T0 + i + 160), timestampOf(id), id);
            assertTrue(client.geopos(KEYS.geoKeyOf(key), id).get(0) != null, id + " in its bucket's GEO set");
            primaries.add(redis.primaryOf(slot));
        }
        assertEquals(3, primaries.size(), "40 drivers in 16 buckets land on all three primaries");
        // Never regress, on a cluster too: an older record is skipped.
        task.put(List.of(location(200, "d-0", T0)));
        assertEquals(Long.toString(T0 + 160), timestampOf("d-0"));
        // The chunk's last offset is in every bucket's hash, drivers or not.
        for (String offsets : KEYS.offsetsKeys()) {
            assertEquals("200", client.hget(offsets, P0.toString()), offsets);
        }
        // A bucket's GEO set answers a search near its drivers.
        String key = KEYS.hashKey("d-3");
        assertTrue(client.geosearch(KEYS.geoKeyOf(key), new GeoSearchParam().fromLonLat(-46.63, -23.55)
                .byRadius(5, GeoUnit.KM)).stream().anyMatch(g -> g.getMemberByString().equals("d-3")));
    }

    @Test
    void aTaskResumesFromTheSmallestOffsetOverTheBuckets() {
        task.put(batch(0, 100, 20));
        task.stop();
        // One bucket behind (its shard lost its last writes): the partition resumes after that bucket's offset.
        client.hset(KEYS.offsetsKeys().get(5), P0.toString(), "61");
        task = startTask(redis.uri());
        task.open(List.of(P0));
        task.put(batch(100, 110, 20)); // the consumer's first records, after Kafka's committed offset
        assertEquals(List.of(Map.of(P0, 62L)), context.seeks);
        // A bucket holding nothing for the partition: from the beginning.
        task.stop();
        client.hdel(KEYS.offsetsKeys().get(9), P0.toString());
        task = startTask(redis.uri());
        task.open(List.of(P0));
        assertEquals(List.of(Map.of(P0, 0L)), context.seeks);
    }

    @Test
    void aFailoverThatLostAcknowledgedWritesIsNoticedAndReplayed() throws Exception {
        task.open(List.of(P0));
        task.put(batch(0, 100, 20));
        // The victim: the primary of d-7's bucket, with its replica paused, so what the primary acknowledges next
        // never reaches the replica that will take over.
        int primary = redis.primaryOf(JedisClusterCRC16.getSlot(KEYS.hashKey("d-7")));
        int replica = redis.replicaOf(primary);
        String bucketOffsets = KEYS.offsetsKeyOf(KEYS.hashKey("d-7"));
        redis.await("the replica to hold the first batch (its bucket's offset, written after its data)", () -> {
            try (Jedis r = redis.node(replica)) {
                r.readonly();
                return "99".equals(r.hget(bucketOffsets, P0.toString()));
            }
        });
        // Paused, and its replication link cut by the primary: what the primary writes next is not even in the
        // replica's socket buffer when it wakes up.
        redis.signal(replica, "STOP");
        try (Jedis p = redis.node(primary)) {
            p.clientKill(new ClientKillParams().type(ClientType.REPLICA));
        }
        task.put(batch(100, 200, 20));
        assertEquals(Long.toString(T0 + 187), timestampOf("d-7"), "acknowledged by the primary");
        redis.kill(primary);
        redis.signal(replica, "CONT");
        try (Jedis r = redis.node(replica)) {
            // Promote it now rather than after the node timeout; it may have begun an election of its own meanwhile.
            r.clusterFailover(ClusterFailoverOption.TAKEOVER);
        } catch (JedisDataException alreadyPromoting) {
            // its own failover wins; the wait below covers both
        }
        redis.await("the replica to serve d-7's slot", () -> redis.primaryOf(JedisClusterCRC16.getSlot(KEYS.hashKey("d-7"))) == replica);
        redis.awaitHealthy();
        assertEquals(Long.toString(T0 + 87), timestampOf("d-7"), "the promoted replica lacks the acknowledged writes");

        // The next batch: the task notices the new primaries (or the dead connection), reads every bucket's offsets
        // and seeks back to where the promoted shard's buckets stopped; the batch itself comes again after the seek.
        context.seeks.clear();
        List<SinkRecord> next = batch(200, 220, 20);
        for (int attempt = 0; context.seeks.isEmpty(); attempt++) {
            // Bounded whatever happens: a task that never seeks back must fail here, not loop.
            assertTrue(attempt < 20, "the task should seek back within 20 puts");
            try {
                task.put(next);
            } catch (RetriableException e) {
                // the cluster still settling: Connect would redeliver after the backoff
            }
        }
        assertEquals(Map.of(P0, 100L), context.seeks.get(0), "resumed where the promoted shard stopped");
        task.put(batch(100, 220, 20)); // Connect redelivers from the seek
        for (int i = 0; i < 20; i++) {
            assertEquals(Long.toString(T0 + 200 + i), timestampOf("d-" + i), "d-" + i + " after the replay");
        }
        for (String offsets : KEYS.offsetsKeys()) {
            assertEquals("219", client.hget(offsets, P0.toString()), offsets);
        }
    }

    @Test
    void aSingleRedisNamedAsAClusterIsAConfigurationError() throws Exception {
        task.stop();
        try (RedisServer single = RedisServer.start()) {
            task = startTask(single.uri());
            ConnectException e = assertThrows(ConnectException.class, () -> task.put(batch(0, 1, 1)));
            assertTrue(e.getMessage().contains(RedisSinkConfig.CLUSTER_BUCKETS), e.getMessage());
            assertNotEquals(RetriableException.class, e.getClass());
        } finally {
            task.stop();
            task = null;
        }
    }
}
