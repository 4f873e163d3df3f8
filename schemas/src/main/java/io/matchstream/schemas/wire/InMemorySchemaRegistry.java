package io.matchstream.schemas.wire;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * A registry inside one JVM (like Confluent's {@code mock://} URLs): for unit tests and benchmarks of pure
 * logic. Ids are global and a schema keeps its id across subjects, as in a real registry.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<Schema, Integer> ids = new HashMap<>();
    private final Map<String, Map<Schema, Integer>> subjects = new HashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        int id = ids.computeIfAbsent(schema, s -> {
            int next = byId.size() + 1;
            byId.put(next, s);
            return next;
        });
        subjects.computeIfAbsent(subject, s -> new HashMap<>()).put(schema, id);
        return id;
    }

    @Override
    public synchronized int lookup(String subject, Schema schema) {
        Integer id = subjects.getOrDefault(subject, Map.of()).get(schema);
        if (id == null) {
            throw new RegistryException(404, 40403, "schema not found under subject " + subject);
        }
        return id;
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new RegistryException(404, 40403, "schema " + id + " not found");
        }
        return schema;
    }
}
