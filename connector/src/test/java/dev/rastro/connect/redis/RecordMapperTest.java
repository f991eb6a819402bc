package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class RecordMapperTest {

    private static final String TOPIC = "driver-locations";
    private static final long NOW = 1_700_000_060_000L;
    private static final long DAY = 86_400_000L;
    private final RecordMapper mapper = new RecordMapper("driver:", "driver_id", "timestamp",
            RecordMapper.Limits.DEFAULT, () -> NOW);

    /** Kafka timestamp = NOW, as for a record consumed right after it was produced. */
    private static SinkRecord record(Object key, Object value) {
        return record(key, value, NOW);
    }

    private static SinkRecord record(Object key, Object value, Long kafkaTimestamp) {
        return new SinkRecord(TOPIC, 3, Schema.OPTIONAL_STRING_SCHEMA, key, null, value, 42L, kafkaTimestamp,
                kafkaTimestamp == null ? TimestampType.NO_TIMESTAMP_TYPE : TimestampType.CREATE_TIME);
    }

    private static Map<String, Object> value(Object... kv) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            map.put((String) kv[i], kv[i + 1]);
        }
        return map;
    }

    private InvalidRecordException invalid(Object key, Object value) {
        return assertThrows(InvalidRecordException.class, () -> mapper.map(record(key, value)));
    }

    @Test
    void keyedValueBecomesUpsertOfAllNonNullFields() {
        RedisWrite w = mapper.map(record("driver_7", value("driver_id", "driver_7", "timestamp", 1_700_000_000_000L,
                "lat", 52.52d, "lon", 13.405d, "on_duty", true, "delivery_id", null, "zone", "mitte")));
        RedisWrite.Upsert u = assertInstanceOf(RedisWrite.Upsert.class, w);
        assertEquals("driver:driver_7", u.key());
        assertEquals(1_700_000_000_000L, u.timestamp());
        assertEquals(List.of("driver_id", "driver_7", "timestamp", "1700000000000", "lat", "52.52", "lon", "13.405",
                "on_duty", "true", "zone", "mitte"), u.fields());
    }

    @Test
    void nullKeyFallsBackToValueId() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record(null, value("driver_id", "d9", "timestamp", 5L)));
        assertEquals("driver:d9", u.key());
    }

    @Test
    void keyWithoutValueIdIsEnough() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", 5L, "lat", 1.5d)));
        assertEquals("driver:d1", u.key());
        assertEquals(List.of("timestamp", "5000", "lat", "1.5"), u.fields());
    }

    @Test
    void numericIdsMatchTheirText() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("17", value("driver_id", 17L, "timestamp", 5L)));
        assertEquals("driver:17", u.key());
    }

    @Test
    void customPrefixAndFieldNames() {
        RecordMapper custom = new RecordMapper("courier/", "courier", "ts", RecordMapper.Limits.DEFAULT, () -> NOW);
        RedisWrite.Upsert u = (RedisWrite.Upsert) custom.map(record(null, value("courier", "c1", "ts", "99")));
        assertEquals("courier/c1", u.key());
        assertEquals(99_000L, u.timestamp());
    }

    @Test
    void tombstoneBecomesDeleteAtItsKafkaTimestamp() {
        RedisWrite w = mapper.map(record("driver_7", null, NOW - 5));
        assertEquals(new RedisWrite.Delete("driver:driver_7", NOW - 5), w);
    }

    @Test
    void tombstoneWithoutKafkaTimestampOrFromTheFarFutureIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: tombstone (null value) has no Kafka timestamp: cannot "
                + "tell whether it is older than the stored location",
                assertThrows(InvalidRecordException.class, () -> mapper.map(record("d1", null, null))).getMessage());
        assertEquals(new RedisWrite.Delete("driver:d1", NOW + DAY), mapper.map(record("d1", null, NOW + DAY)));
        assertEquals("Invalid record driver-locations-3@42: tombstone Kafka timestamp " + (NOW + DAY + 1) + " is "
                + (DAY + 1) + " ms in the future (limit redis.timestamp.max.future.ms = 86400000)",
                assertThrows(InvalidRecordException.class,
                        () -> mapper.map(record("d1", null, NOW + DAY + 1))).getMessage());
    }

    @Test
    void tombstoneWithoutKeyIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: tombstone (null value) with a null key: "
                + "no driver id to delete", invalid(null, null).getMessage());
    }

    @Test
    void keyAndValueIdMismatchIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: record key 'a' does not match field 'driver_id' = 'b'",
                invalid("a", value("driver_id", "b", "timestamp", 1L)).getMessage());
    }

    @Test
    void missingOrEmptyIdIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: no driver id: the record key is null and field "
                + "'driver_id' is missing", invalid(null, value("timestamp", 1L)).getMessage());
        assertEquals("Invalid record driver-locations-3@42: no driver id: the record key is null and field "
                + "'driver_id' is empty", invalid(null, value("driver_id", "", "timestamp", 1L)).getMessage());
        assertEquals("Invalid record driver-locations-3@42: record key (driver id) is empty",
                invalid("", value("timestamp", 1L)).getMessage());
        assertEquals("Invalid record driver-locations-3@42: field 'driver_id' must be a string, got a boolean",
                invalid(null, value("driver_id", true, "timestamp", 1L)).getMessage());
    }

    @Test
    void valueThatIsNotAnObjectIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: value is not a JSON object, got a string",
                invalid("d1", "just text").getMessage());
        assertEquals("Invalid record driver-locations-3@42: value is not a JSON object, got an array",
                invalid("d1", List.of()).getMessage());
    }

    @Test
    void missingTimestampIsInvalid() {
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' is missing",
                invalid("d1", value("driver_id", "d1")).getMessage());
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' is missing",
                invalid("d1", value("timestamp", null)).getMessage());
    }

    @Test
    void timestampsThatAreNoPositiveEpochTimeAreInvalid() {
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' must be a positive epoch time in "
                + "milliseconds or seconds (a number or a string of decimal digits), got a string "
                + "'2024-01-01T00:00:00Z'", invalid("d1", value("timestamp", "2024-01-01T00:00:00Z")).getMessage());
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' must be a positive epoch time in "
                + "milliseconds or seconds (a number or a string of decimal digits), got an integer -5",
                invalid("d1", value("timestamp", -5L)).getMessage());
        for (Object bad : List.of(0L, 0.0d, -1.5d, "-5", "0", "", " 12", "12.", ".5", "1e12", "0x10", "inf", true,
                Map.of("ms", 1L), Double.NaN, Double.POSITIVE_INFINITY, new java.math.BigDecimal("-3"))) {
            invalid("d1", value("timestamp", bad));
        }
    }

    @Test
    void timestampsBeyondExactLuaRangeAreInvalid() {
        RecordMapper noFutureCap = new RecordMapper("driver:", "driver_id", "timestamp",
                new RecordMapper.Limits(1000, 65536, Long.MAX_VALUE), () -> NOW);
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' = 9007199254740993 is beyond 2^53 ms, "
                + "which the write script cannot compare exactly",
                assertThrows(InvalidRecordException.class, () -> noFutureCap.map(
                        record("d1", value("timestamp", 9_007_199_254_740_993L)))).getMessage());
        assertThrows(InvalidRecordException.class,
                () -> noFutureCap.map(record("d1", value("timestamp", "99999999999999999999"))));
        assertThrows(InvalidRecordException.class,
                () -> noFutureCap.map(record("d1", value("timestamp", new BigInteger("99999999999999999999")))));
        assertEquals(RecordMapper.MAX_EXACT_TIMESTAMP, ((RedisWrite.Upsert) noFutureCap.map(
                record("d1", value("timestamp", RecordMapper.MAX_EXACT_TIMESTAMP)))).timestamp());
    }

    @Test
    void acceptedTimestampFormsAndSecondsBecomeMilliseconds() {
        assertEquals(1_700_000_000_000L, ts(1_700_000_000_000L));
        assertEquals(1_700_000_000_000L, ts("1700000000000"));
        assertEquals(1_700_000_000_000L, ts(1.7e12d)); // whole-valued JSON number written as 1.7E12
        // Below 1e11: epoch seconds, as the producer reads them.
        assertEquals(1_700_000_000_000L, ts(1_700_000_000L));
        assertEquals(1_700_000_000_000L, ts(1_700_000_000));
        assertEquals(1_700_000_000_000L, ts("1700000000"));
        assertEquals(1_700_000_000_000L, ts(new BigInteger("1700000000")));
        assertEquals(1_700_000_000_000L, ts(new java.math.BigDecimal("1700000000")));
        assertEquals(1_700_000_000_500L, ts(1_700_000_000.5d));
        assertEquals(1_700_000_000_123L, ts("1700000000.1234"));
        assertEquals(42_000L, ts(42));
        assertEquals(1_500L, ts(1.5d));
        assertEquals(99_999_999_999_000L, ((RedisWrite.Upsert) new RecordMapper("driver:", "driver_id", "timestamp",
                new RecordMapper.Limits(1000, 65536, Long.MAX_VALUE), () -> NOW)
                .map(record("d1", value("timestamp", 99_999_999_999L)))).timestamp()); // the year 5138
        assertEquals(100_000_000_000L, ts(100_000_000_000L)); // from 1e11 on: milliseconds (1973)
        // Fractional milliseconds round half up, like the producer's Math.round.
        assertEquals(1_700_000_000_001L, ts(1_700_000_000_000.5d));
        assertEquals(1_700_000_000_000L, ts("1700000000000.49"));
    }

    @Test
    void timestampsTooFarInTheFutureAreInvalid() {
        assertEquals(NOW + DAY, ts(NOW + DAY));
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' = " + (NOW + DAY + 1) + " is "
                + (DAY + 1) + " ms in the future (limit redis.timestamp.max.future.ms = 86400000)",
                invalid("d1", value("timestamp", NOW + DAY + 1)).getMessage());
        // Microseconds read as milliseconds: the year 55,000.
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' = 1700000000000000 is "
                + (1_700_000_000_000_000L - NOW) + " ms in the future (limit redis.timestamp.max.future.ms = 86400000)",
                invalid("d1", value("timestamp", 1_700_000_000_000_000L)).getMessage());
        // The reference is the Kafka timestamp when it is earlier than now (a replay decides the same way) ...
        assertThrows(InvalidRecordException.class,
                () -> mapper.map(record("d1", value("timestamp", NOW), NOW - DAY - 1)));
        // ... and now when the Kafka timestamp is itself in the future.
        assertThrows(InvalidRecordException.class,
                () -> mapper.map(record("d1", value("timestamp", NOW + 2 * DAY), NOW + 3 * DAY)));
        assertEquals(NOW, ((RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", NOW), null))).timestamp());
    }

    @Test
    void fieldCountAndFieldSizeAreCapped() {
        RecordMapper small = new RecordMapper("driver:", "driver_id", "timestamp",
                new RecordMapper.Limits(3, 13, DAY), () -> NOW);
        assertEquals(3, ((RedisWrite.Upsert) small.map(record("d1",
                value("timestamp", NOW, "a", "1234567890123", "b", null, "c", "x")))).fields().size() / 2);
        assertEquals("Invalid record driver-locations-3@42: value has 4 fields, more than redis.record.max.fields = 3",
                assertThrows(InvalidRecordException.class, () -> small.map(record("d1",
                        value("timestamp", NOW, "a", "1", "b", "2", "c", "3")))).getMessage());
        assertEquals("Invalid record driver-locations-3@42: field 'a' is 14 bytes, more than "
                + "redis.record.max.field.bytes = 13",
                assertThrows(InvalidRecordException.class, () -> small.map(record("d1",
                        value("timestamp", NOW, "a", "12345678901234")))).getMessage());
        // Bytes, not characters: 7 x 'é' is 14 bytes in UTF-8.
        assertThrows(InvalidRecordException.class, () -> small.map(record("d1",
                value("timestamp", NOW, "a", "\u00e9".repeat(7)))));
        assertEquals("Invalid record driver-locations-3@42: field name 'abcdefghijklmn' is 14 bytes, more than "
                + "redis.record.max.field.bytes = 13",
                assertThrows(InvalidRecordException.class, () -> small.map(record("d1",
                        value("timestamp", NOW, "abcdefghijklmn", "1")))).getMessage());
    }

    @Test
    void timestampIsStoredCanonically() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", "0017")));
        assertEquals(List.of("timestamp", "17000"), u.fields());
    }

    private long ts(Object raw) {
        return ((RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", raw)))).timestamp();
    }

    @Test
    void structValuesAreAccepted() {
        Schema schema = SchemaBuilder.struct()
                .field("driver_id", Schema.STRING_SCHEMA)
                .field("timestamp", Timestamp.SCHEMA)
                .field("lat", Schema.FLOAT64_SCHEMA)
                .field("delivery_id", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        Struct struct = new Struct(schema).put("driver_id", "s1").put("timestamp", new java.util.Date(1234L))
                .put("lat", 52.5d);
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(
                new SinkRecord(TOPIC, 0, null, null, schema, struct, 7L, NOW, TimestampType.CREATE_TIME));
        assertEquals("driver:s1", u.key());
        assertEquals(1234L, u.timestamp());
        assertEquals(List.of("driver_id", "s1", "timestamp", "1234", "lat", "52.5"), u.fields());
    }

    @Test
    void nonStringMapKeysAreUsedAsText() {
        Map<Object, Object> raw = new HashMap<>();
        raw.put("timestamp", 3L);
        raw.put(5, "five");
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("d1", raw));
        assertEquals(Map.of("timestamp", "3000", "5", "five"), Map.of(u.fields().get(0), u.fields().get(1),
                u.fields().get(2), u.fields().get(3)));
    }

    @Test
    void messageNamesTheOriginalTopicPartitionOffset() {
        SinkRecord original = record(null, value("driver_id", "x"));
        // An SMT that renames the topic must not hide where the record came from.
        SinkRecord renamed = original.newRecord("renamed", 0, null, null, null, original.value(), null);
        InvalidRecordException e = assertThrows(InvalidRecordException.class, () -> mapper.map(renamed));
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' is missing", e.getMessage());
    }
    // ---- the GEO index ----------------------------------------------------------------------------------------

    private final RecordMapper geoMapper = new RecordMapper("driver:", "driver_id", "timestamp",
            RecordMapper.Limits.DEFAULT, RecordMapper.GeoFields.DEFAULT, () -> NOW);

    private RedisWrite.Geo geo(Object... kv) {
        return ((RedisWrite.Upsert) geoMapper.map(record("d1", value(kv)))).geo();
    }

    private String geoInvalid(Object... kv) {
        return assertThrows(InvalidRecordException.class, () -> geoMapper.map(record("d1", value(kv)))).getMessage();
    }

    @Test
    void withTheGeoIndexAnUpsertCarriesTheDriversPositionAsTheHashStoresIt() {
        assertEquals(RedisWrite.Geo.at("d1", "-46.633308", "-23.550512"), geo("timestamp", NOW,
                "latitude", -23.550512d, "longitude", -46.633308d, "status", "DELIVERING"));
        // Whole and tiny numbers as plain decimal text, the same text as the hash field.
        assertEquals(RedisWrite.Geo.at("d1", "0.0000001", "10"), geo("timestamp", NOW, "latitude", 10L,
                "longitude", 1e-7d));
        // The bounds themselves are valid GEO positions.
        assertEquals(RedisWrite.Geo.at("d1", "-180", "85.05112878"), geo("timestamp", NOW,
                "latitude", 85.05112878d, "longitude", -180L));
        assertEquals(RedisWrite.Geo.at("d1", "180", "-85.05112878"), geo("timestamp", NOW,
                "latitude", new java.math.BigDecimal("-85.05112878"), "longitude", 180.0d));
    }

    @Test
    void anExcludedStatusTakesTheDriverOutOfTheIndexAndTheHashIsStillWritten() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) geoMapper.map(record("d1", value("timestamp", NOW,
                "latitude", 1.5d, "longitude", 2.5d, "status", "OFFLINE")));
        assertEquals(RedisWrite.Geo.removed("d1"), u.geo());
        assertEquals(List.of("timestamp", String.valueOf(NOW), "latitude", "1.5", "longitude", "2.5", "status",
                "OFFLINE"), u.fields());
        // Exact text: another spelling is a status like any other.
        assertEquals(RedisWrite.Geo.at("d1", "2.5", "1.5"), geo("timestamp", NOW, "latitude", 1.5d,
                "longitude", 2.5d, "status", "offline"));
        // Custom field names and excluded value.
        RecordMapper custom = new RecordMapper("driver:", "driver_id", "timestamp", RecordMapper.Limits.DEFAULT,
                new RecordMapper.GeoFields("lat", "lon", "state", "GONE"), () -> NOW);
        assertEquals(RedisWrite.Geo.removed("d1"), ((RedisWrite.Upsert) custom.map(record("d1",
                value("timestamp", NOW, "lat", 1L, "lon", 2L, "state", "GONE")))).geo());
        assertEquals(RedisWrite.Geo.at("d1", "2", "1"), ((RedisWrite.Upsert) custom.map(record("d1",
                value("timestamp", NOW, "lat", 1L, "lon", 2L, "state", "OFFLINE")))).geo());
    }

    @Test
    void aPositionOutsideWhatAGeoSetHoldsIsInvalidAndNamesFieldAndValue() {
        assertEquals("Invalid record driver-locations-3@42: field 'latitude' = 85.06 is outside "
                + "-85.05112878..85.05112878, the range a Redis GEO index can hold",
                geoInvalid("timestamp", NOW, "latitude", 85.06d, "longitude", 0L));
        assertEquals("Invalid record driver-locations-3@42: field 'latitude' = -90 is outside "
                + "-85.05112878..85.05112878, the range a Redis GEO index can hold",
                geoInvalid("timestamp", NOW, "latitude", -90L, "longitude", 0L));
        assertEquals("Invalid record driver-locations-3@42: field 'longitude' = 180.0000001 is outside -180..180, "
                + "the range a Redis GEO index can hold",
                geoInvalid("timestamp", NOW, "latitude", 0L, "longitude", 180.0000001d));
        assertEquals("Invalid record driver-locations-3@42: field 'longitude' = NaN is outside -180..180, "
                + "the range a Redis GEO index can hold",
                geoInvalid("timestamp", NOW, "latitude", 0L, "longitude", Double.NaN));
        // Checked whatever the status: the write script must never meet a position GEOADD refuses.
        geoInvalid("timestamp", NOW, "latitude", 0L, "longitude", -181L, "status", "OFFLINE");
    }

    @Test
    void aMissingOrNonNumericCoordinateIsInvalidWhenTheIndexIsOn() {
        assertEquals("Invalid record driver-locations-3@42: field 'latitude' is missing; the GEO index "
                + "(redis.geo.key) needs a position", geoInvalid("timestamp", NOW, "longitude", 1L));
        assertEquals("Invalid record driver-locations-3@42: field 'longitude' is missing; the GEO index "
                + "(redis.geo.key) needs a position", geoInvalid("timestamp", NOW, "latitude", 1L, "longitude", null));
        assertEquals("Invalid record driver-locations-3@42: field 'latitude' must be a number for the GEO index "
                + "(redis.geo.key), got a string '-23.5'",
                geoInvalid("timestamp", NOW, "latitude", "-23.5", "longitude", 1L));
        assertEquals("Invalid record driver-locations-3@42: field 'longitude' must be a number for the GEO index "
                + "(redis.geo.key), got a boolean true", geoInvalid("timestamp", NOW, "latitude", 1L,
                        "longitude", true));
        // Without the index the same records are fine.
        assertEquals(null, ((RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", NOW,
                "latitude", "-23.5", "longitude", 999L)))).geo());
    }

    @Test
    void aTombstoneNamesItsGeoMemberOnlyWhenTheIndexIsOn() {
        assertEquals(new RedisWrite.Delete("driver:d1", NOW, "d1"), geoMapper.map(record("d1", null)));
        assertEquals(new RedisWrite.Delete("driver:d1", NOW, null), mapper.map(record("d1", null)));
    }
}
