package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileUpload;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.AvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** The real parts an embedding-job test needs: a KRaft broker, the registry on it, a Flink MiniCluster. */
final class EmbeddingTestStack implements AutoCloseable {
    final EmbeddedKafkaBroker broker;
    final SchemaRegistryServer registry;
    final EmbeddedFlinkCluster flink;

    EmbeddingTestStack(Path dataDir) {
        // The job embeds through the trained head; train the shipped default (deterministic) if it is missing.
        if (!java.nio.file.Files.isRegularFile(ProjectionHead.DEFAULT_FILE)) {
            TrainHead.main(new String[] {"--out", ProjectionHead.DEFAULT_FILE.toString()});
        }
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0)).start();
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        flink = new EmbeddedFlinkCluster(0, 4).start();
    }

    @Override
    public void close() throws Exception {
        flink.close();
        registry.close();
        broker.close();
    }

    ProducerRecord<byte[], byte[]> upload(AvroSerializer<ProfileUpload> serializer,
            String user, byte[] photo, String uri) {
        ProfileUpload upload = ProfileUpload.newBuilder()
                .setEventId("up-" + user).setUserId(user)
                .setPhoto(photo == null ? null : ByteBuffer.wrap(photo)).setPhotoUri(uri)
                .setPhotoFormat(photo == null ? PhotoFormat.URI : PhotoFormat.PNG)
                .setGender(Gender.F).setSeeking(List.of(Gender.M)).setAge(30).setLat(1).setLon(2)
                .setMinAge(18).setMaxAge(99).setMaxDistanceKm(50).setTimestamp(Instant.now())
                .build();
        return new ProducerRecord<>(Topics.PROFILE_UPLOADS.name(), bytes(user), serializer.serialize(Topics.PROFILE_UPLOADS.name(), upload));
    }

    byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    void publish(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var r : records) {
                producer.send(r).get();
            }
        }
    }

    /** Committed records of a topic (read_committed), polling until {@code count} are there; then no more may come. */
    List<ConsumerRecord<byte[], byte[]>> await(String topic, int count) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            Thread.sleep(2000); // one more checkpoint: nothing extra may appear
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        assertThat(out).as("committed records on " + topic).hasSize(count);
        return out;
    }

    /** Waits until at least {@code count} records of the topic are committed. */
    void awaitAtLeast(String topic, int count) throws Exception {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        int seen = 0;
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (seen < count && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        assertThat(seen).isGreaterThanOrEqualTo(count);
    }
}
