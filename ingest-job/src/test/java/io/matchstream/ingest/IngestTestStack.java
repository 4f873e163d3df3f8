package io.matchstream.ingest;

import io.matchstream.testing.TestStack;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The shared test stack, plus the ingest job's configuration on it and publishing an {@link EventMix}. */
final class IngestTestStack extends TestStack {

    IngestTestStack(Path dataDir) {
        super(dataDir);
    }

    IngestConfig config(String name) {
        return IngestConfig.defaults()
                .withBootstrapServers(broker.bootstrapServers(), registryServer.url())
                .with("checkpoint-dir", dataDir.resolve("checkpoints-" + name).toUri().toString());
    }

    void publishEvents(List<EventMix.Raw> records) {
        publish(records.stream().map(r -> new ProducerRecord<>(r.topic(), r.key(), r.value())).toList());
    }
}
