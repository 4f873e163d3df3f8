package io.matchstream.schemas.flink;

import io.matchstream.schemas.Topic;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.RegistryConnector;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;

/**
 * Flink's view of {@link AvroSerializer}: a generated Avro record out in the Confluent wire format, under
 * the topic's value subject (registered on first use).
 */
public class RegistryAvroSerializationSchema<T extends SpecificRecord> implements SerializationSchema<T> {
    private final RegistryConnector registry;
    private final String topic;
    private transient AvroSerializer<T> serializer;

    public RegistryAvroSerializationSchema(RegistryConnector registry, Topic<String, T> topic) {
        this.registry = registry;
        this.topic = topic.name();
    }

    @Override
    public void open(InitializationContext context) {
        serializer = new AvroSerializer<>(registry.connect(), true);
    }

    @Override
    public byte[] serialize(T element) {
        if (serializer == null) {
            open(null);
        }
        return serializer.serialize(topic, element);
    }
}
