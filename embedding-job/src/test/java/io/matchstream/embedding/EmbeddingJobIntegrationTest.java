package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.embedded.EmbeddedFlinkCluster;
import io.matchstream.embedded.EmbeddedKafkaBroker;
import io.matchstream.events.DeadLetter;
import io.matchstream.events.Gender;
import io.matchstream.events.PhotoFormat;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.ProfileUpload;
import io.matchstream.registry.RegistryConfig;
import io.matchstream.registry.SchemaRegistryServer;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real photos through the whole job on a MiniCluster, the real broker and the registry. */
class EmbeddingJobIntegrationTest {
    private static final Path PHOTOS = Path.of("src/test/resources/face-reference/photos");

    @TempDir
    static Path dataDir;
    static EmbeddedKafkaBroker broker;
    static SchemaRegistryServer registry;
    static EmbeddedFlinkCluster flink;

    @BeforeAll
    static void start() {
        broker = new EmbeddedKafkaBroker(dataDir, 0).start();
        registry = new SchemaRegistryServer(RegistryConfig.defaults(broker.bootstrapServers()).withPort(0)).start();
        broker.createTopics(Topics.all().stream().map(t -> t.newTopic((short) 1)).toList());
        flink = new EmbeddedFlinkCluster(0, 4).start();
    }

    @AfterAll
    static void stop() throws Exception {
        flink.close();
        registry.close();
        broker.close();
    }

    @Test
    void oneEmbeddingPerSingleFacePhotoAndAReasonForEveryOtherPhoto() throws Exception {
        SchemaRegistryClient schemas = new SchemaRegistryClient(registry.url());
        var uploads = Topics.PROFILE_UPLOADS.valueSerializer(schemas);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        byte[] oneFace = Files.readAllBytes(PHOTOS.resolve("sample2.png"));
        records.add(upload(uploads, "ana", oneFace, null));
        records.add(upload(uploads, "ben", oneFace, null));
        records.add(upload(uploads, "group1", Files.readAllBytes(PHOTOS.resolve("sample1.png")), null));
        records.add(upload(uploads, "group3", Files.readAllBytes(PHOTOS.resolve("sample3.png")), null));
        records.add(upload(uploads, "sky", landscape(), null));
        records.add(upload(uploads, "noise", "not an image at all".getBytes(StandardCharsets.US_ASCII), null));
        records.add(upload(uploads, "remote", null, "https://cdn.example/remote.jpg"));
        records.add(new ProducerRecord<>(Topics.PROFILE_UPLOADS.name(), bytes("bad"), new byte[] {9, 9, 9, 9, 9, 9}));
        records.add(new ProducerRecord<>(Topics.PROFILE_DELETIONS.name(), bytes("ben"),
                Topics.PROFILE_DELETIONS.valueSerializer(schemas).serialize(Topics.PROFILE_DELETIONS.name(),
                        new ProfileDeletion("del-ben", "ben", Instant.now()))));
        publish(records);

        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of(
                "bootstrap-servers", broker.bootstrapServers(), "registry-url", registry.url(),
                "checkpoint-dir", dataDir.resolve("checkpoints").toUri().toString()));
        JobClient job = EmbeddingJob.onKafka(config).start(flink.clientConfiguration(), null);
        try {
            List<ConsumerRecord<byte[], byte[]>> embedded = await(Topics.PROFILE_EMBEDDINGS.name(), 3);
            List<ConsumerRecord<byte[], byte[]>> dead = await(Topics.DEAD_LETTERS.name(), 6);

            var embeddings = Topics.PROFILE_EMBEDDINGS.valueDeserializer(schemas);
            Map<String, ProfileEmbedding> byUser = new HashMap<>();
            int tombstones = 0;
            for (ConsumerRecord<byte[], byte[]> r : embedded) {
                if (r.value() == null) {
                    tombstones++;
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("ben");
                } else {
                    ProfileEmbedding e = embeddings.deserialize(r.topic(), r.value());
                    byUser.put(e.getUserId(), e);
                }
            }
            assertThat(tombstones).isEqualTo(1);
            assertThat(byUser.keySet()).containsExactlyInAnyOrder("ana", "ben");
            ProfileEmbedding ana = byUser.get("ana");
            assertThat(ana.getVector()).hasSize(DlibFaceEncoder.DIMENSION);
            assertThat(norm(ana.getVector())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(ana.getModelVersion()).startsWith(DlibFaceEncoder.ENCODER_ID + "@");
            assertThat(ana.getFaceBox()).isNotNull();
            assertThat(ana.getCentreCrop()).isFalse();
            assertThat(ana.getVector()).isEqualTo(byUser.get("ben").getVector()); // same photo, same vector

            var letters = Topics.DEAD_LETTERS.valueDeserializer(schemas);
            Map<String, Integer> reasons = new TreeMap<>();
            for (ConsumerRecord<byte[], byte[]> r : dead) {
                DeadLetter letter = letters.deserialize(r.topic(), r.value());
                assertThat(letter.getJob()).isEqualTo(EmbeddingConfig.JOB_NAME);
                reasons.merge(letter.getReasonCode(), 1, Integer::sum);
            }
            assertThat(reasons).isEqualTo(Map.of("ambiguous_face", 2, "no_face", 1, "photo_corrupt", 1,
                    "photo_by_reference", 1, "wrong_magic_byte", 1));
        } finally {
            job.cancel().get();
        }
    }

    private static ProducerRecord<byte[], byte[]> upload(io.matchstream.schemas.wire.AvroSerializer<ProfileUpload> serializer,
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

    private static byte[] landscape() throws Exception {
        BufferedImage image = new BufferedImage(480, 320, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(90, 150, 230), 0, 200, new Color(220, 230, 250)));
        g.fillRect(0, 0, 480, 200);
        g.setColor(new Color(60, 120, 60));
        g.fillRect(0, 200, 480, 120);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    private static double norm(List<Float> vector) {
        double sum = 0;
        for (float v : vector) {
            sum += v * v;
        }
        return Math.sqrt(sum);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void publish(List<ProducerRecord<byte[], byte[]>> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(Topics.MAX_RECORD_BYTES));
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (var r : records) {
                producer.send(r).get();
            }
        }
    }

    /** Committed records of a topic (read_committed), polling until at least {@code count} are there. */
    private static List<ConsumerRecord<byte[], byte[]>> await(String topic, int count) throws Exception {
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
}
