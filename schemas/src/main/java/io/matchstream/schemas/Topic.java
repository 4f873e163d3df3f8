package io.matchstream.schemas;

import io.matchstream.schemas.wire.AvroDeserializer;
import io.matchstream.schemas.wire.AvroSerializer;
import io.matchstream.schemas.wire.SchemaRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic: its name, key serde, Avro value type and how it is created. Values always travel in the
 * Confluent wire format (magic byte 0, 4-byte schema id, Avro binary) under the subject
 * {@code <name>-value}.
 */
public record Topic<K, V extends SpecificRecord>(
        String name,
        Serde<K> keySerde,
        Class<V> valueClass,
        int partitions,
        CleanupPolicy cleanupPolicy,
        Optional<Duration> retention,
        String description) {

    public String valueSubject() {
        return name + "-value";
    }

    /** Topic-level configs the topic is created with. */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", cleanupPolicy.kafkaName());
        retention.ifPresent(r -> configs.put("retention.ms", Long.toString(r.toMillis())));
        // Photos are up to 10 MB; a record carries one photo plus its envelope.
        configs.put("max.message.bytes", Integer.toString(Topics.MAX_RECORD_BYTES));
        if (cleanupPolicy == CleanupPolicy.COMPACT) {
            configs.put("min.compaction.lag.ms", "60000");
        }
        return configs;
    }

    public NewTopic newTopic(short replicationFactor) {
        return new NewTopic(name, partitions, replicationFactor).configs(configs());
    }

    public AvroSerializer<V> valueSerializer(SchemaRegistry registry) {
        return new AvroSerializer<>(registry, true);
    }

    public AvroDeserializer<V> valueDeserializer(SchemaRegistry registry) {
        return new AvroDeserializer<>(registry, valueClass);
    }
}
