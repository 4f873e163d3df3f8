package io.matchstream.preference;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.embedded.Checkpoints;
import io.matchstream.events.Match;
import io.matchstream.events.MatchStatus;
import io.matchstream.events.PreferenceUpdate;
import io.matchstream.events.ProfileEmbedding;
import io.matchstream.events.Swipe;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.Topics;
import io.matchstream.schemas.wire.SchemaRegistryClient;
import io.matchstream.testing.TestStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 50,000 swipes among 1,000 users with 512-d embeddings on the real broker; the job is stopped mid-stream
 * (its open transaction aborted) and restarted from its last checkpoint. The final preference vector of
 * every user equals a from-scratch recomputation, and every mutual pair has exactly one match. Once with
 * RocksDB's own incremental checkpoints, once with the changelog state backend ({@code --state-changelog}),
 * RocksDB materialized every 2 s, so that the restore reads both a materialized snapshot and a log after it.
 */
class PreferenceJobFailureTest {
    private static final int USERS = 1000;
    private static final int SWIPES = 50_000;
    private static final int DIM = 512;
    private static final double HALF_LIFE_MS = 336 * 3_600_000.0;
    private static final double A = 0.6;
    private static final double B = 0.4;
    private static final double PASS_WEIGHT = 0.25;

    @TempDir
    Path dataDir;
    TestStack stack;

    @BeforeEach
    void start() {
        stack = new TestStack(dataDir);
    }

    @AfterEach
    void stop() throws Exception {
        stack.close();
    }

