package dev.rastro.connect.redis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Maps one sink record to the Redis operation for it, or rejects it with an {@link InvalidRecordException}.
 * Pure apart from the clock (no I/O), so every rule can be unit-tested. Every check that depends only on the
 * record happens here, before any Redis command touches its key.
 */
final class RecordMapper {

    /** Lua numbers are doubles: integers beyond 2^53 would compare inexactly in the write script. */
    static final long MAX_EXACT_TIMESTAMP = 1L << 53;

    /**
     * Below this a numeric timestamp is epoch seconds, and is multiplied by 1000: the producer's rule
     * (1e11 s is the year 5138; 1e11 ms is 1973), so a driver's times compare whoever produced them.
     */
    static final long SECONDS_CUTOFF = 100_000_000_000L;

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,30}");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,30}\\.[0-9]{1,30}");

    /** The bounds of a Redis GEO set (its geohash covers no more): GEOADD refuses anything outside. */
    static final double GEO_LONGITUDE_MAX = 180;
    static final double GEO_LATITUDE_MAX = 85.05112878;

    /**
     * The fields the GEO index reads (see {@link RedisSinkConfig}); a mapper without them keeps no index.
     *
     * @param excludeStatus the status text that keeps a driver out of the index
     */
    record GeoFields(String latitude, String longitude, String status, String excludeStatus) {
        static final GeoFields DEFAULT = new GeoFields(RedisSinkConfig.GEO_LATITUDE_FIELD_DEFAULT,
                RedisSinkConfig.GEO_LONGITUDE_FIELD_DEFAULT, RedisSinkConfig.STATUS_FIELD_DEFAULT,
                RedisSinkConfig.GEO_EXCLUDE_STATUS_DEFAULT);
    }

    /** The per-record caps (see {@link RedisSinkConfig}). */
    record Limits(int maxFields, int maxFieldBytes, long maxFutureMs) {
        static final Limits DEFAULT = new Limits(RedisSinkConfig.MAX_FIELDS_DEFAULT,
                RedisSinkConfig.MAX_FIELD_BYTES_DEFAULT, RedisSinkConfig.MAX_FUTURE_MS_DEFAULT);
    }

    /** Where a driver's hash lives (its bucket's tag on a Redis Cluster). */
    private final KeySpace keys;
    private final String idField;
    private final String timestampField;
    private final Limits limits;
    /** Null: no GEO index. */
    private final GeoFields geo;
    private final LongSupplier clock;

    RecordMapper(KeySpace keys, String idField, String timestampField, Limits limits, GeoFields geo,
            LongSupplier clock) {
        this.keys = keys;
        this.idField = idField;
        this.timestampField = timestampField;
        this.limits = limits;
        this.geo = geo;
        this.clock = clock;
    }

    RecordMapper(String keyPrefix, String idField, String timestampField, Limits limits, GeoFields geo,
            LongSupplier clock) {
        this(KeySpace.single(keyPrefix, null, null), idField, timestampField, limits, geo, clock);
    }

    RecordMapper(String keyPrefix, String idField, String timestampField, Limits limits, LongSupplier clock) {
        this(keyPrefix, idField, timestampField, limits, null, clock);
    }

    RecordMapper(String keyPrefix, String idField, String timestampField) {
        this(keyPrefix, idField, timestampField, Limits.DEFAULT, System::currentTimeMillis);
    }

    RecordMapper(RedisSinkConfig config, LongSupplier clock) {
        this(KeySpace.of(config), config.idField(), config.timestampField(),
                new Limits(config.maxFields(), config.maxFieldBytes(), config.maxFutureMs()),
                config.geoKey().isEmpty() ? null : new GeoFields(config.geoLatitudeField(),
                        config.geoLongitudeField(), config.statusField(), config.geoExcludeStatus()),
                clock);
    }

    RedisWrite map(SinkRecord record) {
        String keyId = keyId(record);
        Object value = record.value();
        long now = clock.getAsLong();
        if (value == null) {
            if (keyId == null) {
                throw new InvalidRecordException(record, "tombstone (null value) with a null key: no driver id to delete");
            }
            return new RedisWrite.Delete(keys.hashKey(keyId), tombstoneTime(record, now), geo == null ? null : keyId);
        }

        Map<String, Object> object = asObject(record, value);
        String valueId = valueId(record, object.get(idField));
        String id;
        if (keyId != null) {
            if (valueId != null && !valueId.equals(keyId)) {
                throw new InvalidRecordException(record, "record key '" + keyId + "' does not match field '" + idField
                        + "' = '" + valueId + "'");
            }
            id = keyId;
        } else if (valueId == null || valueId.isEmpty()) {
            throw new InvalidRecordException(record, "no driver id: the record key is null and field '" + idField
                    + "' is " + (valueId == null ? "missing" : "empty"));
        } else {
            id = valueId;
        }

        long timestamp = timestamp(record, object.get(timestampField));
        // The reference is the record's Kafka time when it is earlier than now, so a replay of the topic
        // decides exactly as the first run did (and a bogus future Kafka time cannot raise the cap).
        Long kafkaTime = record.timestamp();
        long reference = kafkaTime == null || kafkaTime < 0 ? now : Math.min(kafkaTime, now);
        if (timestamp - reference > limits.maxFutureMs()) {
            throw new InvalidRecordException(record, "field '" + timestampField + "' = " + object.get(timestampField)
                    + " is " + (timestamp - reference) + " ms in the future (limit "
                    + RedisSinkConfig.MAX_FUTURE_MS + " = " + limits.maxFutureMs() + ")");
        }

        long present = object.values().stream().filter(v -> v != null).count();
        if (present > limits.maxFields()) {
            throw new InvalidRecordException(record, "value has " + present + " fields, more than "
                    + RedisSinkConfig.MAX_FIELDS + " = " + limits.maxFields());
        }
        List<String> fields = new ArrayList<>(object.size() * 2);
        for (Map.Entry<String, Object> e : object.entrySet()) {
            if (e.getValue() == null) {
                continue; // null fields are simply absent from the hash
            }
            String name = e.getKey();
            // The timestamp is stored canonically in ms, so the script reads back exactly what we compared.
            String text = name.equals(timestampField) ? Long.toString(timestamp) : FieldValues.toFieldText(e.getValue());
            checkSize(record, "field name '" + abbreviate(name) + "'", name);
            checkSize(record, "field '" + abbreviate(name) + "'", text);
            fields.add(name);
            fields.add(text);
        }
        return new RedisWrite.Upsert(keys.hashKey(id), timestamp, fields, geo == null ? null : geoEntry(record, id, object));
    }

    /**
     * The driver's GEO index entry. The position is checked on every record, excluded status or not, so the
     * script's GEOADD cannot fail on the record's data (Redis would not undo the writes before it).
     */
    private RedisWrite.Geo geoEntry(SinkRecord record, String id, Map<String, Object> object) {
        String latitude = coordinate(record, object, geo.latitude(), GEO_LATITUDE_MAX);
        String longitude = coordinate(record, object, geo.longitude(), GEO_LONGITUDE_MAX);
        Object status = object.get(geo.status());
        // Compared as the hash stores it, so the mirror check can decide from the hash alone.
        if (status != null && FieldValues.toFieldText(status).equals(geo.excludeStatus())) {
            return RedisWrite.Geo.removed(id);
        }
        return RedisWrite.Geo.at(id, longitude, latitude);
    }

    /** The coordinate as the hash stores it (the text GEOADD parses), within +/-limit degrees. */
    private String coordinate(SinkRecord record, Map<String, Object> object, String field, double limit) {
        Object raw = object.get(field);
        if (raw == null) {
            throw new InvalidRecordException(record, "field '" + field + "' is missing; the GEO index ("
                    + RedisSinkConfig.GEO_KEY + ") needs a position");
        }
        if (!(raw instanceof Number number)) {
            String shown = raw instanceof CharSequence ? "'" + raw + "'" : FieldValues.toFieldText(raw);
            throw new InvalidRecordException(record, "field '" + field + "' must be a number for the GEO index ("
                    + RedisSinkConfig.GEO_KEY + "), got " + kindOf(raw) + " " + shown);
        }
        String text = FieldValues.formatNumber(number);
        // Parsed back from the text, as Redis will parse it: the bound is checked on the value GEOADD gets.
        double degrees = Double.parseDouble(text);
        if (!(degrees >= -limit && degrees <= limit)) { // also NaN
            throw new InvalidRecordException(record, "field '" + field + "' = " + text + " is outside "
                    + FieldValues.formatNumber(-limit) + ".." + FieldValues.formatNumber(limit)
                    + ", the range a Redis GEO index can hold");
        }
        return text;
    }

    /** The tombstone's own time: its Kafka timestamp, which must exist and must not be in the far future. */
    private long tombstoneTime(SinkRecord record, long now) {
        Long at = record.timestamp();
        if (at == null || at < 0) {
            throw new InvalidRecordException(record, "tombstone (null value) has no Kafka timestamp: cannot tell "
                    + "whether it is older than the stored location");
        }
        if (at - now > limits.maxFutureMs()) {
            throw new InvalidRecordException(record, "tombstone Kafka timestamp " + at + " is " + (at - now)
                    + " ms in the future (limit " + RedisSinkConfig.MAX_FUTURE_MS + " = " + limits.maxFutureMs() + ")");
        }
        return at;
    }

    private void checkSize(SinkRecord record, String what, String text) {
        // Cheap bound first: UTF-8 needs at most 3 bytes per UTF-16 unit.
        if ((long) text.length() * 3 <= limits.maxFieldBytes()) {
            return;
        }
        long bytes = utf8Length(text);
        if (bytes > limits.maxFieldBytes()) {
            throw new InvalidRecordException(record, what + " is " + bytes + " bytes, more than "
                    + RedisSinkConfig.MAX_FIELD_BYTES + " = " + limits.maxFieldBytes());
        }
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    private static String abbreviate(String name) {
        return name.length() <= 40 ? name : name.substring(0, 40) + "...";
    }

    /** The driver id from the record key, or null when the key is null. */
    private static String keyId(SinkRecord record) {
        Object key = record.key();
        if (key == null) {
            return null;
        }
        String id;
        if (key instanceof String s) {
            id = s;
        } else if (key instanceof Long || key instanceof Integer || key instanceof Short || key instanceof Byte) {
            id = key.toString(); // e.g. a numeric key from another key converter
        } else {
            throw new InvalidRecordException(record, "record key must be a string driver id, got " + kindOf(key));
        }
        if (id.isEmpty()) {
            throw new InvalidRecordException(record, "record key (driver id) is empty");
        }
        return id;
    }

    private String valueId(SinkRecord record, Object raw) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof String s) {
            return s;
        }
        if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte
                || raw instanceof BigInteger) {
            return raw.toString();
        }
        throw new InvalidRecordException(record, "field '" + idField + "' must be a string, got " + kindOf(raw));
    }

    private Map<String, Object> asObject(SinkRecord record, Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                object.put(String.valueOf(e.getKey()), e.getValue());
            }
            return object;
        }
        if (value instanceof Struct struct) {
            Map<String, Object> object = new LinkedHashMap<>();
            for (Field f : struct.schema().fields()) {
                object.put(f.name(), struct.get(f));
            }
            return object;
        }
        throw new InvalidRecordException(record, "value is not a JSON object, got " + kindOf(value));
    }

    /**
     * Epoch ms from the field: a positive number or a string of decimal digits (with an optional fraction).
     * Below {@link #SECONDS_CUTOFF} it is seconds. Fractions are rounded half up, as the producer does.
     * Connect's Timestamp logical type (a Date) is already ms.
     */
    private long timestamp(SinkRecord record, Object raw) {
        long ms;
        if (raw == null) {
            throw new InvalidRecordException(record, "field '" + timestampField + "' is missing");
        } else if (raw instanceof Date d) {
            ms = d.getTime();
        } else if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
            ms = fromWhole(record, raw, ((Number) raw).longValue());
        } else if (raw instanceof BigInteger bi) {
            if (bi.bitLength() > 63) {
                throw outOfRange(record, raw);
            }
            ms = fromWhole(record, raw, bi.longValue());
        } else if (raw instanceof BigDecimal bd) {
            if (bd.signum() > 0 && bd.stripTrailingZeros().scale() <= 0) {
                try {
                    ms = fromWhole(record, raw, bd.longValueExact());
                } catch (ArithmeticException e) {
                    throw outOfRange(record, raw);
                }
            } else {
                ms = fromFraction(record, raw, bd.doubleValue());
            }
        } else if (raw instanceof Double || raw instanceof Float) {
            ms = fromFraction(record, raw, ((Number) raw).doubleValue());
        } else if (raw instanceof String s) {
            if (DIGITS.matcher(s).matches()) {
                long whole;
                try {
                    whole = Long.parseLong(s);
                } catch (NumberFormatException e) {
                    throw outOfRange(record, raw);
                }
                ms = fromWhole(record, raw, whole);
            } else if (DECIMAL.matcher(s).matches()) {
                ms = fromFraction(record, raw, Double.parseDouble(s));
            } else {
                throw notATime(record, raw);
            }
        } else {
            throw notATime(record, raw);
        }
        if (ms <= 0) {
            throw notATime(record, raw);
        }
        if (ms > MAX_EXACT_TIMESTAMP) {
            throw outOfRange(record, raw);
        }
        return ms;
    }

    private long fromWhole(SinkRecord record, Object raw, long value) {
        if (value <= 0) {
            throw notATime(record, raw);
        }
        return value < SECONDS_CUTOFF ? value * 1000 : value;
    }

    private long fromFraction(SinkRecord record, Object raw, double value) {
        if (!(value > 0) || Double.isInfinite(value)) { // also NaN
            throw notATime(record, raw);
        }
        // Double arithmetic and half-up rounding on purpose: the same result as the producer's JavaScript.
        return Math.round(value < SECONDS_CUTOFF ? value * 1000 : value);
    }

    private InvalidRecordException notATime(SinkRecord record, Object raw) {
        String shown = raw instanceof String ? "'" + raw + "'" : String.valueOf(raw);
        return new InvalidRecordException(record, "field '" + timestampField
                + "' must be a positive epoch time in milliseconds or seconds (a number or a string of decimal "
                + "digits), got " + kindOf(raw) + " " + shown);
    }

    /** The JSON-ish kind of a value, for messages (class names like ImmutableCollections.ListN help nobody). */
    static String kindOf(Object v) {
        if (v instanceof CharSequence) {
            return "a string";
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                || v instanceof BigInteger) {
            return "an integer";
        } else if (v instanceof Number) {
            return "a fractional number";
        } else if (v instanceof Boolean) {
            return "a boolean";
        } else if (v instanceof java.util.Collection || v instanceof Object[]) {
            return "an array";
        } else if (v instanceof Map || v instanceof Struct) {
            return "an object";
        } else if (v instanceof byte[] || v instanceof java.nio.ByteBuffer) {
            return "bytes";
        }
        return v.getClass().getName();
    }

    private InvalidRecordException outOfRange(SinkRecord record, Object raw) {
        return new InvalidRecordException(record, "field '" + timestampField + "' = " + raw
                + " is beyond 2^53 ms, which the write script cannot compare exactly");
    }
}
