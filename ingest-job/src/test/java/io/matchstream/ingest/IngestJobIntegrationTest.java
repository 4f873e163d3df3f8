package io.matchstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.DeadLetter;
import io.matchstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job on a MiniCluster against the real broker and registry: 2,000 mixed events, exact counts. */
class IngestJobIntegrationTest {
    @TempDir
    static Path dataDir;
    static IngestTestStack stack;

    @BeforeAll
    static void start() throws Exception {
        stack = new IngestTestStack(dataDir);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void mixedEventsGiveExactCountsOnCleanTopicsAndDeadLetters() throws Exception {
        EventMix mix = EventMix.of(stack.registry, 2000);
        assertThat(mix.records).hasSize(2000);
        stack.publishEvents(mix.records);

        JobClient job = IngestJob.onKafka(stack.config("mixed")).start(stack.flink.clientConfiguration(), null);
        try {
            List<ConsumerRecord<byte[], byte[]>> swipes = stack.awaitCommitted(Topics.SWIPES.name(),
                    r -> r.size() >= mix.expectedSwipes, Duration.ofSeconds(120));
            List<ConsumerRecord<byte[], byte[]>> dead = stack.awaitCommitted(Topics.DEAD_LETTERS.name(),
                    r -> r.size() >= mix.expectedDeadLetterCount(), Duration.ofSeconds(60));
            stack.awaitCommitted(Topics.PROFILE_UPLOADS.name(), r -> r.size() >= mix.expectedProfiles, Duration.ofSeconds(60));
            stack.awaitCommitted(Topics.PROFILE_DELETIONS.name(), r -> r.size() >= mix.expectedDeletions, Duration.ofSeconds(60));
            Thread.sleep(3000); // three more checkpoints: nothing extra may appear

            assertThat(stack.readCommitted(Topics.SWIPES.name())).hasSize(mix.expectedSwipes);
            assertThat(stack.readCommitted(Topics.PROFILE_UPLOADS.name())).hasSize(mix.expectedProfiles);
            assertThat(stack.readCommitted(Topics.PROFILE_DELETIONS.name())).hasSize(mix.expectedDeletions);
            var attributes = stack.readCommitted(Topics.PROFILE_ATTRIBUTES.name());
            assertThat(attributes).hasSize(mix.expectedProfiles + mix.expectedDeletions);
            assertThat(attributes.stream().filter(r -> r.value() == null)).hasSize(mix.expectedDeletions);

            dead = stack.readCommitted(Topics.DEAD_LETTERS.name());
            var deserializer = Topics.DEAD_LETTERS.valueDeserializer(stack.registry);
            List<DeadLetter> letters = dead.stream().map(r -> deserializer.deserialize(r.topic(), r.value())).toList();
            Map<String, Integer> byReason = new TreeMap<>(letters.stream()
                    .collect(Collectors.groupingBy(DeadLetter::getReasonCode, Collectors.summingInt(l -> 1))));
            assertThat(byReason).isEqualTo(mix.expectedDeadLetters);
            assertThat(letters).allSatisfy(l -> {
                assertThat(l.getSourceTopic()).startsWith("raw.");
                assertThat(l.getSourceOffset()).isGreaterThanOrEqualTo(0);
                assertThat(l.getRawValue()).isNotNull();
                assertThat(l.getMessage()).isNotBlank();
            });
            // Dead letters point at the exact source record: same bytes at that topic/partition/offset.
            DeadLetter first = letters.get(0);
            var source = stack.readCommitted(first.getSourceTopic()).stream()
                    .filter(r -> r.partition() == first.getSourcePartition() && r.offset() == first.getSourceOffset())
                    .findFirst().orElseThrow();
            byte[] raw = new byte[first.getRawValue().remaining()];
            first.getRawValue().duplicate().get(raw);
            assertThat(raw).isEqualTo(source.value());
        } finally {
            job.cancel().get();
        }
    }
}
