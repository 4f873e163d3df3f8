package io.matchstream.ingest;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The real parts an ingest test needs: a KRaft broker, the registry on it, and a Flink MiniCluster. */
final class IngestTestStack implements AutoCloseable {
    final EmbeddedKafkaBroker broker;
    final SchemaRegistryServer registryServer;
    final SchemaRegistryClient registry;
    final EmbeddedFlinkCluster flink;
    final Path dataDir;

    IngestTestStack(Path dataDir) throws Exception {
        this.dataDir = dataDir;
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        registryServer = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0));
        registryServer.start();
        registry = new SchemaRegistryClient(registryServer.url());
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        flink = new EmbeddedFlinkCluster(0, 4).start();
    }

    IngestConfig config(String name) {
        return IngestConfig.defaults()
                .withBootstrapServers(broker.bootstrapServers(), registryServer.url())
                .with("checkpoint-dir", dataDir.resolve("checkpoints-" + name).toUri().toString());
    }

    void publish(List<EventMix.Raw> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (EventMix.Raw r : records) {
                producer.send(new ProducerRecord<>(r.topic(), r.key(), r.value()));
            }
            producer.flush();
        }
    }

    /** Every committed record of a topic (read_committed), from the beginning to the current end. */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, Long> remaining = new HashMap<>(end);
            remaining.values().removeIf(v -> v == 0);
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
                remaining.keySet().removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        }
        return out;
    }

    /** Polls until the condition holds on the topic's committed records, or fails after the timeout. */
    List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = readCommitted(topic);
        while (!done.test(records)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting on " + topic + ": " + records.size() + " committed records");
            }
            Thread.sleep(500);
            records = readCommitted(topic);
        }
        return records;
    }

    @Override
    public void close() throws Exception {
        flink.close();
        registryServer.close();
        broker.close();
    }
}
