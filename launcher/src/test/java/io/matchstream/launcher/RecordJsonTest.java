package io.matchstream.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class RecordJsonTest {
    private static final Schema SCHEMA = SchemaBuilder.record("V").fields()
            .name("vector").type().array().items().floatType().noDefault()
            .name("short").type().array().items().floatType().noDefault()
            .name("names").type().array().items().stringType().noDefault()
            .endRecord();

    @Test
    void briefShortensLongFloatVectorsOnly() {
        List<Float> vector = new ArrayList<>();
        for (int i = 0; i < 512; i++) {
            vector.add(i % 2 == 0 ? 0.5f : -0.25f);
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            names.add("n" + i);
        }
        GenericRecord record = new GenericData.Record(SCHEMA);
        record.put("vector", vector);
        record.put("short", List.of(1f, 2f, 3f));
        record.put("names", names);

        JsonNode full = RecordJson.record(record);
        assertEquals(512, full.get("vector").size());
        assertTrue(full.get("vector").isArray());

        JsonNode brief = RecordJson.record(record, true);
        JsonNode v = brief.get("vector");
        assertEquals(512, v.get("size").asInt());
        assertEquals(List.of(0.5, -0.25, 0.5, -0.25),
                List.of(v.get("head").get(0).asDouble(), v.get("head").get(1).asDouble(), v.get("head").get(2).asDouble(),
                        v.get("head").get(3).asDouble()));
        assertEquals(4, v.get("head").size());
        assertEquals(Math.sqrt(256 * 0.25 + 256 * 0.0625), v.get("norm").asDouble(), 1e-9);
        assertEquals(3, brief.get("short").size(), "a short vector stays whole");
        assertEquals(20, brief.get("names").size(), "only float vectors are shortened");
    }
}
