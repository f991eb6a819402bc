package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.Test;

class RecordMapperTest {

    private static final String TOPIC = "driver-locations";
    private final RecordMapper mapper = new RecordMapper("driver:", "driver_id", "timestamp");

    private static SinkRecord record(Object key, Object value) {
        return new SinkRecord(TOPIC, 3, Schema.OPTIONAL_STRING_SCHEMA, key, null, value, 42L);
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
        assertEquals(List.of("timestamp", "5", "lat", "1.5"), u.fields());
    }

    @Test
    void numericIdsMatchTheirText() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("17", value("driver_id", 17L, "timestamp", 5L)));
        assertEquals("driver:17", u.key());
    }

    @Test
    void customPrefixAndFieldNames() {
        RecordMapper custom = new RecordMapper("courier/", "courier", "ts");
        RedisWrite.Upsert u = (RedisWrite.Upsert) custom.map(record(null, value("courier", "c1", "ts", "99")));
        assertEquals("courier/c1", u.key());
        assertEquals(99L, u.timestamp());
    }

    @Test
    void tombstoneBecomesDelete() {
        RedisWrite w = mapper.map(record("driver_7", null));
        assertEquals(new RedisWrite.Delete("driver:driver_7"), w);
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
    void nonIntegerTimestampsAreInvalid() {
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' must be an integer epoch-millisecond "
                + "number or a string of decimal digits, got a fractional number 1.5", invalid("d1", value("timestamp", 1.5d)).getMessage());
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' must be an integer epoch-millisecond "
                + "number or a string of decimal digits, got a string '2024-01-01T00:00:00Z'",
                invalid("d1", value("timestamp", "2024-01-01T00:00:00Z")).getMessage());
        invalid("d1", value("timestamp", "12.0"));
        invalid("d1", value("timestamp", ""));
        invalid("d1", value("timestamp", " 12"));
        invalid("d1", value("timestamp", true));
        invalid("d1", value("timestamp", Map.of("ms", 1L)));
        invalid("d1", value("timestamp", Double.NaN));
    }

    @Test
    void timestampsBeyondExactLuaRangeAreInvalid() {
        assertEquals("Invalid record driver-locations-3@42: field 'timestamp' = 9007199254740993 is outside +/-2^53, "
                + "which the write script cannot compare exactly",
                invalid("d1", value("timestamp", 9_007_199_254_740_993L)).getMessage());
        invalid("d1", value("timestamp", "99999999999999999999"));
        invalid("d1", value("timestamp", new BigInteger("99999999999999999999")));
    }

    @Test
    void acceptedTimestampForms() {
        assertEquals(1_700_000_000_000L, ts(1_700_000_000_000L));
        assertEquals(42L, ts(42));
        assertEquals(1_700_000_000_000L, ts("1700000000000"));
        assertEquals(-5L, ts("-5"));
        assertEquals(1_700_000_000_000L, ts(1.7e12d)); // whole-valued JSON number written as 1.7E12
        assertEquals(RecordMapper.MAX_EXACT_TIMESTAMP, ts(RecordMapper.MAX_EXACT_TIMESTAMP));
    }

    @Test
    void timestampIsStoredCanonically() {
        RedisWrite.Upsert u = (RedisWrite.Upsert) mapper.map(record("d1", value("timestamp", "0017")));
        assertEquals(List.of("timestamp", "17"), u.fields());
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
                new SinkRecord(TOPIC, 0, null, null, schema, struct, 7L));
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
        assertEquals(Map.of("timestamp", "3", "5", "five"), Map.of(u.fields().get(0), u.fields().get(1),
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
}
