package io.matchstream.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import io.matchstream.events.ProfileUpload;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop the embedding job mid-stream, restart from its last checkpoint: every photo embedded exactly once. */
class EmbeddingJobRestartTest {
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
    void restartFromCheckpointEmbedsEveryPhotoExactlyOnce() throws Exception {
        SchemaRegistryClient schemas = stack.registry;
        var uploads = Topics.PROFILE_UPLOADS.valueSerializer(schemas);
        byte[] oneFace = Files.readAllBytes(PHOTOS.resolve("sample2.png"));
        EmbeddingConfig config = EmbeddingConfig.defaults().with(Map.of(
                "bootstrap-servers", stack.broker.bootstrapServers(), "registry-url", stack.registryUrl(),
                "checkpoint-dir", dataDir.resolve("checkpoints").toUri().toString(), "batch-size", "4"));
        Path checkpoints = Path.of(java.net.URI.create(config.job().checkpointDir())).resolve(EmbeddingConfig.JOB_NAME);

        stack.publish(users(uploads, oneFace, 0, 16));
        JobClient job = EmbeddingJob.onKafka(config).start(stack.flink.clientConfiguration(), null);
        stack.awaitAtLeast(Topics.PROFILE_EMBEDDINGS.name(), 4);
        stack.publish(users(uploads, oneFace, 16, 24));
        job.cancel().get(); // mid-stream: some photos embedded and committed, some in flight, some unread
        var checkpoint = io.matchstream.embedded.Checkpoints.latest(checkpoints);
        assertThat(checkpoint).as("a retained checkpoint").isPresent();

        JobClient restarted = EmbeddingJob.onKafka(config).start(stack.flink.clientConfiguration(), checkpoint.get().toString());
        try {
            List<ConsumerRecord<byte[], byte[]>> out = stack.awaitExactly(Topics.PROFILE_EMBEDDINGS.name(), 24);
            var embeddings = Topics.PROFILE_EMBEDDINGS.valueDeserializer(schemas);
            List<String> users = out.stream().map(r -> embeddings.deserialize(r.topic(), r.value()).getUserId()).toList();
            assertThat(users).doesNotHaveDuplicates().hasSize(24);
        } finally {
            restarted.cancel().get();
        }
    }

    private static List<ProducerRecord<byte[], byte[]>> users(io.matchstream.schemas.wire.AvroSerializer<ProfileUpload> uploads,
            byte[] photo, int from, int to) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = from; i < to; i++) {
            records.add(stack.upload(uploads, "user" + i, photo, null));
        }
        return records;
    }

}
