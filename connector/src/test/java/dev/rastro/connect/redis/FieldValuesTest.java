package dev.rastro.connect.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class FieldValuesTest {

    @Test
    void stringsAreStoredAsIs() {
        assertEquals("driver_7", FieldValues.toFieldText("driver_7"));
        assertEquals("say \"hi\"\n", FieldValues.toFieldText("say \"hi\"\n"));
    }

    @Test
    void integersAreDecimalText() {
        assertEquals("1700000000000", FieldValues.toFieldText(1_700_000_000_000L));
        assertEquals("-3", FieldValues.toFieldText(-3));
        assertEquals("12345678901234567890123", FieldValues.toFieldText(new BigInteger("12345678901234567890123")));
    }

    @Test
    void fractionsHaveNoExponentAndWholeNumbersNoPointZero() {
        assertEquals("52.52", FieldValues.toFieldText(52.52d));
        assertEquals("13.405", FieldValues.toFieldText(13.405d));
        assertEquals("7", FieldValues.toFieldText(7.0d));
        assertEquals("100", FieldValues.toFieldText(100.0d));
        assertEquals("0.0000001", FieldValues.toFieldText(1.0e-7d));
        assertEquals("1700000000000", FieldValues.toFieldText(1.7e12d));
        assertEquals("0", FieldValues.toFieldText(-0.0d));
        assertEquals("0.1", FieldValues.toFieldText(0.1f));
        assertEquals("2.5", FieldValues.toFieldText(new BigDecimal("2.500")));
    }

    @Test
    void booleansAreTrueOrFalse() {
        assertEquals("true", FieldValues.toFieldText(Boolean.TRUE));
        assertEquals("false", FieldValues.toFieldText(Boolean.FALSE));
    }

    @Test
    void nestedObjectsAndArraysAreCompactJson() {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("battery", 87L);
        nested.put("ratio", 0.5d);
        nested.put("tags", List.of("a", "b\"c"));
        nested.put("gone", null);
        nested.put("ok", true);
        nested.put("inner", Map.of("x", 1.0d));
        assertEquals("{\"battery\":87,\"ratio\":0.5,\"tags\":[\"a\",\"b\\\"c\"],\"gone\":null,\"ok\":true,"
                + "\"inner\":{\"x\":1}}", FieldValues.toFieldText(nested));
        assertEquals("[1,2.25,\"x\",null]", FieldValues.toFieldText(Arrays.asList(1L, 2.25d, "x", null)));
        assertEquals("[]", FieldValues.toFieldText(List.of()));
        assertEquals("{}", FieldValues.toFieldText(Map.of()));
    }

    @Test
    void jsonStringsEscapeControlCharacters() {
        assertEquals("[\"tab\\there\",\"nl\\n\",\"\\u0001\",\"back\\\\slash\"]",
                FieldValues.toFieldText(List.of("tab\there", "nl\n", "\u0001", "back\\slash")));
    }

    @Test
    void structsBytesAndDates() {
        Schema schema = SchemaBuilder.struct().field("a", Schema.INT32_SCHEMA)
                .field("b", Schema.OPTIONAL_STRING_SCHEMA).build();
        Struct struct = new Struct(schema).put("a", 5).put("b", null);
        assertEquals("{\"a\":5,\"b\":null}", FieldValues.toFieldText(struct));
        assertEquals("AQID", FieldValues.toFieldText(new byte[] {1, 2, 3}));
        assertEquals("[\"AQID\"]", FieldValues.toFieldText(List.of(new byte[] {1, 2, 3})));
        assertEquals("1700000000123", FieldValues.toFieldText(new Date(1_700_000_000_123L)));
    }
}
