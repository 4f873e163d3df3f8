package io.matchstream.schemas.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing the Confluent wire format under the topic's value subject ({@code <topic>-value}).
 * Works for specific and generic records. With autoRegister off the schema must already be registered.
 */
public class AvroSerializer<T extends GenericContainer> implements Serializer<T> {
    static {
        TrustedEvents.install();
    }

    private final SchemaRegistry registry;
    private final boolean autoRegister;
    private final Map<Schema, DatumWriter<Object>> writers = new java.util.concurrent.ConcurrentHashMap<>();
    private boolean isKey;

    public AvroSerializer(SchemaRegistry registry, boolean autoRegister) {
        this.registry = registry;
        this.autoRegister = autoRegister;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.isKey = isKey;
    }

    @Override
    public byte[] serialize(String topic, T data) {
        if (data == null) {
            return null; // a tombstone stays a tombstone
        }
        Schema schema = data.getSchema();
        String subject = topic + (isKey ? "-key" : "-value");
        int id = autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
        return serialize(id, schema, data);
    }

    /** Frames {@code data} with an id already known to belong to {@code schema}. */
    public byte[] serialize(int schemaId, Schema schema, T data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(schemaId >>> 24);
        out.write(schemaId >>> 16);
        out.write(schemaId >>> 8);
        out.write(schemaId);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writers.computeIfAbsent(schema, SchemaWriters::forSchema).write(data, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final class SchemaWriters {
        static DatumWriter<Object> forSchema(Schema schema) {
            SpecificData model = SpecificData.getForSchema(schema);
            if (model.getClass(schema) != null) {
                return new SpecificDatumWriter<>(schema, model);
            }
            return new GenericDatumWriter<>(schema);
        }
    }
}
