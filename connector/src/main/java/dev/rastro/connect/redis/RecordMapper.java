package dev.rastro.connect.redis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Maps one sink record to the Redis operation for it, or rejects it with an {@link InvalidRecordException}.
 * Pure (no I/O) so every rule can be unit-tested.
 */
final class RecordMapper {

    /** Lua numbers are doubles: integers beyond 2^53 would compare inexactly in the write script. */
    static final long MAX_EXACT_TIMESTAMP = 1L << 53;

    private static final Pattern DECIMAL_INTEGER = Pattern.compile("-?[0-9]{1,19}");

    private final String keyPrefix;
    private final String idField;
    private final String timestampField;

    RecordMapper(String keyPrefix, String idField, String timestampField) {
        this.keyPrefix = keyPrefix;
        this.idField = idField;
        this.timestampField = timestampField;
    }

    RecordMapper(RedisSinkConfig config) {
        this(config.keyPrefix(), config.idField(), config.timestampField());
    }

    RedisWrite map(SinkRecord record) {
        String keyId = keyId(record);
        Object value = record.value();
        if (value == null) {
            if (keyId == null) {
                throw new InvalidRecordException(record, "tombstone (null value) with a null key: no driver id to delete");
            }
            return new RedisWrite.Delete(keyPrefix + keyId);
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

        List<String> fields = new ArrayList<>(object.size() * 2);
        for (Map.Entry<String, Object> e : object.entrySet()) {
            if (e.getValue() == null) {
                continue; // null fields are simply absent from the hash
            }
            fields.add(e.getKey());
            // The timestamp is stored canonically, so the script's tonumber() reads back exactly what we compared.
            fields.add(e.getKey().equals(timestampField) ? Long.toString(timestamp) : FieldValues.toFieldText(e.getValue()));
        }
        return new RedisWrite.Upsert(keyPrefix + id, timestamp, fields);
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

    private long timestamp(SinkRecord record, Object raw) {
        long ts;
        if (raw == null) {
            throw new InvalidRecordException(record, "field '" + timestampField + "' is missing");
        } else if (raw instanceof Long || raw instanceof Integer || raw instanceof Short || raw instanceof Byte) {
            ts = ((Number) raw).longValue();
        } else if (raw instanceof BigInteger bi) {
            if (bi.bitLength() > 63) {
                throw outOfRange(record, raw);
            }
            ts = bi.longValue();
        } else if (raw instanceof Double || raw instanceof Float || raw instanceof BigDecimal) {
            // A whole-valued JSON number written with a fraction or exponent (1.7E12) is still an integer.
            BigDecimal d;
            try {
                d = raw instanceof BigDecimal bd ? bd : new BigDecimal(raw.toString());
            } catch (NumberFormatException e) { // NaN, Infinity
                throw notAnInteger(record, raw);
            }
            try {
                ts = d.longValueExact();
            } catch (ArithmeticException e) {
                throw notAnInteger(record, raw);
            }
        } else if (raw instanceof String s) {
            if (!DECIMAL_INTEGER.matcher(s).matches()) {
                throw notAnInteger(record, raw);
            }
            try {
                ts = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw outOfRange(record, raw);
            }
        } else if (raw instanceof Date d) {
            ts = d.getTime(); // a Struct with Connect's Timestamp logical type
        } else {
            throw notAnInteger(record, raw);
        }
        if (ts > MAX_EXACT_TIMESTAMP || ts < -MAX_EXACT_TIMESTAMP) {
            throw outOfRange(record, raw);
        }
        return ts;
    }

    private InvalidRecordException notAnInteger(SinkRecord record, Object raw) {
        String shown = raw instanceof String ? "'" + raw + "'" : String.valueOf(raw);
        return new InvalidRecordException(record, "field '" + timestampField
                + "' must be an integer epoch-millisecond number or a string of decimal digits, got "
                + kindOf(raw) + " " + shown);
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
                + " is outside +/-2^53, which the write script cannot compare exactly");
    }
}
