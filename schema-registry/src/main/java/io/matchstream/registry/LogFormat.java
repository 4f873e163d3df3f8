package io.matchstream.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;

/**
 * Keys and values of the {@code _schemas} topic, in the JSON of Confluent's KafkaStore, so a Confluent
 * registry pointed at the topic reads our log and the other way round. A key's JSON is written with a
 * fixed field order: compaction keeps the last record per key byte string.
 */
final class LogFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LogFormat() {}

    /** A record key of the log; {@link Unknown} for the key types of Confluent we do not need (NOOP, MODE...). */
    sealed interface Key permits SchemaKey, ConfigKey, Unknown {}

    /** One version of a subject: {@code {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}}. */
    record SchemaKey(String subject, int version) implements Key {}

    /** A compatibility level; {@code subject} null for the global one. */
    record ConfigKey(String subject) implements Key {}

    record Unknown(String json) implements Key {}

    /** The value of a {@link SchemaKey}; {@code schema} is the schema's canonical JSON. */
    record SchemaValue(String subject, int version, int id, String schema, boolean deleted) {}

    /** A schema record as read: {@code schemaType} is AVRO unless another registry stored JSON Schema or Protobuf. */
    record StoredValue(String schemaType, SchemaValue value) {
        boolean isAvro() {
            return schemaType.equals("AVRO");
        }
    }

    static String encode(SchemaKey key) {
        ObjectNode node = JSON.createObjectNode()
                .put("keytype", "SCHEMA")
                .put("subject", key.subject())
                .put("version", key.version())
                .put("magic", 1);
        return node.toString();
    }

    static String encode(ConfigKey key) {
        ObjectNode node = JSON.createObjectNode().put("keytype", "CONFIG");
        if (key.subject() == null) {
            node.putNull("subject");
        } else {
            node.put("subject", key.subject());
        }
        return node.put("magic", 0).toString();
    }

    static String encode(SchemaValue value) {
        return JSON.createObjectNode()
                .put("subject", value.subject())
                .put("version", value.version())
                .put("id", value.id())
                .put("schema", value.schema())
                .put("deleted", value.deleted())
                .toString();
    }

    static String encode(Compatibility level) {
        return JSON.createObjectNode().put("compatibilityLevel", level.name()).toString();
    }

    static Key decodeKey(String json) {
        JsonNode node = parse(json);
        String subject = node.hasNonNull("subject") ? node.get("subject").asText() : null;
        return switch (node.path("keytype").asText()) {
            case "SCHEMA" -> new SchemaKey(subject, node.path("version").asInt());
            case "CONFIG" -> new ConfigKey(subject);
            default -> new Unknown(json);
        };
    }

    /** Confluent writes {@code schemaType} only for JSON Schema and Protobuf. */
    static StoredValue decodeSchemaValue(String json) {
        JsonNode node = parse(json);
        return new StoredValue(node.path("schemaType").asText("AVRO"), new SchemaValue(
                node.path("subject").asText(),
                node.path("version").asInt(),
                node.path("id").asInt(),
                node.path("schema").asText(),
                node.path("deleted").asBoolean(false)));
    }

    static Compatibility decodeLevel(String json) {
        return Compatibility.parse(parse(json).path("compatibilityLevel").asText(null));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }
}
