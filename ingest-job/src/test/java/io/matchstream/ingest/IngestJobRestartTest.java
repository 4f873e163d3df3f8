package io.matchstream.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop the job mid-stream, restart it from its last checkpoint: nothing is lost and nothing doubles. */
class IngestJobRestartTest {
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
    void restartFromCheckpointLosesNothingAndDuplicatesNothing() throws Exception {
        EventMix batches = new EventMix(stack.registry);
        List<EventMix.Raw> first = swipes(batches, 3000);
        List<EventMix.Raw> second = swipes(batches, 3000);
        List<EventMix.Raw> third = new ArrayList<>(swipes(batches, 1000));
        third.addAll(first.subList(0, 500)); // replays of events the first run already passed on
        IngestConfig config = stack.config("restart");
        Path checkpoints = Path.of(java.net.URI.create(config.checkpointDir())).resolve(IngestConfig.JOB_NAME);

        stack.publishEvents(first);
        JobClient job = IngestJob.onKafka(config).start(stack.flink.clientConfiguration(), null);
        stack.awaitCommitted(Topics.SWIPES.name(), r -> r.size() >= 3000, Duration.ofSeconds(120));
        stack.publishEvents(second);
        job.cancel().get(); // mid-stream: the second batch is partly read, partly in an open transaction
        int afterStop = stack.readCommitted(Topics.SWIPES.name()).size();

        Optional<Path> checkpoint = Checkpoints.latest(checkpoints);
        assertThat(checkpoint).as("a retained checkpoint").isPresent();
        stack.publishEvents(third);
        JobClient restarted = IngestJob.onKafka(config).start(stack.flink.clientConfiguration(), checkpoint.get().toString());
        try {
            int expected = 3000 + 3000 + 1000;
            stack.awaitCommitted(Topics.SWIPES.name(), r -> r.size() >= expected, Duration.ofSeconds(120));
            Thread.sleep(3000);
            var deserializer = Topics.SWIPES.valueDeserializer(stack.registry);
            List<String> ids = stack.readCommitted(Topics.SWIPES.name()).stream()
                    .map(r -> deserializer.deserialize(r.topic(), r.value()).getEventId()).toList();
            Set<String> unique = ids.stream().collect(Collectors.toSet());
            assertThat(ids).as("no duplicate (committed before the stop: %d)", afterStop).hasSize(unique.size());
            assertThat(unique).hasSize(expected);
        } finally {
            restarted.cancel().get();
        }
    }

    private static List<EventMix.Raw> swipes(EventMix mix, int count) {
        int before = mix.records.size();
        for (int i = 0; i < count; i++) {
            mix.addSwipe(false);
        }
        return List.copyOf(mix.records.subList(before, mix.records.size()));
    }
}
