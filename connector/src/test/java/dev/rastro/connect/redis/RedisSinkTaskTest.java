package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MBeanServer;
import javax.management.ObjectName;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.MetricName;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ClientKillParams;

/** The task against a real redis-server (started by the test on a free loopback port). */
class RedisSinkTaskTest {

    private static final String TOPIC = "driver-locations";
    private static final long NOW = 1_700_000_060_000L;
    private static final long T0 = 1_700_000_000_000L;
    private static final String CONNECTOR = "redis-sink-test";
    /** The offsets hash by default: sink-offsets:<connector name>. */
    private static final String OFFSETS = "sink-offsets:" + CONNECTOR;

    private static RedisServer redis;

    private Jedis jedis;
    private Metrics kafkaMetrics;
    private PluginMetricsImpl pluginMetrics;
    private RecordingReporter reporter;
    private TestSinkTaskContext context;
    private RedisSinkTask task;
    private long nextOffset;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        redis.ensureRunning();
        jedis = redis.client();
        jedis.flushAll();
        jedis.functionFlush();
        // The same wiring as the worker: JMX under "kafka.connect", plugin tags connector + task.
        kafkaMetrics = new Metrics(new MetricConfig(), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext("kafka.connect"));
        LinkedHashMap<String, String> tags = new LinkedHashMap<>();
        tags.put("connector", CONNECTOR);
        tags.put("task", "0");
        pluginMetrics = new PluginMetricsImpl(kafkaMetrics, tags);
        reporter = new RecordingReporter();
        task = startTask(reporter, Map.of());
    }

    /** The task's clock: NOW unless a test moves it. */
    private java.util.function.LongSupplier clock = () -> NOW;

    private RedisSinkTask startTask(RecordingReporter withReporter, Map<String, String> overrides) {
        Map<String, String> props = new HashMap<>();
        props.put("name", CONNECTOR);
        props.put("topics", TOPIC);
        props.put(RedisSinkConfig.REDIS_URI, redis.uri());
        props.put(RedisSinkConfig.RETRY_BACKOFF_MS, "1234");
        props.put(RedisSinkConfig.TIMEOUT_MS, "1000");
        props.putAll(overrides);
        context = new TestSinkTaskContext(props, withReporter, pluginMetrics);
        RedisSinkTask t = new RedisSinkTask(() -> clock.getAsLong());
        t.initialize(context);
        t.start(props);
        return t;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (task != null) {
            task.stop();
        }
        pluginMetrics.close();
        kafkaMetrics.close();
        jedis.close();
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Kafka timestamp NOW, as for a record consumed right after it was produced. */
    private SinkRecord record(String key, Map<String, Object> value) {
        return new SinkRecord(TOPIC, 2, Schema.OPTIONAL_STRING_SCHEMA, key, null, value, nextOffset++, NOW,
                TimestampType.CREATE_TIME);
    }

    private SinkRecord tombstone(String key, long kafkaTimestamp) {
        return new SinkRecord(TOPIC, 2, Schema.OPTIONAL_STRING_SCHEMA, key, null, null, nextOffset++, kafkaTimestamp,
                TimestampType.CREATE_TIME);
    }

    private SinkRecord location(String id, long ts, Object... extra) {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("driver_id", id);
        value.put("timestamp", ts);
        for (int i = 0; i < extra.length; i += 2) {
            value.put((String) extra[i], extra[i + 1]);
        }
        return record(id, value);
    }

    private void put(SinkRecord... records) {
        task.put(new ArrayList<>(Arrays.asList(records)));
    }

    private Map<String, String> hash(String id) {
        return jedis.hgetAll("driver:" + id);
    }

    private Object metric(String name) {
        return kafkaMetrics.metric(new MetricName(name, "plugins", "", Map.of("connector", CONNECTOR, "task", "0")))
                .metricValue();
    }

    // ---- tests ---------------------------------------------------------------------------------------------

    @Test
    void newRecordCreatesExactlyOneHashWithAllFields() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("battery", 87L);
        meta.put("tags", List.of("bike", "cargo"));
        put(location("driver_7", T0, "lat", 52.52d, "lon", 13.405d, "speed_kmh", 31L, "heading", 90.0d,
                "on_duty", true, "delivery_id", "del-1", "note", null, "meta", meta));

        assertEquals(Set.of("driver:driver_7", OFFSETS), jedis.keys("*"));
        assertEquals(Map.of("driver_id", "driver_7", "timestamp", "1700000000000", "lat", "52.52", "lon", "13.405",
                "speed_kmh", "31", "heading", "90", "on_duty", "true", "delivery_id", "del-1",
                "meta", "{\"battery\":87,\"tags\":[\"bike\",\"cargo\"]}"), hash("driver_7"));
        assertEquals(1L, task.metrics().recordsWritten());
        assertEquals(60_000d, task.metrics().lastFreshnessMs());
    }

    @Test
    void newerRecordOverwrites() {
        put(location("d1", T0, "lat", 1.0d));
        put(location("d1", T0 + 1, "lat", 2.5d));
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0 + 1), "lat", "2.5"), hash("d1"));
        assertEquals(2L, task.metrics().recordsWritten());
        assertEquals(0L, task.metrics().recordsSkippedStale());
    }

    @Test
    void olderRecordIsSkippedAndCounted() {
        put(location("d1", T0, "lat", 1.0d));
        put(location("d1", T0 - 1, "lat", 9.0d, "extra", "x"));
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0), "lat", "1"), hash("d1"));
        assertEquals(1L, task.metrics().recordsWritten());
        assertEquals(1L, task.metrics().recordsSkippedStale());
    }

    @Test
    void equalTimestampOverwrites() {
        put(location("d1", T0, "lat", 1.0d));
        put(location("d1", T0, "lat", 2.0d));
        assertEquals("2", hash("d1").get("lat"));
        assertEquals(2L, task.metrics().recordsWritten());
    }

    @Test
    void fieldsMissingFromTheNewerValueAreRemoved() {
        put(location("d1", T0, "lat", 1.0d, "delivery_id", "del-9", "status", "delivering"));
        put(location("d1", T0 + 10, "lat", 1.5d, "status", "idle"));
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0 + 10), "lat", "1.5", "status", "idle"),
                hash("d1"));
    }

    @Test
    void tombstoneDeletesTheHashAndLeavesAMarker() {
        put(location("d1", T0), location("d2", T0));
        put(tombstone("d1", T0 + 10));
        assertEquals(Set.of("driver:d2"), jedis.keys("driver:*"));
        assertEquals(Set.of("driver:d2", "tombstone:driver:d1", OFFSETS), jedis.keys("*"));
        assertEquals(String.valueOf(T0 + 10), jedis.get("tombstone:driver:d1"));
        long ttl = jedis.pttl("tombstone:driver:d1");
        assertTrue(ttl > 86_400_000L - 60_000 && ttl <= 86_400_000L, "marker TTL " + ttl);
        assertEquals(1L, task.metrics().recordsDeleted());
    }

    @Test
    void stringTimestampsCompareAsIntegers() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("timestamp", "1700000000010");
        put(record("d1", v));
        // 9 digits vs 13: a string comparison would get this wrong.
        put(location("d1", 999_999_999L));
        assertEquals("1700000000010", hash("d1").get("timestamp"));
        assertEquals(1L, task.metrics().recordsSkippedStale());
    }

    @Test
    void orderWithinABatchIsPreserved() {
        // Same key twice in one batch: the second is older, so the first must win ...
        put(location("a", T0 + 5, "lat", 1.0d), location("a", T0, "lat", 2.0d),
                // ... and here the second is newer, so it must win.
                location("b", T0, "lat", 3.0d), location("b", T0 + 5, "lat", 4.0d),
                // a newer write after a tombstone in the same batch recreates the hash
                location("c", T0, "lat", 5.0d), tombstone("c", T0 + 1), location("c", T0 + 2, "lat", 6.0d));
        assertEquals("1", hash("a").get("lat"));
        assertEquals("4", hash("b").get("lat"));
        assertEquals("6", hash("c").get("lat"));
        assertEquals(5L, task.metrics().recordsWritten());
        assertEquals(1L, task.metrics().recordsSkippedStale());
        assertEquals(1L, task.metrics().recordsDeleted());
    }

    @Test
    void batchesLargerThanBatchSizeAreChunkedInOrder() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.BATCH_SIZE, "2"));
        List<SinkRecord> records = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            records.add(location("d" + (i % 3), T0 + i, "seq", (long) i));
        }
        task.put(records);
        assertEquals("6", hash("d0").get("seq"));
        assertEquals("4", hash("d1").get("seq"));
        assertEquals("5", hash("d2").get("seq"));
        assertEquals(7L, task.metrics().recordsWritten());
    }

    @Test
    void invalidRecordsGoToTheReporterAndValidOnesAreStillWritten() {
        Map<String, Object> noTimestamp = new LinkedHashMap<>();
        noTimestamp.put("driver_id", "x2");
        Map<String, Object> mismatch = new LinkedHashMap<>();
        mismatch.put("driver_id", "other");
        mismatch.put("timestamp", T0);
        Map<String, Object> fractional = new LinkedHashMap<>();
        fractional.put("timestamp", "2023-11-14");
        Map<String, Object> noId = new LinkedHashMap<>();
        noId.put("timestamp", T0);
        SinkRecord ok1 = location("ok1", T0);
        SinkRecord notAnObject = new SinkRecord(TOPIC, 2, null, "x1", null, "not json object", nextOffset++, NOW,
                TimestampType.CREATE_TIME);

        put(ok1, notAnObject, record("x2", noTimestamp), record("x3", mismatch),
                location("ok2", T0), record("x4", fractional), record(null, noId));

        assertEquals(List.of(
                "Invalid record driver-locations-2@1: value is not a JSON object, got a string",
                "Invalid record driver-locations-2@2: field 'timestamp' is missing",
                "Invalid record driver-locations-2@3: record key 'x3' does not match field 'driver_id' = 'other'",
                "Invalid record driver-locations-2@5: field 'timestamp' must be a positive epoch time in "
                        + "milliseconds or seconds (a number or a string of decimal digits), got a string '2023-11-14'",
                "Invalid record driver-locations-2@6: no driver id: the record key is null and field 'driver_id' "
                        + "is missing"),
                reporter.messages());
        assertEquals(List.of(1L, 2L, 3L, 5L, 6L),
                reporter.reports.stream().map(r -> r.record().kafkaOffset()).toList());
        assertEquals(Set.of("driver:ok1", "driver:ok2", OFFSETS), jedis.keys("*"));
        assertEquals(2L, task.metrics().recordsWritten());
        assertEquals(5L, task.metrics().recordsInvalid());
    }

    @Test
    void withoutReporterAnInvalidRecordFailsTheTaskNamingIt() {
        task.stop();
        task = startTask(null, Map.of());
        Map<String, Object> noTimestamp = new LinkedHashMap<>();
        noTimestamp.put("lat", 1.0d);
        ConnectException e = assertThrows(ConnectException.class,
                () -> put(location("ok", T0), record("bad", noTimestamp)));
        assertEquals("Invalid record driver-locations-2@1: field 'timestamp' is missing", e.getMessage());
        assertFalse(e instanceof RetriableException);
    }

    @Test
    void aNonHashAtTheKeyIsReportedNotOverwritten() {
        jedis.set("driver:clash", "someone else's string");
        put(location("clash", T0), location("fine", T0));
        assertEquals("someone else's string", jedis.get("driver:clash"));
        assertEquals(1, reporter.reports.size());
        String message = reporter.messages().get(0);
        assertTrue(message.startsWith("Record driver-locations-2@0 could not be written: FCALL rastro_sink_upsert on "
                + redis.uri() + " for key driver:clash: WRONGTYPE"), message);
        assertEquals(Map.of("driver_id", "fine", "timestamp", String.valueOf(T0)), hash("fine"));
    }

    @Test
    void redisDownMeansRetriableAndTheSameBatchSucceedsAfterRestart() throws Exception {
        put(location("d1", T0));
        redis.stop();

        SinkRecord[] batch = {location("d1", T0 + 1, "lat", 7.0d), location("d2", T0 + 1)};
        RetriableException e = assertThrows(RetriableException.class, () -> put(batch));
        assertTrue(e.getMessage().contains(" on " + redis.uri()), e.getMessage());
        assertEquals(List.of(1234L), context.timeouts);
        assertEquals(1L, task.metrics().redisRetries());
        // Still down: the redelivery tries a fresh connection, which is refused.
        RetriableException again = assertThrows(RetriableException.class, () -> put(batch));
        assertTrue(again.getMessage().startsWith("CONNECT on " + redis.uri() + ": JedisConnectionException: "),
                again.getMessage());
        assertTrue(again.getMessage().contains("Connection refused"), again.getMessage());
        assertEquals(List.of(1234L, 2468L), context.timeouts); // doubling backoff
        assertEquals(2L, task.metrics().redisRetries());

        redis.restart(); // empty dataset and, more to the point, an empty script cache
        jedis.close();
        jedis = redis.client();
        put(batch);
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0 + 1), "lat", "7"), hash("d1"));
        assertEquals(Set.of("driver:d1", "driver:d2", OFFSETS), jedis.keys("*"));
        assertEquals(3L, task.metrics().recordsWritten());
    }

    @Test
    void aFlushedFunctionLibraryIsReloadedTransparently() {
        put(location("d1", T0));
        jedis.functionFlush();
        put(location("d1", T0 + 1), location("d2", T0));
        assertEquals(String.valueOf(T0 + 1), hash("d1").get("timestamp"));
        assertEquals(Set.of("driver:d1", "driver:d2", OFFSETS), jedis.keys("*"));
        assertEquals(0L, task.metrics().redisRetries());
    }

    @Test
    void onlyDriverKeysExistAfterAMixedRun() {
        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("lat", 1.0d);
        put(location("a", T0), location("b", T0), record("c", bad), location("a", T0 - 5), tombstone("b", NOW),
                location("e", T0 + 3));
        task.stop();
        task = null;
        assertEquals(Set.of("driver:a", "driver:e"), jedis.keys("driver:*"));
        // The only other key is b's tombstone marker, outside the driver:* namespace.
        assertEquals(Set.of("driver:a", "driver:e", "tombstone:driver:b", OFFSETS), jedis.keys("*"));
    }

    @Test
    void ageBucketsSplitFreshnessAtPut() {
        // put() receives the batch at NOW (its first clock read); the writes return 250 ms later.
        java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        clock = () -> reads.getAndIncrement() == 0 ? NOW : NOW + 250;
        put(location("a", NOW - 40), location("b", NOW - 8), location("a", NOW - 100));
        // Cumulative counts of the two written records (the stale one is in neither): received at 40 and 8 ms of age,
        // written at 290 and 258 ms.
        assertEquals(0L, metric("received-bucket-5"));
        assertEquals(1L, metric("received-bucket-10"));
        assertEquals(1L, metric("received-bucket-30"));
        assertEquals(2L, metric("received-bucket-50"));
        assertEquals(2L, metric("received-bucket-inf"));
        assertEquals(0L, metric("written-bucket-200"));
        assertEquals(2L, metric("written-bucket-300"));
        assertEquals(2L, metric("written-bucket-30000"));
        assertEquals(2L, metric("written-bucket-inf"));
        assertEquals(290d, metric("freshness-max-ms"));
    }

    @Test
    void metricsArePublishedAsPluginMetricsAndInJmx() throws Exception {
        put(location("d1", T0 - 40_000), location("d1", T0 - 50_000), location("d2", T0), tombstone("d3", NOW));
        assertEquals(2L, metric("records-written"));
        assertEquals(1L, metric("records-skipped-stale"));
        assertEquals(1L, metric("records-deleted"));
        assertEquals(0L, metric("records-invalid"));
        assertEquals(0L, metric("redis-retries"));
        assertEquals(60_000d, metric("freshness-last-ms"));
        assertEquals(100_000d, metric("freshness-max-ms"));
        assertEquals(80_000d, metric("freshness-avg-ms"));
        // Histogram percentiles, exact to within a bucket (tens of ms at 100 s). Kafka's quantile is the
        // first bucket whose share *exceeds* q, so the median of two values reads as the larger one.
        assertEquals(100_000d, (double) metric("freshness-p99-ms"), 1_000d);
        assertEquals(100_000d, (double) metric("freshness-p50-ms"), 1_000d);

        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = new ObjectName("kafka.connect:type=plugins,connector=" + CONNECTOR + ",task=0");
        assertEquals(2L, server.getAttribute(name, "records-written"));
        assertEquals(1L, server.getAttribute(name, "records-skipped-stale"));

        task.stop();
        task = null;
        assertNull(kafkaMetrics.metric(new MetricName("records-written", "plugins", "",
                Map.of("connector", CONNECTOR, "task", "0"))));
        assertFalse(server.isRegistered(name));
    }

    // ---- issue 8: sink hardening ---------------------------------------------------------------------------

    private static Object[] manyFields(int n) {
        Object[] extra = new Object[n * 2];
        for (int i = 0; i < n; i++) {
            extra[2 * i] = "f" + i;
            extra[2 * i + 1] = (long) i;
        }
        return extra;
    }

    @Test
    void anOversizedRecordGoesToTheDlqAndTheStoredDriverSurvives() {
        put(location("d1", T0, "lat", 1.0d));
        put(location("d1", T0 + 1, manyFields(5000)), location("d2", T0));
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0), "lat", "1"), hash("d1"));
        assertEquals(List.of("Invalid record driver-locations-2@1: value has 5002 fields, more than "
                + "redis.record.max.fields = 1000"), reporter.messages());
        assertEquals(Set.of("driver:d1", "driver:d2", OFFSETS), jedis.keys("*"));
        assertEquals(0L, task.metrics().redisRetries());
        assertTrue(context.timeouts.isEmpty());
    }

    @Test
    void aRecordWithThousandsOfFieldsWithinTheCapIsWrittenWhole() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.MAX_FIELDS, "20000"));
        put(location("d1", T0, "lat", 1.0d));
        put(location("d1", T0 + 1, manyFields(10_000)));
        Map<String, String> stored = hash("d1");
        assertEquals(10_002, stored.size());
        assertEquals("9999", stored.get("f9999"));
        assertEquals(null, stored.get("lat"));
        assertTrue(reporter.reports.isEmpty());
    }

    @Test
    void anOversizedFieldGoesToTheDlq() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.MAX_FIELD_BYTES, "100"));
        put(location("d1", T0, "note", "x".repeat(100)));
        put(location("d1", T0 + 1, "note", "x".repeat(101)));
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp"));
        assertEquals(List.of("Invalid record driver-locations-2@1: field 'note' is 101 bytes, more than "
                + "redis.record.max.field.bytes = 100"), reporter.messages());
    }

    @Test
    void aFutureTimestampGoesToTheDlqAndDoesNotFreezeTheDriver() {
        put(location("d1", T0));
        put(location("d1", 1_700_000_000_000_000L)); // microseconds
        put(location("d1", NOW + 86_400_001L)); // a day and a millisecond ahead
        put(location("d1", T0 + 5, "lat", 3.0d));
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0 + 5), "lat", "3"), hash("d1"));
        assertEquals(2, reporter.reports.size());
        assertTrue(reporter.messages().get(0).startsWith("Invalid record driver-locations-2@1: field 'timestamp' = "
                + "1700000000000000 is "), reporter.messages().get(0));
        assertTrue(reporter.messages().get(0).endsWith(" ms in the future (limit redis.timestamp.max.future.ms = "
                + "86400000)"), reporter.messages().get(0));
    }

    @Test
    void epochSecondsAreStoredAsMillisecondsAndCompareWithMilliseconds() {
        put(location("d1", 1_700_000_010L, "lat", 1.0d)); // seconds, from some other client
        assertEquals("1700000010000", hash("d1").get("timestamp"));
        put(location("d1", T0 + 5_000, "lat", 2.0d)); // ms, 5 s earlier than the seconds value
        assertEquals("1", hash("d1").get("lat"));
        assertEquals(1L, task.metrics().recordsSkippedStale());
        put(location("d1", T0 + 10_001, "lat", 3.0d));
        assertEquals("3", hash("d1").get("lat"));
    }

    @Test
    void aStoredTimestampThatIsNoIntegerIsReplacedByAValidWrite() {
        // Each of these is a number to Lua's tonumber(), most of them larger than T0.
        List<String> bogus = List.of("inf", "+inf", "1e400", "nan", "99999999999999999999999", "1e13",
                "  9000000000000", "0x1FFFFFFFFFFF", "9000000000000.5", "later");
        for (String stored : bogus) {
            jedis.del("driver:d1");
            jedis.hset("driver:d1", Map.of("timestamp", stored, "junk", "x"));
            put(location("d1", T0));
            assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0)), hash("d1"), stored);
        }
        assertEquals(bogus.size(), task.metrics().recordsWritten());
        // A sane integer still wins over an older write.
        jedis.hset("driver:d1", "timestamp", String.valueOf(T0 + 1));
        put(location("d1", T0));
        assertEquals(1L, task.metrics().recordsSkippedStale());
    }

    @Test
    void aLateLocationAfterATombstoneDoesNotBringTheDriverBack() {
        put(location("d1", T0));
        put(tombstone("d1", T0 + 100));
        put(location("d1", T0 + 50, "lat", 1.0d), location("d1", T0 + 100, "lat", 2.0d));
        assertEquals(Set.of(), jedis.keys("driver:*"));
        assertEquals(2L, task.metrics().recordsSkippedStale());
        // A location newer than the tombstone is a new life: written, and the marker is no longer needed.
        put(location("d1", T0 + 101, "lat", 3.0d));
        assertEquals("3", hash("d1").get("lat"));
        assertFalse(jedis.exists("tombstone:driver:d1"));
    }

    @Test
    void aTombstoneOlderThanTheStoredLocationIsIgnored() {
        put(location("d1", T0 + 100));
        put(tombstone("d1", T0 + 99));
        assertEquals(String.valueOf(T0 + 100), hash("d1").get("timestamp"));
        assertFalse(jedis.exists("tombstone:driver:d1"));
        assertEquals(0L, task.metrics().recordsDeleted());
        assertEquals(1L, task.metrics().recordsSkippedStale());
        put(tombstone("d1", T0 + 100)); // not older: deletes
        assertEquals(Set.of("tombstone:driver:d1", OFFSETS), jedis.keys("*"));
    }

    @Test
    void aLaterTombstoneKeepsTheLaterMarkerTime() {
        put(tombstone("d1", T0 + 100));
        put(tombstone("d1", T0 + 50));
        assertEquals(String.valueOf(T0 + 100), jedis.get("tombstone:driver:d1"));
    }

    @Test
    void aTombstoneLeavesAKeyOfAnotherTypeAloneAndReportsIt() {
        jedis.set("driver:clash", "someone else's string");
        put(tombstone("clash", NOW));
        assertEquals("someone else's string", jedis.get("driver:clash"));
        assertFalse(jedis.exists("tombstone:driver:clash"));
        assertEquals(1, reporter.reports.size());
        assertEquals("Record driver-locations-2@0 could not be written: FCALL rastro_sink_delete on " + redis.uri()
                + " for key driver:clash: WRONGTYPE key holds a string, not a hash; a tombstone deletes only hashes",
                reporter.messages().get(0));
    }

    @Test
    void aTombstoneWithoutKafkaTimestampGoesToTheDlq() {
        put(location("d1", T0));
        put(new SinkRecord(TOPIC, 2, Schema.OPTIONAL_STRING_SCHEMA, "d1", null, null, nextOffset++));
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp"));
        assertEquals(List.of("Invalid record driver-locations-2@1: tombstone (null value) has no Kafka timestamp: "
                + "cannot tell whether it is older than the stored location"), reporter.messages());
    }

    @Test
    void withTheGuardOffATombstoneWritesNoMarker() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.TOMBSTONE_GUARD_MS, "0"));
        put(location("d1", T0), tombstone("d1", T0 + 100), location("d1", T0 + 50));
        // No marker, so the late location comes back: the documented cost of turning the guard off.
        assertEquals(Set.of("driver:d1", OFFSETS), jedis.keys("*"));
    }

    @Test
    void aCustomMarkerPrefixIsUsed() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.TOMBSTONE_PREFIX, "rastro:gone:"));
        put(tombstone("d1", NOW));
        assertEquals(Set.of("rastro:gone:driver:d1", OFFSETS), jedis.keys("*"));
    }

    private ConnectException failsPermanently(Map<String, String> overrides) {
        task.stop();
        task = startTask(reporter, overrides);
        ConnectException e = assertThrows(ConnectException.class, () -> put(location("d1", T0)));
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(context.timeouts.isEmpty());
        assertEquals(0L, task.metrics().redisRetries());
        return e;
    }

    @Test
    void aDatabaseIndexOutOfRangeFailsTheTaskNamingTheSetting() {
        ConnectException e = failsPermanently(Map.of(RedisSinkConfig.REDIS_URI, redis.uri() + "/99"));
        assertEquals("CONNECT on " + redis.uri() + "/99: ERR DB index is out of range; check the "
                + "database number (/N) in redis.uri; the server's 'databases' setting limits it", e.getMessage());
    }

    @Test
    void aPasswordForAServerWithoutOneFailsTheTaskNamingTheSetting() {
        ConnectException e = failsPermanently(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://:secret@127.0.0.1:" + redis.port()));
        assertTrue(e.getMessage().startsWith("CONNECT on " + redis.uri() + ": ERR AUTH <password> called "
                + "without any password configured"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; check the user and password in redis.uri"), e.getMessage());
        assertFalse(e.getMessage().contains("secret"));
    }

    @Test
    void aWrongPasswordFailsTheTask() {
        jedis.aclSetUser("sink_wrongpass", "on", ">right", "~*", "&*", "+@all");
        ConnectException e = failsPermanently(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://sink_wrongpass:wrong@127.0.0.1:" + redis.port()));
        assertTrue(e.getMessage().contains("WRONGPASS"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; check the user and password in redis.uri"), e.getMessage());
    }

    @Test
    void anAclUserWithoutFunctionRightsFailsTheTaskNamingWhatItNeeds() {
        jedis.aclSetUser("sink_nofunction", "on", ">pw", "~*", "&*", "+@all", "-function", "-fcall");
        ConnectException e = failsPermanently(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://sink_nofunction:pw@127.0.0.1:" + redis.port()));
        assertTrue(e.getMessage().startsWith("FUNCTION LIST on " + redis.uri() + ": NOPERM "), e.getMessage());
        assertTrue(e.getMessage().contains("the ACL user in redis.uri lacks a permission; it needs the commands PING, "
                + "CLIENT SETNAME, FUNCTION LIST, FCALL of rastro_sink_upsert and rastro_sink_delete"), e.getMessage());
    }

    /** The stack's grant: FCALL of the two functions only (and FUNCTION LIST), no SCRIPT, EVAL or FUNCTION LOAD. */
    private void fcallOnlyUser(String name) {
        jedis.aclSetUser(name, "on", ">pw", "~*", "-@all", "+ping", "+client|setname", "+function|list",
                "+fcall|" + WriteScript.UPSERT, "+fcall|" + WriteScript.DELETE, "+type", "+hget", "+hmget", "+get",
                "+geoadd", "+zrem", "+del", "+hset", "+set");
    }

    @Test
    void anFcallOnlyUserWaitsForAnAdminToLoadTheLibraryThenWrites() {
        fcallOnlyUser("sink_fcall");
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.REDIS_URI, "redis://sink_fcall:pw@127.0.0.1:" + redis.port()));
        SinkRecord[] batch = {location("d1", T0)};
        RetriableException e = assertThrows(RetriableException.class, () -> put(batch));
        assertTrue(e.getMessage().startsWith("FUNCTION LOAD on " + redis.uri() + ": Redis holds no function library "
                + "rastro_sink and this user may not load it (NOPERM "), e.getMessage());
        assertTrue(e.getMessage().endsWith("make up does)"), e.getMessage());
        assertEquals(Set.of(), jedis.keys("*"));

        jedis.functionLoad(WriteScript.CODE); // what make up does, as the admin
        put(batch);
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp"));
        // Lost again mid-stream (FUNCTION FLUSH): retriable again, and healed by the next load.
        jedis.functionFlush();
        assertThrows(RetriableException.class, () -> put(location("d1", T0 + 1)));
        jedis.functionLoad(WriteScript.CODE);
        put(location("d1", T0 + 1));
        assertEquals(String.valueOf(T0 + 1), hash("d1").get("timestamp"));
    }

    @Test
    void anotherVersionOfTheLibraryIsReplacedWhenAllowedAndReportedWhenNot() {
        String old = "#!lua name=rastro_sink\nredis.register_function('rastro_sink_upsert', function(k, a) return 9 end)\n"
                + "redis.register_function('rastro_sink_delete', function(k, a) return 9 end)\n";
        jedis.functionLoad(old);
        fcallOnlyUser("sink_fcall_old");
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.REDIS_URI, "redis://sink_fcall_old:pw@127.0.0.1:" + redis.port()));
        RetriableException e = assertThrows(RetriableException.class, () -> put(location("d1", T0)));
        assertTrue(e.getMessage().contains("Redis holds another version of the function library rastro_sink"), e.getMessage());

        // A user that may load functions (the default user with security off) replaces it itself.
        task.stop();
        task = startTask(reporter, Map.of());
        put(location("d1", T0));
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp"));
        assertEquals(WriteScript.CODE, jedis.functionListWithCode(WriteScript.LIBRARY).get(0).getLibraryCode());
    }

    @Test
    void anAclUserWithoutAccessToTheMarkerKeysFailsTheTaskNamingTheSetting() {
        jedis.aclSetUser("sink_driveronly", "on", ">pw", "~driver:*", "&*", "+@all");
        ConnectException e = failsPermanently(Map.of(RedisSinkConfig.REDIS_URI,
                "redis://sink_driveronly:pw@127.0.0.1:" + redis.port()));
        assertTrue(e.getMessage().startsWith("FCALL rastro_sink_upsert on " + redis.uri() + " for key driver:d1: NOPERM "),
                e.getMessage());
        assertTrue(e.getMessage().contains("the keys driver:* and tombstone:driver:* (the markers of "
                + "redis.tombstone.key.prefix; or set redis.tombstone.guard.ms=0)"), e.getMessage());
        assertTrue(reporter.reports.isEmpty());
        assertEquals(Set.of(), jedis.keys("*"));
    }

    @Test
    void withMarkersOffAnAclUserLimitedToDriverKeysAndTheOffsetsIsEnough() {
        jedis.aclSetUser("sink_driveronly2", "on", ">pw", "~driver:*", "~" + OFFSETS, "&*", "+@all");
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.REDIS_URI, "redis://sink_driveronly2:pw@127.0.0.1:"
                + redis.port(), RedisSinkConfig.TOMBSTONE_GUARD_MS, "0"));
        put(location("d1", T0), location("d2", T0), tombstone("d2", NOW));
        assertEquals(Set.of("driver:d1", OFFSETS), jedis.keys("*"));
        assertTrue(reporter.reports.isEmpty());
    }

    @Test
    void aReadOnlyReplicaIsTransientAndRetriedWithGrowingBackoff() throws Exception {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.RETRY_BACKOFF_MS, "100",
                RedisSinkConfig.RETRY_BACKOFF_MAX_MS, "300"));
        put(location("d1", T0));
        jedis.replicaof("127.0.0.1", RedisServer.freePort()); // a master that is not there: read-only meanwhile
        try {
            for (int i = 0; i < 4; i++) {
                RetriableException e = assertThrows(RetriableException.class, () -> put(location("d1", T0 + 1)));
                assertTrue(e.getMessage().contains("READONLY"), e.getMessage());
            }
        } finally {
            jedis.replicaofNoOne();
        }
        assertEquals(List.of(100L, 200L, 300L, 300L), context.timeouts);
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp")); // the failed attempts deleted nothing
        put(location("d1", T0 + 1));
        assertEquals(String.valueOf(T0 + 1), hash("d1").get("timestamp"));
        // A success resets the backoff.
        redis.stop();
        assertThrows(RetriableException.class, () -> put(location("d1", T0 + 2)));
        assertEquals(List.of(100L, 200L, 300L, 300L, 100L), context.timeouts);
    }

    @Test
    void aConnectionBrokenByARedisRestartWhileIdleIsReplacedTransparently() throws Exception {
        put(location("d1", T0));
        redis.stop();
        redis.restart(); // empty dataset and script cache; the task's connection is now dead but not yet noticed
        jedis.close();
        jedis = redis.client();
        put(location("d1", T0 + 1), location("d2", T0));
        assertEquals(Set.of("driver:d1", "driver:d2", OFFSETS), jedis.keys("*"));
        assertEquals(0L, task.metrics().redisRetries());
        assertTrue(context.timeouts.isEmpty());
    }

    @Test
    void aUserWithAnEmptyPasswordIsKept() {
        jedis.aclSetUser("sink_nopass", "on", "nopass", "~*", "&*", "+@all");
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.REDIS_URI, "redis://sink_nopass:@127.0.0.1:" + redis.port()));
        put(location("d1", T0));
        String clients = jedis.clientList();
        assertTrue(clients.lines().anyMatch(l -> l.contains("name=rastro-redis-sink") && l.contains("user=sink_nopass")),
                clients);
    }
    // ---- issue 10: the GEO index ---------------------------------------------------------------------------

    private static final String GEO = "drivers:geo";
    /** GEOPOS answers the centre of the 52-bit geohash cell: within about 0.6 m, well below 1e-5 degrees. */
    private static final double GEO_PRECISION_DEGREES = 1e-5;

    private void startGeoTask() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.GEO_KEY, GEO));
    }

    private SinkRecord at(String id, long ts, double latitude, double longitude, String status) {
        return location(id, ts, "latitude", latitude, "longitude", longitude, "status", status);
    }

    /** Members and their positions, read back through GEOPOS. */
    private Map<String, double[]> geoIndex() {
        Map<String, double[]> index = new java.util.TreeMap<>();
        List<String> members = jedis.zrange(GEO, 0, -1);
        List<redis.clients.jedis.GeoCoordinate> positions = members.isEmpty() ? List.of()
                : jedis.geopos(GEO, members.toArray(new String[0]));
        for (int i = 0; i < members.size(); i++) {
            index.put(members.get(i), new double[] {positions.get(i).getLatitude(), positions.get(i).getLongitude()});
        }
        return index;
    }

    private void assertIndexed(String id, double latitude, double longitude) {
        double[] position = geoIndex().get(id);
        assertTrue(position != null, id + " not in " + GEO + ": " + geoIndex().keySet());
        assertEquals(latitude, position[0], GEO_PRECISION_DEGREES, id + " latitude");
        assertEquals(longitude, position[1], GEO_PRECISION_DEGREES, id + " longitude");
    }

    private long fcallCalls() {
        return jedis.info("commandstats").lines().filter(l -> l.startsWith("cmdstat_fcall:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("^cmdstat_fcall:calls=(\\d+),.*$", "$1"))).orElse(0L);
    }

    @Test
    void theGeoIndexFollowsEachDriverAndDropsItWhileOffline() {
        startGeoTask();
        put(at("d1", T0, -23.550512, -46.633308, "AVAILABLE"), at("d2", T0, -23.6, -46.7, "DELIVERING"));
        assertEquals(Set.of("d1", "d2"), geoIndex().keySet());
        assertIndexed("d1", -23.550512, -46.633308);
        assertIndexed("d2", -23.6, -46.7);

        put(at("d1", T0 + 1, -23.56, -46.64, "DELIVERING")); // moved
        assertIndexed("d1", -23.56, -46.64);

        put(at("d1", T0 + 2, -23.57, -46.65, "OFFLINE"));
        assertEquals(Set.of("d2"), geoIndex().keySet());
        // The hash is still written: an offline driver is live, only not offered.
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0 + 2), "latitude", "-23.57",
                "longitude", "-46.65", "status", "OFFLINE"), hash("d1"));

        put(at("d1", T0 + 3, -23.58, -46.66, "AVAILABLE")); // back on duty
        assertIndexed("d1", -23.58, -46.66);
        assertEquals(Set.of("driver:d1", "driver:d2", GEO, OFFSETS), jedis.keys("*"));
        assertEquals(5L, task.metrics().recordsWritten());
    }

    @Test
    void aTombstoneRemovesTheMemberOnlyWhenItDeletes() {
        startGeoTask();
        put(at("d1", T0 + 100, 1.0, 2.0, "AVAILABLE"), at("d2", T0, 3.0, 4.0, "AVAILABLE"));
        put(tombstone("d1", T0 + 99)); // older than the stored location: skipped, member kept
        assertIndexed("d1", 1.0, 2.0);
        assertEquals(1L, task.metrics().recordsSkippedStale());

        put(tombstone("d1", T0 + 100));
        assertEquals(Set.of("d2"), geoIndex().keySet());
        assertFalse(jedis.exists("driver:d1"));
        // A tombstone for a driver that is not there removes nothing else.
        put(tombstone("d9", NOW));
        assertEquals(Set.of("d2"), geoIndex().keySet());
        assertEquals(2L, task.metrics().recordsDeleted());
    }

    @Test
    void skippedWritesLeaveTheGeoIndexAlone() {
        startGeoTask();
        put(at("d1", T0 + 10, 1.0, 2.0, "AVAILABLE"));
        // Older: not a move, not an offline.
        put(at("d1", T0 + 5, 9.0, 9.0, "AVAILABLE"), at("d1", T0 + 6, 9.0, 9.0, "OFFLINE"));
        assertIndexed("d1", 1.0, 2.0);
        assertEquals(String.valueOf(T0 + 10), hash("d1").get("timestamp"));
        assertEquals(2L, task.metrics().recordsSkippedStale());

        // A late location after a tombstone does not bring the member back either.
        put(tombstone("d1", T0 + 100));
        put(at("d1", T0 + 50, 5.0, 6.0, "AVAILABLE"));
        assertEquals(Map.of(), geoIndex());
        assertEquals(3L, task.metrics().recordsSkippedStale());
    }

    @Test
    void withMarkersOffTheGeoKeyIsTheSecondKeyAndStillFollowsTheDriver() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.GEO_KEY, GEO, RedisSinkConfig.TOMBSTONE_GUARD_MS, "0"));
        put(at("d1", T0, 1.0, 2.0, "AVAILABLE"), tombstone("d1", T0 + 100));
        assertEquals(Set.of(OFFSETS), jedis.keys("*"));
        // No marker, so the late location comes back, in the index as in the hashes.
        put(at("d1", T0 + 50, 3.0, 4.0, "AVAILABLE"));
        assertIndexed("d1", 3.0, 4.0);
        assertEquals(Set.of("driver:d1", GEO, OFFSETS), jedis.keys("*"));
    }

    @Test
    void aPositionOutsideTheGeoRangeGoesToTheDlqAndRedisIsNotTouched() {
        startGeoTask();
        put(at("d1", T0, 1.0, 2.0, "AVAILABLE"));
        long before = fcallCalls();
        assertTrue(before > 0, "INFO commandstats counts the first write's FCALL");
        put(at("d1", T0 + 1, 85.1, 2.0, "AVAILABLE"), at("d2", T0, 0.0, 180.5, "AVAILABLE"),
                location("d3", T0, "latitude", 1.0d, "status", "AVAILABLE"),
                location("d4", T0, "latitude", "1.0", "longitude", 2.0d));
        assertEquals(List.of(
                "Invalid record driver-locations-2@1: field 'latitude' = 85.1 is outside -85.05112878..85.05112878, "
                        + "the range a Redis GEO index can hold",
                "Invalid record driver-locations-2@2: field 'longitude' = 180.5 is outside -180..180, the range a "
                        + "Redis GEO index can hold",
                "Invalid record driver-locations-2@3: field 'longitude' is missing; the GEO index (redis.geo.key) "
                        + "needs a position",
                "Invalid record driver-locations-2@4: field 'latitude' must be a number for the GEO index "
                        + "(redis.geo.key), got a string '1.0'"),
                reporter.messages());
        assertTrue(reporter.reports.stream().noneMatch(r -> r.error() instanceof RetriableException));
        // Not one script call for them: neither the hashes nor the index changed.
        assertEquals(before, fcallCalls());
        assertEquals(Set.of("driver:d1", GEO, OFFSETS), jedis.keys("*"));
        assertEquals(String.valueOf(T0), hash("d1").get("timestamp"));
        assertEquals(Set.of("d1"), geoIndex().keySet());
        assertIndexed("d1", 1.0, 2.0);
        assertEquals(4L, task.metrics().recordsInvalid());
    }

    @Test
    void anEmptyGeoKeyKeepsNoIndexAndNeedsNoPosition() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.GEO_KEY, ""));
        put(at("d1", T0, 1.0, 2.0, "AVAILABLE"), at("d2", T0, 99.0, 2.0, "OFFLINE"), location("d3", T0),
                tombstone("d1", NOW));
        assertTrue(reporter.reports.isEmpty(), reporter.messages().toString());
        assertEquals(Set.of("driver:d2", "driver:d3", "tombstone:driver:d1", OFFSETS), jedis.keys("*"));
    }

    @Test
    void aForeignValueAtTheGeoKeyFailsTheTaskBeforeAnyWrite() {
        startGeoTask();
        put(at("d1", T0, 1.0, 2.0, "AVAILABLE"));
        jedis.del(GEO);
        jedis.set(GEO, "someone else's string");
        for (SinkRecord r : List.of(at("d1", T0 + 1, 3.0, 4.0, "AVAILABLE"), tombstone("d1", NOW))) {
            ConnectException e = assertThrows(ConnectException.class, () -> put(r));
            assertFalse(e instanceof RetriableException, e.toString());
            assertTrue(e.getMessage().contains("GEOKEY drivers:geo holds a string, not a sorted set (GEO set); "
                    + "delete that key or set redis.geo.key to a free one"), e.getMessage());
        }
        // Redis does not roll a script back: the check came before the first write, so nothing changed.
        assertEquals(Map.of("driver_id", "d1", "timestamp", String.valueOf(T0), "latitude", "1", "longitude", "2",
                "status", "AVAILABLE"), hash("d1"));
        assertFalse(jedis.exists("tombstone:driver:d1"));
        assertEquals("someone else's string", jedis.get(GEO));
        assertTrue(reporter.reports.isEmpty());
    }

    @Test
    void anAclUserWithoutTheGeoKeyFailsTheTaskNamingIt() {
        jedis.aclSetUser("sink_nogeo", "on", ">pw", "~driver:*", "~tombstone:driver:*", "&*", "+@all");
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.REDIS_URI, "redis://sink_nogeo:pw@127.0.0.1:" + redis.port(),
                RedisSinkConfig.GEO_KEY, GEO));
        ConnectException e = assertThrows(ConnectException.class, () -> put(at("d1", T0, 1.0, 2.0, "AVAILABLE")));
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(e.getMessage().startsWith("FCALL rastro_sink_upsert on " + redis.uri() + " for key driver:d1: NOPERM "),
                e.getMessage());
        assertTrue(e.getMessage().contains(" and the key drivers:geo (redis.geo.key) and the key " + OFFSETS
                + " (redis.offsets.key, with HMGET)"), e.getMessage());
        assertEquals(Set.of(), jedis.keys("*"));
    }

    // ---- issue 19: the applied offsets live in Redis, with the data -------------------------------------------

    private static final TopicPartition P2 = new TopicPartition(TOPIC, 2);
    private static final TopicPartition P3 = new TopicPartition(TOPIC, 3);

    private String storedOffset(TopicPartition tp) {
        return jedis.hget(OFFSETS, tp.toString());
    }

    /** A location at a given offset of partition 2, as a redelivery after a seek hands it over again. */
    private SinkRecord locationAt(long offset, String id, long ts) {
        return new SinkRecord(TOPIC, 2, Schema.OPTIONAL_STRING_SCHEMA, id, null,
                new LinkedHashMap<>(Map.of("driver_id", id, "timestamp", ts)), offset, NOW, TimestampType.CREATE_TIME);
    }

    @Test
    void everyRecordsScriptRecordsItsOffsetWrittenSkippedOrDeleted() {
        put(location("d1", T0 + 10));
        assertEquals("0", storedOffset(P2));
        put(location("d1", T0)); // older: skipped, yet handled
        assertEquals("1", storedOffset(P2));
        assertEquals(1L, task.metrics().recordsSkippedStale());
        put(tombstone("d1", T0 + 20), tombstone("d1", T0 + 5));
        assertEquals("3", storedOffset(P2));
        assertFalse(jedis.exists("driver:d1"));
    }

    @Test
    void aRecordThatWentToTheDlqLastHasItsOffsetRecordedOnceReported() {
        put(location("ok", T0), record("bad", Map.of("driver_id", "bad")));
        assertEquals(1, reporter.reports.size());
        assertEquals("1", storedOffset(P2));
    }

    @Test
    void openReplaysAtOnceWhatRedisHoldsNothingFor() {
        jedis.hset(OFFSETS, P2.toString(), "41");
        task.open(List.of(P2, P3));
        // P3: nothing in Redis, replayed from the beginning at once. P2: checked against its first batch (a seek
        // would also rewind what Connect believes it committed).
        assertEquals(List.of(Map.of(P3, 0L)), context.seeks);
        // In step: the first batch starts where Redis left off, so it is written, and nothing is sought.
        put(locationAt(42, "d1", T0), locationAt(43, "d2", T0));
        assertEquals(Set.of("driver:d1", "driver:d2", OFFSETS), jedis.keys("*"));
        assertEquals("43", storedOffset(P2));
        assertEquals(1, context.seeks.size());
    }

    @Test
    void aFirstBatchLaterThanWhatRedisHoldsIsSoughtBack() {
        jedis.hset(OFFSETS, P2.toString(), "41");
        task.open(List.of(P2));
        put(locationAt(50, "d1", T0));
        assertEquals(List.of(Map.of(P2, 42L)), context.seeks);
        assertFalse(jedis.exists("driver:d1"));
    }

    @Test
    void aRedisThatComesBackWithoutItsWritesMakesTheTaskReplayThemByItself() throws Exception {
        task.open(List.of(P2));
        context.seeks.clear();
        put(locationAt(0, "d1", T0), locationAt(1, "d2", T0), locationAt(2, "d1", T0 + 1));
        assertEquals("2", storedOffset(P2));

        redis.stop();
        redis.restart(); // no persistence: everything acknowledged is gone, as after a crash or a failover
        jedis.close();
        jedis = redis.client();

        // The idle connection is stale; the new one finds no offset for P2: back to its beginning, and the batch in
        // hand (which would have left d2 lost for good) is not written.
        put(locationAt(3, "d3", T0));
        assertEquals(List.of(Map.of(P2, 0L)), context.seeks);
        assertEquals(Set.of(), jedis.keys("*"));
        assertTrue(context.timeouts.isEmpty(), "no backoff: a stale connection is replaced at once");

        // Connect redelivers from 0: everything is back, in order, under the never-regress rule.
        put(locationAt(0, "d1", T0), locationAt(1, "d2", T0), locationAt(2, "d1", T0 + 1), locationAt(3, "d3", T0));
        assertEquals(Set.of("driver:d1", "driver:d2", "driver:d3", OFFSETS), jedis.keys("*"));
        assertEquals(String.valueOf(T0 + 1), hash("d1").get("timestamp"));
        assertEquals("3", storedOffset(P2));
    }

    @Test
    void aRestartedTaskReplaysWhatAFlushAllRemoved() {
        task.open(List.of(P2));
        put(locationAt(0, "d1", T0), locationAt(1, "d2", T0));
        jedis.flushAll();
        task.stop();
        task = startTask(reporter, Map.of());
        task.open(List.of(P2));
        assertEquals(List.of(Map.of(P2, 0L)), context.seeks);
    }

    @Test
    void redisAheadOfTheConsumerSkipsWhatItAlreadyHoldsWithoutASeek() {
        jedis.hset(OFFSETS, P2.toString(), "9");
        task.open(List.of(P2));
        put(locationAt(8, "old", T0), locationAt(9, "old", T0), locationAt(10, "d1", T0));
        assertEquals(List.of(), context.seeks);
        assertFalse(jedis.exists("driver:old"));
        assertTrue(jedis.exists("driver:d1"));
        assertEquals("10", storedOffset(P2));
    }

    @Test
    void aNewConnectionResumesEveryPartitionFromRedisAndWritesWhatIsInStep() {
        task.open(List.of(P2, P3));
        put(locationAt(0, "d1", T0), locationAt(1, "d2", T0), locationAt(2, "d1", T0 + 1));
        // Every client's connection closed under the task (ACL LOAD does that), while P2 receives nothing more.
        jedis.clientKill(new ClientKillParams().skipMe(ClientKillParams.SkipMe.YES));
        context.seeks.clear();
        task.put(List.of(new SinkRecord(TOPIC, 3, Schema.OPTIONAL_STRING_SCHEMA, "d9", null,
                new LinkedHashMap<>(Map.of("driver_id", "d9", "timestamp", T0)), 0, NOW, TimestampType.CREATE_TIME)));
        // The new connection read both: P3's batch starts where it resumes (nothing in Redis: 0) and is written;
        // P2, with Redis holding 2, waits for its next batch; nothing is sought.
        assertEquals(List.of(), context.seeks);
        assertEquals("0", storedOffset(P3));
        assertTrue(jedis.exists("driver:d9"));
    }

    @Test
    void anEmptyPutAfterAnUnreachableOpenStillResumesFromRedis() throws Exception {
        jedis.hset(OFFSETS, P2.toString(), "5");
        redis.stop();
        task.open(List.of(P2)); // Redis down: nothing sought yet, and the task does not fail
        assertEquals(List.of(), context.seeks);
        redis.restart();
        jedis.close();
        jedis = redis.client();
        jedis.hset(OFFSETS, P2.toString(), "5");
        task.put(List.of());
        assertEquals(List.of(), context.seeks);
        // The check waits for P2's first batch: later than Redis left off, so sought back.
        put(locationAt(8, "d1", T0));
        assertEquals(List.of(Map.of(P2, 6L)), context.seeks);
        assertFalse(jedis.exists("driver:d1"));
    }

    @Test
    void aForeignValueAtTheOffsetsKeyFailsTheTaskBeforeAnyWrite() {
        jedis.set(OFFSETS, "someone else's string");
        ConnectException e = assertThrows(ConnectException.class, () -> put(location("d1", T0)));
        assertFalse(e instanceof RetriableException, e.toString());
        assertTrue(e.getMessage().contains("OFFSETSKEY " + OFFSETS + " holds a string, not a hash of offsets; delete "
                + "that key or set redis.offsets.key to a free one"), e.getMessage());
        assertEquals(Set.of(OFFSETS), jedis.keys("*"));
    }

    @Test
    void withOffsetsOffKafkasOffsetsAreTheOnlyOnes() {
        task.stop();
        task = startTask(reporter, Map.of(RedisSinkConfig.OFFSETS_KEY, ""));
        task.open(List.of(P2));
        put(locationAt(0, "d1", T0));
        assertEquals(Set.of("driver:d1"), jedis.keys("*"));
        assertEquals(List.of(), context.seeks);
        assertEquals(Map.of(P2, new OffsetAndMetadata(7L)), task.preCommit(Map.of(P2, new OffsetAndMetadata(7L))));
    }
}
