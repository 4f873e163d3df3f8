package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import io.matchstream.events.DeadLetter;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real photos through the whole job on a MiniCluster, the real broker and the registry. */
class EmbeddingJobIntegrationTest {
    private static final Path PHOTOS = Path.of("src/test/resources/face-reference/photos");

    @TempDir
    static Path dataDir;
    static EmbeddingTestStack stack;

    @BeforeAll
    static void start() {
        stack = new EmbeddingTestStack(dataDir);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void oneEmbeddingPerSingleFacePhotoAndAReasonForEveryOtherPhoto() throws Exception {
        SchemaRegistryClient schemas = stack.registry;
        var uploads = Topics.PROFILE_UPLOADS.valueSerializer(schemas);
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        byte[] oneFace = Files.readAllBytes(PHOTOS.resolve("sample2.png"));
        records.add(stack.upload(uploads, "ana", oneFace, null));
        records.add(stack.upload(uploads, "ben", oneFace, null));
        records.add(stack.upload(uploads, "group1", Files.readAllBytes(PHOTOS.resolve("sample1.png")), null));
        records.add(stack.upload(uploads, "group3", Files.readAllBytes(PHOTOS.resolve("sample3.png")), null));
        records.add(stack.upload(uploads, "sky", landscape(), null));
        records.add(stack.upload(uploads, "noise", "not an image at all".getBytes(StandardCharsets.US_ASCII), null));
        records.add(stack.upload(uploads, "remote", null, "https://cdn.example/remote.jpg"));
        records.add(new ProducerRecord<>(Topics.PROFILE_UPLOADS.name(), stack.bytes("bad"), new byte[] {9, 9, 9, 9, 9, 9}));
        records.add(new ProducerRecord<>(Topics.PROFILE_DELETIONS.name(), stack.bytes("ben"),
                Topics.PROFILE_DELETIONS.valueSerializer(schemas).serialize(Topics.PROFILE_DELETIONS.name(),
                        new ProfileDeletion("del-ben", "ben", Instant.now()))));
        stack.publish(records);

        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of(
                "bootstrap-servers", stack.broker.bootstrapServers(), "registry-url", stack.registryUrl(),
                "checkpoint-dir", dataDir.resolve("checkpoints").toUri().toString()));
        JobClient job = EmbeddingJob.onKafka(config).start(stack.flink.clientConfiguration(), null);
        try {
            List<ConsumerRecord<byte[], byte[]>> embedded = stack.awaitExactly(Topics.PROFILE_EMBEDDINGS.name(), 3);
            List<ConsumerRecord<byte[], byte[]>> dead = stack.awaitExactly(Topics.DEAD_LETTERS.name(), 6);

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
            assertThat(ana.getVector()).hasSize(ProjectionHead.DIMENSION);
            assertThat(norm(ana.getVector())).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(ana.getModelVersion()).startsWith(DlibFaceEncoder.ENCODER_ID + "@").contains("+head-");
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

}
