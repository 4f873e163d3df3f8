package io.matchstream.schemas.wire;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for the Confluent wire format into a generated Avro class. The writer schema is
 * fetched by id and resolved against the class's schema, so records written with any compatible
 * version are read. Bad input throws {@link WireFormatException} with a reason; an unreachable
 * registry throws {@link RegistryException} (transient, never a dead letter).
 */
public class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    static {
        TrustedEvents.install();
    }

    private final SchemaRegistry registry;
    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

    public AvroDeserializer(SchemaRegistry registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    @Override
    public T deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null;
        }
        int id = WireFormat.schemaId(payload);
        SpecificDatumReader<T> reader = readers.get(id);
        if (reader == null) {
            reader = readerFor(id);
            readers.put(id, reader);
        }
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE, null);
        try {
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new WireFormatException(WireFormatException.Reason.UNDECODABLE,
                        "trailing bytes after a " + type.getSimpleName() + " written with schema id " + id);
            }
            return value;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                | ClassCastException | OutOfMemoryError e) {
            throw new WireFormatException(WireFormatException.Reason.UNDECODABLE,
                    "Avro body does not decode as " + type.getSimpleName() + " with schema id " + id + ": " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writer;
        try {
            writer = registry.schemaById(id);
        } catch (RegistryException e) {
            if (e.httpStatus() == 404) {
                throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA_ID,
                        "schema id " + id + " is not in the registry", e);
            }
            throw e;
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new WireFormatException(WireFormatException.Reason.INCOMPATIBLE_SCHEMA,
                    "schema id " + id + " (" + writer.getFullName() + ") cannot be read as " + type.getSimpleName()
                            + ": " + compatibility.getDescription());
        }
        try {
            return new SpecificDatumReader<>(writer, readerSchema, SpecificData.getForClass(type));
        } catch (AvroTypeException e) {
            throw new WireFormatException(WireFormatException.Reason.INCOMPATIBLE_SCHEMA, e.getMessage(), e);
        }
    }
}
