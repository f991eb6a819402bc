package dev.rastro.connect.redis;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.Map;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns Connect values into the text stored in a hash field.
 *
 * <p>Strings as-is; numbers as plain decimal text (no exponent, no ".0" on whole numbers, so 7 and 7.0 are both
 * "7"); booleans as true/false; objects and arrays as compact JSON. A small writer of our own rather than
 * Jackson/Gson: it keeps the output exactly specified and the plugin free of a JSON library on this path.
 */
final class FieldValues {

    private FieldValues() {
    }

    /** The hash-field text for a top-level, non-null value. */
    static String toFieldText(Object value) {
        if (value instanceof CharSequence || value instanceof Character) {
            return value.toString();
        }
        if (value instanceof Number n) {
            return formatNumber(n);
        }
        if (value instanceof Boolean || value instanceof Date) {
            return scalarText(value);
        }
        if (value instanceof byte[] || value instanceof ByteBuffer) {
            String quoted = toJson(value);
            return quoted.substring(1, quoted.length() - 1); // base64 text, unquoted like any string field
        }
        return toJson(value);
    }

    /** Compact JSON of any Connect value (null, scalars, Map, List, Struct, bytes as base64). */
    static String toJson(Object value) {
        StringBuilder out = new StringBuilder();
        writeJson(value, out);
        return out.toString();
    }

    /**
     * Plain decimal text of a number: integers exactly, fractions via their shortest round-trip form.
     * Non-finite doubles cannot come from JSON; they are written as Java prints them.
     */
    static String formatNumber(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte
                || n instanceof BigInteger) {
            return n.toString();
        }
        BigDecimal decimal;
        if (n instanceof BigDecimal bd) {
            decimal = bd;
        } else if (n instanceof Float f) {
            if (f.isNaN() || f.isInfinite()) {
                return f.toString();
            }
            decimal = new BigDecimal(Float.toString(f)); // shortest float text, not the double expansion
        } else {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return Double.toString(d);
            }
            decimal = BigDecimal.valueOf(d);
        }
        if (decimal.signum() == 0) {
            return "0"; // also turns -0.0 and 0E-10 into "0"
        }
        return decimal.stripTrailingZeros().toPlainString();
    }

    private static String scalarText(Object value) {
        if (value instanceof Date d) {
            return Long.toString(d.getTime()); // Connect's Timestamp/Date logical types: epoch millis
        }
        return value.toString();
    }

    private static void writeJson(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence || value instanceof Character) {
            writeString(value.toString(), out);
        } else if (value instanceof Number n) {
            String text = formatNumber(n);
            // JSON has no NaN/Infinity: quote them rather than emit invalid JSON.
            if (text.equals("NaN") || text.endsWith("Infinity")) {
                writeString(text, out);
            } else {
                out.append(text);
            }
        } else if (value instanceof Boolean || value instanceof Date) {
            out.append(scalarText(value));
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString(String.valueOf(e.getKey()), out);
                out.append(':');
                writeJson(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof Struct struct) {
            out.append('{');
            boolean first = true;
            for (Field f : struct.schema().fields()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeString(f.name(), out);
                out.append(':');
                writeJson(struct.get(f), out);
            }
            out.append('}');
        } else if (value instanceof Collection<?> list) {
            out.append('[');
            boolean first = true;
            for (Object item : list) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                writeJson(item, out);
            }
            out.append(']');
        } else if (value instanceof byte[] bytes) {
            writeString(Base64.getEncoder().encodeToString(bytes), out); // as JsonConverter encodes bytes
        } else if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            writeString(Base64.getEncoder().encodeToString(bytes), out);
        } else if (value instanceof Object[] array) {
            writeJson(java.util.Arrays.asList(array), out);
        } else {
            writeString(value.toString(), out);
        }
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