    @ParameterizedTest(name = "state-changelog={0}")
    @ValueSource(strings = {"false", "true"})
    void afterAFailureEveryVectorEqualsARecomputationAndEveryMutualPairMatchesOnce(String stateChangelog) throws Exception {
        SchemaRegistryClient schemas = stack.registry;
        Random random = new Random(23);
        Map<String, float[]> embeddings = new LinkedHashMap<>();
        List<ProducerRecord<byte[], byte[]>> profiles = new ArrayList<>();
        var embeddingSerializer = Topics.PROFILE_EMBEDDINGS.valueSerializer(schemas);
        for (int u = 0; u < USERS; u++) {
            String user = "u" + u;
            float[] v = PreferenceFunctionHarnessTest.unit(random, DIM);
            embeddings.put(user, v);
            List<Float> list = new ArrayList<>(DIM);
            for (float x : v) {
                list.add(x);
            }
            profiles.add(new ProducerRecord<>(Topics.PROFILE_EMBEDDINGS.name(), bytes(user), embeddingSerializer.serialize(
                    Topics.PROFILE_EMBEDDINGS.name(), new ProfileEmbedding(user, list, "v1", "test", null, false, "p" + u, Instant.EPOCH))));
        }
        var swipeSerializer = Topics.SWIPES.valueSerializer(schemas);
        List<Swipe> swipes = new ArrayList<>();
        long start = 1_750_000_000_000L;
        for (int i = 0; i < SWIPES; i++) {
            int from = random.nextInt(USERS);
            int to = random.nextInt(USERS - 1);
            to = to >= from ? to + 1 : to;
            int r = random.nextInt(100);
            SwipeAction action = r < 45 ? SwipeAction.LIKE : r < 50 ? SwipeAction.SUPERLIKE : SwipeAction.PASS;
            long at = start + i * 60_000L + random.nextInt(600_000); // five weeks, slightly out of order
            swipes.add(new Swipe("s" + i, "u" + from, "u" + to, action, Instant.ofEpochMilli(at)));
        }
        List<ProducerRecord<byte[], byte[]>> swipeRecords = swipes.stream().map(s -> new ProducerRecord<>(Topics.SWIPES.name(),
                bytes(s.getSwiperId()), swipeSerializer.serialize(Topics.SWIPES.name(), s))).toList();

        PreferenceConfig config = PreferenceConfig.fromFlags(Map.of("bootstrap-servers", stack.bootstrapServers(),
                "registry-url", stack.registryUrl(), "checkpoint-dir", dataDir.resolve("checkpoints").toUri().toString(),
                "pass-weight", Double.toString(PASS_WEIGHT), "checkpoint-interval-ms", "500",
                // with the changelog, RocksDB is materialized every 2 s: the restore reads a materialized snapshot and a log
                "state-changelog", stateChangelog, "changelog-materialize-interval-ms", "2000"), Map.of());
        stack.publish(profiles);
        stack.publish(swipeRecords.subList(0, SWIPES / 2));
        JobClient job = PreferenceJob.onKafka(config).start(stack.flink.clientConfiguration(), null);
        stack.awaitAtLeast(Topics.MATCHES.name(), 40); // about 80 mutual pairs in the first half
        stack.publish(swipeRecords.subList(SWIPES / 2, SWIPES * 3 / 4));
        Expected expected = recompute(embeddings, swipes);
        Thread.sleep(1000);
        job.cancel().get(); // mid-stream: between checkpoints, with a transaction open
        stack.publish(swipeRecords.subList(SWIPES * 3 / 4, SWIPES)); // the stream goes on while the job is down
        int matchesBeforeRestart = stack.readCommitted(Topics.MATCHES.name()).size();
        assertThat(matchesBeforeRestart).as("stopped before the end").isLessThan(expected.mutualPairs.size());
        Optional<Path> checkpoint = Checkpoints.latest(dataDir.resolve("checkpoints").resolve(PreferenceConfig.JOB_NAME));
        assertThat(checkpoint).as("a retained checkpoint").isPresent();
        JobClient restarted = PreferenceJob.onKafka(config).start(stack.flink.clientConfiguration(), checkpoint.get().toString());
        try {
            var updates = Topics.PREFERENCE_UPDATES.valueDeserializer(schemas);
            Map<String, PreferenceUpdate> latest = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
            try (var consumer = stack.consumerFromStart(Topics.PREFERENCE_UPDATES.name())) {
                while (!expected.counts.equals(counts(latest)) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                        PreferenceUpdate u = updates.deserialize(r.topic(), r.value());
                        latest.merge(u.getUserId().toString(), u, (old, now) -> now.getVersion() >= old.getVersion() ? now : old);
                    }
                }
            }
            assertThat(counts(latest)).as("every user's final counts").isEqualTo(expected.counts);
            int compared = 0;
            for (var e : expected.blended.entrySet()) {
                PreferenceUpdate u = latest.get(e.getKey());
                float[] actual = PreferenceFunctionHarnessTest.floats(u.getBlended());
                for (int d = 0; d < DIM; d++) {
                    assertThat(Math.abs(actual[d] - e.getValue()[d])).as("%s[%d]", e.getKey(), d).isLessThan(1e-4f);
                }
                compared++;
            }
            assertThat(compared).isEqualTo(USERS);

            var matchDeserializer = Topics.MATCHES.valueDeserializer(schemas);
            List<ConsumerRecord<byte[], byte[]>> matchRecords = stack.awaitExactly(Topics.MATCHES.name(), expected.mutualPairs.size());
            Set<String> pairs = new HashSet<>();
            for (var r : matchRecords) {
                Match m = matchDeserializer.deserialize(r.topic(), r.value());
                assertThat(m.getStatus()).isEqualTo(MatchStatus.MATCHED);
                assertThat(pairs.add(MatchDetector.pairKey(m.getUserA().toString(), m.getUserB().toString())))
                        .as("one match for %s", m.getMatchId()).isTrue();
            }
            assertThat(pairs).isEqualTo(expected.mutualPairs);
        } finally {
            restarted.cancel().get();
        }
    }

    private record Expected(Map<String, float[]> blended, Map<String, Long> counts, Set<String> mutualPairs) {}

    /** The preference of every user from the whole swipe history, in doubles, the way the design defines it. */
    private static Expected recompute(Map<String, float[]> embeddings, List<Swipe> swipes) {
        Map<String, double[]> liked = new HashMap<>();
        Map<String, double[]> passed = new HashMap<>();
        Map<String, double[]> weights = new HashMap<>(); // [liked, passed]
        Map<String, Long> counts = new HashMap<>();
        Set<String> seen = new HashSet<>();
        Set<String> likes = new HashSet<>();
        for (Swipe s : swipes) {
            String swiper = s.getSwiperId().toString();
            String target = s.getTargetId().toString();
            boolean like = s.getAction() != SwipeAction.PASS;
            if (like) {
                likes.add(swiper + ">" + target);
            }
            if (!seen.add(swiper + ">" + target + ">" + like)) {
                continue; // a user's second like (or pass) of the same person counts once: the first one
            }
            counts.merge(swiper, 1L, Long::sum);
            double w = Math.pow(2, (s.getTimestamp().toEpochMilli() - 1_750_000_000_000L) / HALF_LIFE_MS);
            double[] sum = (like ? liked : passed).computeIfAbsent(swiper, k -> new double[DIM]);
            float[] v = embeddings.get(target);
            for (int d = 0; d < DIM; d++) {
                sum[d] += w * v[d];
            }
            weights.computeIfAbsent(swiper, k -> new double[2])[like ? 0 : 1] += w;
        }
        Map<String, float[]> blended = new HashMap<>();
        for (var e : embeddings.entrySet()) {
            String user = e.getKey();
            double[] p = null;
            if (liked.containsKey(user)) {
                double[] w = weights.get(user);
                p = new double[DIM];
                for (int d = 0; d < DIM; d++) {
                    p[d] = liked.get(user)[d] / w[0] - (w[1] > 0 ? PASS_WEIGHT * passed.get(user)[d] / w[1] : 0);
                }
            }
            double[] x = new double[DIM];
            double norm = 0;
            for (int d = 0; d < DIM; d++) {
                x[d] = p == null ? e.getValue()[d] : A * e.getValue()[d] + B * p[d];
                norm += x[d] * x[d];
            }
            float[] out = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                out[d] = (float) (x[d] / Math.sqrt(norm));
            }
            blended.put(user, out);
            counts.putIfAbsent(user, 0L);
        }
        Set<String> mutual = new HashSet<>();
        for (String like : likes) {
            String[] users = like.split(">");
            if (likes.contains(users[1] + ">" + users[0])) {
                mutual.add(MatchDetector.pairKey(users[0], users[1]));
            }
        }
        return new Expected(blended, counts, mutual);
    }

    private static Map<String, Long> counts(Map<String, PreferenceUpdate> latest) {
        Map<String, Long> counts = new HashMap<>();
        latest.forEach((user, u) -> counts.put(user, u.getLikes() + u.getPasses()));
        return counts;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
