package io.matchstream.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Short Avro record schemas for tests. */
final class TestSchemas {
    private TestSchemas() {}

    /**
     * A record schema's JSON. Each field is {@code "name type"} or {@code "name type default"}, where type
     * is a primitive or a union such as {@code null|string}, and default is JSON ({@code 0}, {@code null},
     * {@code "x"}).
     */
    static String record(String name, String... fields) {
        ObjectNode schema = RestCalls.JSON.createObjectNode()
                .put("type", "record").put("name", name).put("namespace", "io.matchstream.test");
        ArrayNode list = schema.putArray("fields");
        for (String spec : fields) {
            String[] parts = spec.split(" ", 3);
            ObjectNode field = list.addObject().put("name", parts[0]);
            if (parts[1].contains("|")) {
                ArrayNode union = field.putArray("type");
                for (String branch : parts[1].split("\\|")) {
                    union.add(branch);
                }
            } else {
                field.put("type", parts[1]);
            }
            if (parts.length == 3) {
                try {
                    field.set("default", RestCalls.JSON.readTree(parts[2]));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return schema.toString();
    }
}
