package io.matchstream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Renders a decoded Avro record as one JSON object for humans and jq. Timestamps become ISO-8601;
 * byte fields become {@code {"size", "base64"}} when small and {@code {"size", "sha256"}} when large
 * (photos), so one line never carries megabytes. Brief, a long float vector (an embedding's 512) becomes
 * {@code {"size", "head", "norm"}}: its length, first four components and L2 norm.
 */
final class RecordJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final int INLINE_BYTES = 1024;
    private static final int BRIEF_HEAD = 4;

    private RecordJson() {}

    static ObjectNode record(GenericRecord record) {
        return record(record, false);
    }

    static ObjectNode record(GenericRecord record, boolean brief) {
        ObjectNode node = NODES.objectNode();
        for (Schema.Field field : record.getSchema().getFields()) {
            node.set(field.name(), value(field.schema(), record.get(field.pos()), brief));
        }
        return node;
    }

    private static JsonNode value(Schema schema, Object value, boolean brief) {
        if (value == null) {
            return NODES.nullNode();
        }
        switch (schema.getType()) {
            case UNION:
                return value(schema.getTypes().get(GenericData.get().resolveUnion(schema, value)), value, brief);
            case RECORD:
                return record((GenericRecord) value, brief);
            case ARRAY: {
                List<?> items = (List<?>) value;
                Schema.Type element = schema.getElementType().getType();
                if (brief && items.size() > 2 * BRIEF_HEAD && (element == Schema.Type.FLOAT || element == Schema.Type.DOUBLE)) {
                    return vector(items, element == Schema.Type.FLOAT);
                }
                ArrayNode array = NODES.arrayNode();
                for (Object item : items) {
                    array.add(value(schema.getElementType(), item, brief));
                }
                return array;
            }
            case MAP: {
                ObjectNode map = NODES.objectNode();
                for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                    map.set(e.getKey().toString(), value(schema.getValueType(), e.getValue(), brief));
                }
                return map;
            }
            case BYTES:
                return bytes((ByteBuffer) value);
            case FIXED:
                return bytes(ByteBuffer.wrap(((GenericData.Fixed) value).bytes()));
            case LONG: {
                LogicalType logical = schema.getLogicalType();
                if (logical instanceof LogicalTypes.TimestampMillis) {
                    return NODES.textNode(Instant.ofEpochMilli((Long) value).toString());
                }
                return NODES.numberNode((Long) value);
            }
            case INT:
                return NODES.numberNode((Integer) value);
            case FLOAT:
                return NODES.numberNode((Float) value);
            case DOUBLE:
                return NODES.numberNode((Double) value);
            case BOOLEAN:
                return NODES.booleanNode((Boolean) value);
            default:
                return NODES.textNode(value.toString()); // strings and enum symbols
        }
    }

    private static JsonNode vector(List<?> items, boolean floats) {
        ObjectNode node = NODES.objectNode().put("size", items.size());
        ArrayNode head = node.putArray("head");
        double squares = 0;
        for (int i = 0; i < items.size(); i++) {
            double x = ((Number) items.get(i)).doubleValue();
            squares += x * x;
            if (i < BRIEF_HEAD) {
                if (floats) {
                    head.add((Float) items.get(i)); // as the float prints, not its double's digits
                } else {
                    head.add(x);
                }
            }
        }
        return node.put("norm", Math.sqrt(squares));
    }

    private static JsonNode bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        ObjectNode node = NODES.objectNode().put("size", bytes.length);
        if (bytes.length <= INLINE_BYTES) {
            node.put("base64", Base64.getEncoder().encodeToString(bytes));
        } else {
            node.put("sha256", sha256(bytes));
        }
        return node;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
