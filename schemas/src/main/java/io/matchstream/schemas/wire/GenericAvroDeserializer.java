package io.matchstream.schemas.wire;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads any wire-format record with its own writer schema, for tools that know no generated class. */
public class GenericAvroDeserializer implements Deserializer<GenericRecord> {
    private final SchemaRegistry registry;
    private final Map<Integer, GenericDatumReader<GenericRecord>> readers = new ConcurrentHashMap<>();

    public GenericAvroDeserializer(SchemaRegistry registry) {
        this.registry = registry;
    }

    @Override
    public GenericRecord deserialize(String topic, byte[] payload) {
        if (payload == null) {
            return null;
        }
        int id = WireFormat.schemaId(payload);
        GenericDatumReader<GenericRecord> reader = readers.computeIfAbsent(id, i -> {
            try {
                return new GenericDatumReader<>(registry.schemaById(i));
            } catch (RegistryException e) {
                if (e.httpStatus() == 404) {
                    throw new WireFormatException(WireFormatException.Reason.UNKNOWN_SCHEMA_ID,
                            "schema id " + i + " is not in the registry", e);
                }
                throw e;
            }
        });
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(
                    payload, WireFormat.HEADER_SIZE, payload.length - WireFormat.HEADER_SIZE, null));
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WireFormatException(WireFormatException.Reason.UNDECODABLE,
                    "Avro body does not decode with schema id " + id + ": " + e, e);
        }
    }
}
