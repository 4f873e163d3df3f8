package io.matchstream.index;

import static io.matchstream.index.Events.T0;
import static io.matchstream.index.Events.embedding;
import static io.matchstream.index.Events.profile;
import static io.matchstream.index.Events.unit;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.matchstream.events.Gender;
import io.matchstream.events.ProfileAttributes;
import io.matchstream.events.ProfileDeletion;
import io.matchstream.events.SwipeAction;
import io.matchstream.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service on the real broker and registry. The three tests share one broker and keep out of each
 * other's way by geography: each uses its own region (10, 20 or 30 degrees north) and radii well below the
 * 1,100 km between regions.
 */
class IndexServiceIntegrationTest {
    static final int DIM = 16;
    static final long AS_OF = T0.plusSeconds(3600).toEpochMilli();

    @TempDir
    static Path dir;
    static KafkaStack stack;

    @BeforeAll
    static void start() {
        stack = new KafkaStack(dir);
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static float[] axis(int i, float tilt) {
        float[] v = new float[DIM];
        v[0] = 1;
        v[i] = tilt;
        return unit(v);
    }

    static ProfileAttributes man(String user, double lat, int age, List<Gender> seeking) {
        return profile(user, Gender.M, seeking, age, lat, 0, 20, 45, 50, T0);
    }

    void person(ProfileAttributes p, float[] v) {
        stack.publish(Topics.PROFILE_ATTRIBUTES, p.getUserId(), p);
        stack.publish(Topics.PROFILE_EMBEDDINGS, p.getUserId(), embedding(p.getUserId(), "v1", v, T0));
    }

    static List<String> ids(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.get("recommendations").forEach(r -> out.add(r.get("userId").asText()));
        return out;
    }

    @Test
    void recommendationsComeFromWhatWasPublished() throws Exception {
        double lat = 10;
        person(profile("alice", Gender.F, List.of(Gender.M), 30, lat, 0, 25, 40, 50, T0), axis(1, 0));
        person(man("bob", lat, 32, List.of(Gender.F)), axis(1, 0.1f));
        person(man("jon", lat, 31, List.of(Gender.F)), axis(2, 0.9f));
        person(man("ken", lat, 33, List.of(Gender.F)), axis(3, 0.6f));
        stack.publish(Topics.PREFERENCE_UPDATES, "ken", Events.preference("ken", "v1", axis(3, 0.6f), axis(1, 0), 1, T0));
        person(man("carl", lat, 30, List.of(Gender.F)), axis(1, 0.05f));
        stack.publish(Topics.SWIPES, "alice", Events.swipe("alice", "carl", SwipeAction.PASS, T0));
        person(man("dan", lat, 30, List.of(Gender.F)), axis(1, 0.05f));
        stack.publish(Topics.MATCHES, "alice~dan", Events.match("alice", "dan"));
        person(man("ed", lat, 30, List.of(Gender.F)), axis(1, 0.05f));
        stack.publish(Topics.SWIPES, "ed", Events.swipe("ed", "alice", SwipeAction.BLOCK, T0));
        person(man("fred", lat, 30, List.of(Gender.F)), axis(1, 0.05f));
        stack.publish(Topics.PROFILE_DELETIONS, "fred", new ProfileDeletion("d-fred", "fred", T0.plusSeconds(60)));
        person(man("gus", lat, 30, List.of(Gender.M)), axis(1, 0.05f));
        person(man("hal", lat, 45, List.of(Gender.F)), axis(1, 0.05f));
        person(man("ian", lat + 1, 30, List.of(Gender.F)), axis(1, 0.05f));
        stack.publish(Topics.PROFILE_ATTRIBUTES, "not-ian", man("ian", lat, 30, List.of(Gender.F))); // keyed as someone else
        stack.publishRaw(Topics.PROFILE_EMBEDDINGS.name(), "mallory", new byte[] {9, 9, 9});
        stack.publishRaw(Topics.PROFILE_ATTRIBUTES.name(), "mallory", new byte[] {0, 0, 0, 0, 1, 2});
        stack.flush();

        Path data = dir.resolve("basic");
        try (IndexService service = IndexService.start(IndexServiceConfig.fromFlags(
                stack.flags(data, "it-basic", "basic", 0), Map.of()))) {
            stack.awaitCaughtUp(List.of(service.url()));
            JsonNode answer = KafkaStack.recommendations(service.url(), "alice", 10, AS_OF);
                        // ken looks less like her taste than bob (0.86 vs 0.99) but likes her kind of face (reciprocal 1 * 0.5).
            assertThat(ids(answer)).containsExactly("ken", "bob", "jon");
            JsonNode ken = answer.get("recommendations").get(0);
            assertThat(ken.get("breakdown").get("reciprocal").asDouble()).isGreaterThan(0.5);

            // Her blended preference vector now leans towards jon: he overtakes bob (ken keeps his reciprocal lead).
            stack.publish(Topics.PREFERENCE_UPDATES, "alice", Events.preference("alice", "v1", axis(2, 0.9f), axis(2, 1), 1, T0));
            // zed's second photo has the wrong dimension for its model version: one key, so always read in this order,
            // by every instance of every test on this broker (and a version of its own, so no other index is touched).
            stack.publish(Topics.PROFILE_EMBEDDINGS, "zed", embedding("zed", "v-zed", unit(1, 0, 0, 0), T0));
            stack.publish(Topics.PROFILE_EMBEDDINGS, "zed", embedding("zed", "v-zed", unit(1, 0, 0), T0.plusSeconds(1)));
            stack.flush();
            stack.awaitCaughtUp(List.of(service.url()));
            assertThat(ids(KafkaStack.recommendations(service.url(), "alice", 10, AS_OF))).containsExactly("ken", "jon", "bob");

            String metrics = KafkaStack.get(service.url() + "/metrics", null).body();
            assertThat(metrics).contains("matchstream_index_sink_undecodable_total{topic=\"profile-embeddings\"")
                    .contains("matchstream_index_sink_undecodable_total{topic=\"profile-attributes\"")
                    .contains("matchstream_index_sink_refused_total{topic=\"profile-embeddings\",reason=\"wrong_dimension\"} 1")
                    .contains("matchstream_index_sink_refused_total{topic=\"profile-attributes\",reason=\"key_mismatch\"} 1")
                    .contains("matchstream_index_vectors{model_version=\"v1\"}")
                    .contains("matchstream_index_consumer_lag_records 0");
            assertThat(KafkaStack.get(service.url() + "/ready", null).statusCode()).isEqualTo(200);
        }
    }

    /** A region of 120 people with random faces and some swipes. */
    void population(String prefix, double lat, int n, Random random) {
        for (int i = 0; i < n; i++) {
            Gender g = i % 2 == 0 ? Gender.F : Gender.M;
            ProfileAttributes p = profile(prefix + i, g, List.of(g == Gender.F ? Gender.M : Gender.F), 25 + random.nextInt(10),
                    lat + random.nextDouble() * 0.2, random.nextDouble() * 0.2, 20, 40, 80, T0.plusSeconds(random.nextInt(3600)));
            person(p, Events.random(random, DIM));
        }
        for (int i = 0; i < 2 * n; i++) {
            String from = prefix + random.nextInt(n);
            String to = prefix + random.nextInt(n);
            SwipeAction action = SwipeAction.values()[random.nextInt(SwipeAction.values().length)];
            stack.publish(Topics.SWIPES, from, Events.swipe(from, to, action, T0.plusSeconds(random.nextInt(7200))));
        }
        stack.flush();
    }

    @Test
    void twoInstancesSplitThePartitionsAndAnswerLikeOne() throws Exception {
        population("s", 20, 120, new Random(20));
        int portA = KafkaStack.freePort();
        int portB = KafkaStack.freePort();
        Map<String, String> a = stack.flags(dir.resolve("pair-a"), "it-pair", "pair-a", portA);
        a.put("peers", "http://localhost:" + portB);
        Map<String, String> b = stack.flags(dir.resolve("pair-b"), "it-pair", "pair-b", portB);
        b.put("peers", "http://localhost:" + portA);
        try (IndexService single = IndexService.start(IndexServiceConfig.fromFlags(stack.flags(dir.resolve("single"), "it-single", "single", 0), Map.of()));
                IndexService first = IndexService.start(IndexServiceConfig.fromFlags(a, Map.of()));
                IndexService second = IndexService.start(IndexServiceConfig.fromFlags(b, Map.of()))) {
            stack.awaitCaughtUp(List.of(single.url()));
            stack.awaitCaughtUp(List.of(first.url(), second.url()));
            Set<Integer> ownedByFirst = owned(first.url());
            assertThat(ownedByFirst).hasSize(2);
            assertThat(owned(second.url())).hasSize(2).doesNotContainAnyElementsOf(ownedByFirst);

            Set<String> fromFirstShard = new HashSet<>();
            Set<String> fromSecondShard = new HashSet<>();
            for (int i = 0; i < 12; i++) {
                String user = "s" + i;
                JsonNode alone = KafkaStack.recommendations(single.url(), user, 10, AS_OF).get("recommendations");
                JsonNode viaFirst = KafkaStack.recommendations(first.url(), user, 10, AS_OF).get("recommendations");
                JsonNode viaSecond = KafkaStack.recommendations(second.url(), user, 10, AS_OF).get("recommendations");
                assertThat(alone).as("recommendations for " + user).hasSize(10);
                assertThat(viaFirst).isEqualTo(alone);
                assertThat(viaSecond).isEqualTo(alone);
                for (JsonNode r : alone) {
                    String candidate = r.get("userId").asText();
                    (ownedByFirst.contains(partitionOf(candidate)) ? fromFirstShard : fromSecondShard).add(candidate);
                }
            }
            assertThat(fromFirstShard).as("candidates merged from the first shard").isNotEmpty();
            assertThat(fromSecondShard).as("candidates merged from the second shard").isNotEmpty();

            // The second instance goes away: the first still answers for its own users, flagged partial.
            second.close();
            String local = fromFirstShard.stream().filter(u -> u.startsWith("s")).findFirst().orElseThrow();
            JsonNode partial = KafkaStack.recommendations(first.url(), local, 10, AS_OF);
            assertThat(partial.get("partial").asBoolean()).isTrue();
            assertThat(partial.get("recommendations")).isNotEmpty();
        }
    }

    static Set<Integer> owned(String url) throws Exception {
        Set<Integer> out = new HashSet<>();
        KafkaStack.JSON.readTree(KafkaStack.get(url + "/health", null).body()).get("sink").get("ownedPartitions")
                .forEach(p -> out.add(p.asInt()));
        return out;
    }

    /** Kafka's default partitioner for a string key. */
    static int partitionOf(String user) {
        return Utils.toPositive(Utils.murmur2(user.getBytes(StandardCharsets.UTF_8))) % Topics.PROFILE_ATTRIBUTES.partitions();
    }

    @Test
    void killedMidStreamItComesBackWithTheSameAnswersAsAnUninterruptedTwin() throws Exception {
        Random random = new Random(30);
        String prefix = "c";
        int n = 120;
        population(prefix, 30, n, random);
        Path data = dir.resolve("crash");
        int port = KafkaStack.freePort();
        Map<String, String> flags = stack.flags(data, "it-crash", "crash-1", port);
        flags.put("snapshot-interval-ms", "300");
        Path log = dir.resolve("crash-child.log");
        Process child = startChild(flags, log);
        try {
            stack.awaitCaughtUp(List.of("http://localhost:" + port));
            for (int round = 0; round < 30; round++) {
                if (round == 10) {
                    // A burst the child is still reading when it dies: SIGKILL, no shutdown hook, no last snapshot.
                    awaitSnapshot(data);
                    long before = totalPosition(port);
                    streamRound(prefix, n, round, random, 5000);
                    long readBeforeKill = before;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (readBeforeKill == before && System.nanoTime() < deadline) {
                        readBeforeKill = totalPosition(port); // it has started on the burst
                    }
                    child.destroyForcibly();
                    assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
                    assertThat(readBeforeKill).as("killed mid-stream").isLessThan(stack.endOffsets().values().stream().mapToLong(Long::longValue).sum());
                    continue;
                } else if (round == 20) {
                    child = startChild(flags, log);
                }
                streamRound(prefix, n, round, random, 20);
                Thread.sleep(60);
            }
            String childUrl = "http://localhost:" + port;
            stack.awaitCaughtUp(List.of(childUrl));
            assertThat(Files.readString(log)).contains("restored snapshot");
            try (IndexService twin = IndexService.start(IndexServiceConfig.fromFlags(
                    stack.flags(dir.resolve("twin"), "it-twin", "twin", 0), Map.of()))) {
                stack.awaitCaughtUp(List.of(twin.url()));
                int compared = 0;
                for (int i = 0; i < 30; i++) {
                    String user = prefix + i;
                    var fromChild = KafkaStack.get(childUrl + "/v1/users/" + user + "/recommendations?limit=10&asOf=" + AS_OF, adminToken());
                    var fromTwin = KafkaStack.get(twin.url() + "/v1/users/" + user + "/recommendations?limit=10&asOf=" + AS_OF, adminToken());
                    assertThat(fromChild.statusCode()).as(user).isEqualTo(fromTwin.statusCode());
                    if (fromTwin.statusCode() == 200) {
                        assertThat(KafkaStack.JSON.readTree(fromChild.body())).as(user).isEqualTo(KafkaStack.JSON.readTree(fromTwin.body()));
                        compared++;
                    }
                }
                assertThat(compared).isGreaterThan(20);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** Swipes, preference changes, new photos and now and then a deletion or a returning user. */
    void streamRound(String prefix, int n, int round, Random random, int swipes) {
        for (int i = 0; i < swipes; i++) {
            String from = prefix + random.nextInt(n);
            String to = prefix + random.nextInt(n);
            stack.publish(Topics.SWIPES, from, Events.swipe(from, to, SwipeAction.values()[random.nextInt(4)], T0.plusSeconds(round * 60L + i)));
        }
        for (int i = 0; i < 5; i++) {
            String user = prefix + random.nextInt(n);
            stack.publish(Topics.PREFERENCE_UPDATES, user, Events.preference(user, "v1", Events.random(random, DIM),
                    Events.random(random, DIM), round * 10L + i, T0.plusSeconds(round * 60L)));
        }
        String moved = prefix + random.nextInt(n);
        stack.publish(Topics.PROFILE_EMBEDDINGS, moved, embedding(moved, "v1", Events.random(random, DIM), T0.plusSeconds(round * 60L)));
        if (round % 7 == 3) {
            String gone = prefix + (40 + random.nextInt(n - 40));
            stack.publish(Topics.PROFILE_DELETIONS, gone, new ProfileDeletion("d-" + gone + round, gone, T0.plusSeconds(round * 60L)));
        }
        String a = prefix + random.nextInt(n);
        String b = prefix + random.nextInt(n);
        stack.publish(Topics.MATCHES, a + "~" + b, Events.match(a, b));
        stack.flush();
    }

    static String adminToken() {
        return io.matchstream.index.http.Tokens.hs256(IndexServiceConfig.DEV_JWT_SECRET, IndexServiceConfig.DEV_JWT_ISSUER,
                "test-admin", "admin", java.time.Duration.ofMinutes(5));
    }

    static Process startChild(Map<String, String> flags, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "-cp", System.getProperty("java.class.path"), IndexService.class.getName()));
        flags.forEach((k, v) -> {
            command.add("--" + k);
            command.add(v);
        });
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Records the child has applied, all partitions together. */
    static long totalPosition(int port) throws Exception {
        long total = 0;
        for (JsonNode p : KafkaStack.JSON.readTree(KafkaStack.get("http://localhost:" + port + "/health", null).body()).get("sink").get("positions")) {
            total += p.asLong();
        }
        return total;
    }

    static void awaitSnapshot(Path data) throws Exception {
        Path snapshots = data.resolve("snapshots");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(snapshots)) {
                try (Stream<Path> s = Files.list(snapshots)) {
                    for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                        if (KafkaStack.JSON.readTree(p.resolve("manifest.json").toFile()).get("offsets").size() > 0) {
                            return;
                        }
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the child wrote no snapshot of what it read");
    }
}
