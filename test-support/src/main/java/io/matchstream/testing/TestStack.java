package io.matchstream.testing;

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

/**
 * The real parts a job's integration test needs: a KRaft broker with every matchstream topic (one
 * replica), the schema registry on it, and a Flink MiniCluster with four slots. Reads are
 * {@code read_committed}, as the apps that consume the jobs' output read them.
 */
public class TestStack implements AutoCloseable {
    public final Path dataDir;
    public final EmbeddedKafkaBroker broker;
    public final SchemaRegistryServer registryServer;
    public final SchemaRegistryClient registry;
    public final EmbeddedFlinkCluster flink;

    public TestStack(Path dataDir) {
        this.dataDir = dataDir;
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        registryServer = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0)).start();
        registry = new SchemaRegistryClient(registryServer.url());
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        flink = new EmbeddedFlinkCluster(0, 4, dataDir.resolve("flink-changelog")).start();
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registryServer.url();
    }

    /** Sends the records and waits until the broker has them all. */
    public void publish(List<ProducerRecord<byte[], byte[]>> records) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    /** A read_committed consumer assigned every partition of the topic, at the beginning. */
    public KafkaConsumer<byte[], byte[]> consumerFromStart(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** Every committed record of a topic, from the beginning to its current end. */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = consumerFromStart(topic)) {
            Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
            Map<TopicPartition, Long> remaining = new HashMap<>(end);
            remaining.values().removeIf(v -> v == 0);
            while (!remaining.isEmpty()) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                remaining.keySet().removeIf(tp -> consumer.position(tp) >= end.get(tp));
            }
        }
        return out;
    }

    /** Polls until the condition holds on the topic's committed records; fails after the timeout. */
    public List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
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

    /** Waits for at least {@code count} committed records of the topic (two minutes at most). */
    public List<ConsumerRecord<byte[], byte[]>> awaitAtLeast(String topic, int count) throws InterruptedException {
        return awaitCommitted(topic, r -> r.size() >= count, Duration.ofSeconds(120));
    }

    /**
     * Waits for {@code count} committed records of the topic, then two seconds (more than a checkpoint)
     * more: exactly {@code count} must be there, none extra.
     */
    public List<ConsumerRecord<byte[], byte[]>> awaitExactly(String topic, int count) throws InterruptedException {
        awaitAtLeast(topic, count);
        Thread.sleep(2000);
        List<ConsumerRecord<byte[], byte[]>> records = readCommitted(topic);
        if (records.size() != count) {
            throw new AssertionError("expected " + count + " committed records on " + topic + ", found " + records.size());
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
