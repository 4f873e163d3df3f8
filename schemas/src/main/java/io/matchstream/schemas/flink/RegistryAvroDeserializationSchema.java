package io.matchstream.schemas.flink;

import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.RegistryConnector;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink's view of {@link AvroDeserializer}: Confluent wire format in, a generated Avro class out. Bad
 * bytes raise {@link io.matchstream.schemas.wire.WireFormatException}; jobs that must not fail on one
 * record decode inside a function instead and dead-letter the failure (as the ingest job does).
 */
public class RegistryAvroDeserializationSchema<T extends SpecificRecord> implements DeserializationSchema<T> {
    private final RegistryConnector registry;
    private final Class<T> type;
    private transient AvroDeserializer<T> deserializer;

    public RegistryAvroDeserializationSchema(RegistryConnector registry, Class<T> type) {
        this.registry = registry;
        this.type = type;
    }

    @Override
    public void open(InitializationContext context) {
        deserializer = new AvroDeserializer<>(registry.connect(), type);
    }

    @Override
    public T deserialize(byte[] message) {
        if (deserializer == null) {
            open(null);
        }
        return deserializer.deserialize(null, message);
    }

    @Override
    public boolean isEndOfStream(T nextElement) {
        return false;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return TypeInformation.of(type);
    }
}
