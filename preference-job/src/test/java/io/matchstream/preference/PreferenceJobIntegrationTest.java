package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;
import io.matchstream.events.DeadLetter;
import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import io.matchstream.testing.TestStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 3,000 random swipes among 60 users on the real broker: exactly one match per unblocked mutual like; a
 * deletion then cancels the deleted user's matches and tombstones them.
 */
class PreferenceJobIntegrationTest {
    @TempDir
    static Path dataDir;
    static TestStack stack;

    @BeforeAll
    static void start() {
        stack = new TestStack(dataDir);
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
    }

    @Test
    void everyUnblockedMutualLikeBecomesExactlyOneMatch() throws Exception {
        SchemaRegistryClient schemas = stack.registry;
        var serializer = Topics.SWIPES.valueSerializer(schemas);
        Random random = new Random(7);
        Set<String> likes = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            String from = "u" + random.nextInt(60);
            String to = "u" + random.nextInt(60);
            if (from.equals(to)) {
                continue;
            }
            int r = random.nextInt(100);
            SwipeAction action = r < 55 ? SwipeAction.LIKE : r < 60 ? SwipeAction.SUPERLIKE : SwipeAction.PASS;
            if (action != SwipeAction.PASS) {
                likes.add(from + ">" + to);
            }
            records.add(record(serializer, new Swipe("e" + i, from, to, action, Instant.now())));
        }
        // Ten one-sided likes answered by a block and then a like from the same user (same partition, so
        // in this order): mutual likes, yet never a match. Blocks between users whose swipes the job may
        // interleave either way are left to the harness test, where the order is fixed.
        Set<String> blocked = new HashSet<>();
        for (String like : List.copyOf(likes)) {
            String[] users = like.split(">");
            if (blocked.size() < 10 && !likes.contains(users[1] + ">" + users[0])) {
                blocked.add(MatchDetector.pairKey(users[0], users[1]));
                records.add(record(serializer, new Swipe("b" + blocked.size(), users[1], users[0], SwipeAction.BLOCK, Instant.now())));
                records.add(record(serializer, new Swipe("l" + blocked.size(), users[1], users[0], SwipeAction.LIKE, Instant.now())));
            }
        }
        records.add(new ProducerRecord<>(Topics.SWIPES.name(), "bad".getBytes(StandardCharsets.UTF_8), new byte[] {5, 5, 5, 5, 5}));
        Set<String> mutual = new HashSet<>();
        for (String like : likes) {
            String[] users = like.split(">");
            if (likes.contains(users[1] + ">" + users[0])) {
                mutual.add(MatchDetector.pairKey(users[0], users[1]));
            }
        }
        assertThat(mutual).as("the data has mutual likes").hasSizeGreaterThan(20);
        stack.publish(records);

        PreferenceConfig config = PreferenceConfig.fromFlags(Map.of("bootstrap-servers", stack.bootstrapServers(),
                "registry-url", stack.registryUrl(), "checkpoint-dir", dataDir.resolve("checkpoints").toUri().toString()), Map.of());
        JobClient job = PreferenceJob.onKafka(config).start(stack.flink.clientConfiguration(), null);
        try {
            List<ConsumerRecord<byte[], byte[]>> out = stack.awaitExactly(Topics.MATCHES.name(), mutual.size());
            var matches = Topics.MATCHES.valueDeserializer(schemas);
            Set<String> ids = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : out) {
                Match m = matches.deserialize(r.topic(), r.value());
                assertThat(m.getMatchId()).isEqualTo(MatchDetector.matchId(m.getUserA(), m.getUserB()));
                assertThat(m.getStatus()).isEqualTo(MatchStatus.MATCHED);
                assertThat(mutual).contains(MatchDetector.pairKey(m.getUserA(), m.getUserB()));
                assertThat(blocked).doesNotContain(MatchDetector.pairKey(m.getUserA(), m.getUserB()));
                assertThat(ids.add(m.getMatchId())).as("one match per pair").isTrue();
            }
            assertThat(ids).hasSize(mutual.size());
            DeadLetter letter = Topics.DEAD_LETTERS.valueDeserializer(schemas)
                    .deserialize("", stack.awaitExactly(Topics.DEAD_LETTERS.name(), 1).get(0).value());
            assertThat(letter.getReasonCode()).isEqualTo("wrong_magic_byte");

            // Deleting one matched user cancels their match and leaves tombstones on the compacted topics.
            Match first = matches.deserialize("", out.get(0).value());
            String deleted = first.getUserA();
            var deletions = Topics.PROFILE_DELETIONS.valueSerializer(schemas);
            stack.publish(List.of(new ProducerRecord<>(Topics.PROFILE_DELETIONS.name(), deleted.getBytes(StandardCharsets.UTF_8),
                    deletions.serialize(Topics.PROFILE_DELETIONS.name(), new io.matchstream.events.ProfileDeletion("d1", deleted, Instant.now())))));
            long matchesOfDeleted = out.stream().map(r -> matches.deserialize(r.topic(), r.value()))
                    .filter(m -> m.getUserA().equals(deleted) || m.getUserB().equals(deleted)).count();
            List<ConsumerRecord<byte[], byte[]>> after = stack.awaitExactly(Topics.MATCHES.name(), out.size() + 2 * (int) matchesOfDeleted);
            Set<String> before = new HashSet<>();
            out.forEach(r -> before.add(r.partition() + "@" + r.offset()));
            List<ConsumerRecord<byte[], byte[]>> tail = after.stream().filter(r -> !before.contains(r.partition() + "@" + r.offset())).toList();
            assertThat(tail.stream().filter(r -> r.value() == null).map(r -> new String(r.key(), StandardCharsets.UTF_8)))
                    .as("a tombstone per match of the deleted user").hasSize((int) matchesOfDeleted)
                    .contains(first.getMatchId());
            assertThat(tail.stream().filter(r -> r.value() != null).map(r -> matches.deserialize(r.topic(), r.value()).getStatus()))
                    .containsOnly(MatchStatus.UNMATCHED).hasSize((int) matchesOfDeleted);
            assertThat(stack.awaitExactly(Topics.PREFERENCE_UPDATES.name(), 1)).singleElement()
                    .satisfies(r -> assertThat(r.value()).as("tombstone").isNull())
                    .satisfies(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(deleted));
        } finally {
            job.cancel().get();
        }
    }

    private static ProducerRecord<byte[], byte[]> record(io.matchstream.schemas.wire.AvroSerializer<Swipe> serializer, Swipe swipe) {
        return new ProducerRecord<>(Topics.SWIPES.name(), swipe.getSwiperId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(Topics.SWIPES.name(), swipe));
    }
}
