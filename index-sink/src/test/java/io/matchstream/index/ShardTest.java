package io.matchstream.index;

import static io.matchstream.index.Events.T0;
import static io.matchstream.index.Events.embedding;
import static io.matchstream.index.Events.profile;
import static io.matchstream.index.Events.straight;
import static io.matchstream.index.Events.unit;
import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.events.Gender;
import io.matchstream.events.SwipeAction;
import io.matchstream.index.store.AttributeStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shard on a real RocksDB store: upserts, deletes, exclusions and both sides' filters. */
class ShardTest {
    static final RerankWeights WEIGHTS = new RerankWeights(1, 0.5, 0.2, Duration.ofHours(72), 1.0);
    static final String V1 = "v1";

    @TempDir
    Path dir;
    Shard shard;

    @BeforeEach
    void open() {
        shard = new Shard(AttributeStore.open(dir.resolve("db")), Map.of(), IndexFactory.forType("exact"), WEIGHTS);
    }

    @AfterEach
    void close() {
        shard.close();
    }

    /** Adds a user with a profile and an embedding. */
    void user(io.matchstream.events.ProfileAttributes p, float... v) {
        shard.applyAttributes(p.getUserId(), p, 0, T0.toEpochMilli());
        shard.applyEmbedding(embedding(p.getUserId(), V1, unit(v), T0));
    }

    List<String> ids(String user, int k) {
        return shard.search(shard.queryFor(user, k, T0.toEpochMilli()).orElseThrow()).stream().map(Candidate::userId).toList();
    }

    @Test
    void bestMatchesComeFirstAndAnUpsertMovesACandidate() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        user(straight("bob", Gender.M, 0), 1, 0.1f, 0);
        user(straight("carl", Gender.M, 0), 0, 1, 0);
        user(straight("dan", Gender.M, 0), 1, 0.5f, 0);
        assertThat(ids("alice", 3)).containsExactly("bob", "dan", "carl");

        shard.applyEmbedding(embedding("carl", V1, unit(1, 0, 0), T0.plusSeconds(1)));
        assertThat(ids("alice", 3)).containsExactly("carl", "bob", "dan");
        assertThat(shard.indexSizes()).containsEntry(V1, 4L);
    }

    @Test
    void withManyCandidatesTheRadiusIsCheckedByTheIndexAndTheAnswerIsStillExact() {
        // 45,000 men within about 110 km of alice (a square of 2 x 2 degrees), whose radius is 120 km: more
        // candidates than the store checks one by one, and the grid cells the radius reaches hold most of them (87%
        // are within it; checking the cells would cost more than the index's checks of the few ids it visits), so
        // the index checks the radius for the ids it visits (exact scans here: too few vectors to train an IVF
        // index). Both index types must return the brute-force answer within the radius.
        java.util.Random r = new java.util.Random(5);
        int n = 45_000;
        float[][] vectors = new float[n][];
        double[][] places = new double[n][];
        for (String type : List.of("exact", "faiss")) {
            AttributeStore store = AttributeStore.open(dir.resolve("db-" + type));
            try (Shard s = new Shard(store, Map.of(), IndexFactory.forType(type), WEIGHTS)) {
                s.applyAttributes("alice", profile("alice", Gender.F, List.of(Gender.M), 30, 0, 0, 18, 99, 120, T0), 0, T0.toEpochMilli());
                s.applyEmbedding(embedding("alice", V1, unit(1, 0, 0, 0, 0, 0, 0, 0), T0));
                for (int i = 0; i < n; i++) {
                    if (vectors[i] == null) {
                        vectors[i] = Events.random(r, 8);
                        places[i] = new double[] {r.nextDouble() * 2 - 1, r.nextDouble() * 2 - 1};
                    }
                    var p = profile("m" + i, Gender.M, List.of(Gender.F), 30, places[i][0], places[i][1], 18, 99, 50, T0);
                    s.applyAttributes(p.getUserId(), p, 0, T0.toEpochMilli());
                    s.applyEmbedding(embedding(p.getUserId(), V1, vectors[i], T0));
                }
                RecommendationQuery q = s.queryFor("alice", 20, T0.toEpochMilli()).orElseThrow();
                long[] plansBefore = store.radiusPlanCounts();
                List<Integer> within = java.util.stream.IntStream.range(0, n)
                        .filter(i -> AttributeStore.haversineKm(0, 0, places[i][0], places[i][1]) <= 120).boxed().toList();
                List<String> expected = within.stream()
                        .sorted(java.util.Comparator.comparingDouble((Integer i) -> -Vectors.dot(vectors[i], q.queryVector())))
                        .limit(20).map(i -> "m" + i).toList();
                assertThat(s.search(q).stream().map(Candidate::userId).toList()).as(type).containsExactlyElementsOf(expected);
                assertThat(store.radiusPlanCounts()[2] - plansBefore[2]).as(type + ": left to the index").isEqualTo(1);
                assertThat(s.admittedCount(q)).as(type).isEqualTo(within.size());
            }
        }
    }

    @Test
    void aSelectiveRadiusNarrowsTheCandidatesByGridCellAndTheAnswerIsStillExact() {
        // 24,000 men around four places (the equator, next to the north pole, next to the south pole, across the
        // antimeridian), spread over caps of 3 degrees: every man passes alice's other filters, so the radius is
        // the selective one and only the grid cells it reaches are checked. Alice visits each place with radii
        // from 0 to 400 km; some men move or are deleted first, so the cells follow upserts and deletions.
        java.util.Random r = new java.util.Random(11);
        double[][] centres = {{0, 0}, {89.9, 30}, {-89.97, -120}, {10, 179.98}};
        int n = 24_000;
        float[][] vectors = new float[n][];
        double[][] places = new double[n][];
        AttributeStore store = AttributeStore.open(dir.resolve("db-grid"));
        try (Shard s = new Shard(store, Map.of(), IndexFactory.forType("exact"), WEIGHTS)) {
            s.applyEmbedding(embedding("alice", V1, unit(1, 0, 0, 0, 0, 0, 0, 0), T0));
            for (int i = 0; i < n; i++) {
                vectors[i] = Events.random(r, 8);
                places[i] = nearPlace(r, centres[i % centres.length], 3);
                var p = profile("m" + i, Gender.M, List.of(Gender.F), 30, places[i][0], places[i][1], 18, 99, 50, T0);
                s.applyAttributes(p.getUserId(), p, 0, T0.toEpochMilli());
                s.applyEmbedding(embedding(p.getUserId(), V1, vectors[i], T0));
            }
            java.util.Set<Integer> deleted = new java.util.HashSet<>();
            for (int i = 0; i < n; i += 97) {
                places[i] = nearPlace(r, centres[r.nextInt(centres.length)], 0.5);
                var p = profile("m" + i, Gender.M, List.of(Gender.F), 30, places[i][0], places[i][1], 18, 99, 50, T0.plusSeconds(1));
                s.applyAttributes(p.getUserId(), p, 0, p.getUpdatedAt().toEpochMilli());
            }
            for (int i = 5; i < n; i += 101) {
                s.applyDeletion("m" + i, T0.plusSeconds(2).toEpochMilli());
                deleted.add(i);
            }
            long at = T0.plusSeconds(3).toEpochMilli();
            for (double[] centre : centres) {
                for (double km : new double[] {0, 5, 30, 120, 400}) {
                    double[] place = nearPlace(r, centre, 0.2);
                    var alice = profile("alice", Gender.F, List.of(Gender.M), 30, place[0], place[1], 18, 99, km, Instant.ofEpochMilli(++at));
                    s.applyAttributes("alice", alice, 0, at);
                    RecommendationQuery q = s.queryFor("alice", 20, at).orElseThrow();
                    List<Integer> within = java.util.stream.IntStream.range(0, n).filter(i -> !deleted.contains(i))
                            .filter(i -> AttributeStore.haversineKm(place[0], place[1], places[i][0], places[i][1]) <= km).boxed().toList();
                    List<String> expected = within.stream()
                            .sorted(java.util.Comparator.comparingDouble((Integer i) -> -Vectors.dot(vectors[i], q.queryVector())))
                            .limit(20).map(i -> "m" + i).toList();
                    String as = java.util.Arrays.toString(place) + " within " + km + " km";
                    assertThat(s.search(q).stream().map(Candidate::userId).toList()).as(as).containsExactlyElementsOf(expected);
                    var filter = store.admitted(q, p -> true, java.util.Set.of(store.existingDenseId("alice")));
                    assertThat(filter.admittedCount()).as(as).isEqualTo(within.size());
                    if (km <= 120) {
                        assertThat(filter.near()).as(as + ": narrowed by the grid, an exact set").isNull();
                    }
                }
            }
        }
    }

    @Test
    void aSelectiveRadiusBehindABroadGenderAndAgeFilterIsNarrowedByGridCell() {
        // As for the benchmark's slowest askers: 80,000 profiles of both genders and every age in a 1 x 1 degree
        // region; alice's gender and age filters admit more than the store checks one by one, her radius keeps a
        // fraction of those. The cells her radius reaches hold more profiles (all genders and ages) than half of
        // the candidates her filters leave, which kept the grid off before; it must be taken, with the exact answer.
        java.util.Random r = new java.util.Random(23);
        int n = 80_000;
        float[][] vectors = new float[n][];
        double[][] places = new double[n][];
        Gender[] genders = new Gender[n];
        int[] ages = new int[n];
        AttributeStore store = AttributeStore.open(dir.resolve("db-broad"));
        try (Shard s = new Shard(store, Map.of(), IndexFactory.forType("exact"), WEIGHTS)) {
            for (int i = 0; i < n; i++) {
                vectors[i] = Events.random(r, 8);
                places[i] = new double[] {48 + r.nextDouble(), 2 + r.nextDouble()};
                genders[i] = r.nextBoolean() ? Gender.M : Gender.F;
                ages[i] = 20 + r.nextInt(40);
                var p = profile("u" + i, genders[i], List.of(genders[i] == Gender.M ? Gender.F : Gender.M), ages[i],
                        places[i][0], places[i][1], 18, 99, 50, T0);
                s.applyAttributes(p.getUserId(), p, 0, T0.toEpochMilli());
                s.applyEmbedding(embedding(p.getUserId(), V1, vectors[i], T0));
            }
            double[] place = {48.5, 2.5};
            int km = 25;
            var alice = profile("alice", Gender.F, List.of(Gender.M), 30, place[0], place[1], 25, 50, km, T0);
            s.applyAttributes("alice", alice, 0, T0.toEpochMilli());
            s.applyEmbedding(embedding("alice", V1, unit(1, 0, 0, 0, 0, 0, 0, 0), T0));
            List<Integer> admittedByGenderAndAge = java.util.stream.IntStream.range(0, n)
                    .filter(i -> genders[i] == Gender.M && ages[i] >= 25 && ages[i] <= 50).boxed().toList();
            long reachedByRadius = java.util.stream.IntStream.range(0, n)
                    .filter(i -> AttributeStore.haversineKm(place[0], place[1], places[i][0], places[i][1]) <= km).count();
            List<Integer> within = admittedByGenderAndAge.stream()
                    .filter(i -> AttributeStore.haversineKm(place[0], place[1], places[i][0], places[i][1]) <= km).toList();
            assertThat(admittedByGenderAndAge.size()).as("more candidates than are checked one by one").isGreaterThan(20_000);
            assertThat(reachedByRadius).as("profiles of any gender and age within the radius").isGreaterThan(admittedByGenderAndAge.size() / 2);
            assertThat(within.size()).as("the radius is the selective filter").isLessThan(admittedByGenderAndAge.size() / 3);

            long[] plansBefore = store.radiusPlanCounts();
            var filter = store.admitted(s.queryFor("alice", 20, T0.toEpochMilli()).orElseThrow(), p -> true,
                    java.util.Set.of(store.existingDenseId("alice")));
            long[] plansAfter = store.radiusPlanCounts();
            assertThat(plansAfter[1] - plansBefore[1]).as("narrowed by grid cell").isEqualTo(1);
            assertThat(filter.near()).as("an exact set").isNull();
            assertThat(filter.admittedCount()).isEqualTo(within.size());

            RecommendationQuery q = s.queryFor("alice", 20, T0.toEpochMilli()).orElseThrow();
            List<String> expected = within.stream()
                    .sorted(java.util.Comparator.comparingDouble((Integer i) -> -Vectors.dot(vectors[i], q.queryVector())))
                    .limit(20).map(i -> "u" + i).toList();
            assertThat(s.search(q).stream().map(Candidate::userId).toList()).containsExactlyElementsOf(expected);

            // More candidates than the radius's sample checks (a narrow age range): not checked one by one when the
            // filter is built (the grid or the index checks the radius), and the answer is still exact.
            var narrow = profile("alice", Gender.F, List.of(Gender.M), 30, place[0], place[1], 30, 31, km, T0.plusSeconds(1));
            s.applyAttributes("alice", narrow, 0, narrow.getUpdatedAt().toEpochMilli());
            long fewCandidates = admittedByGenderAndAge.stream().filter(i -> ages[i] <= 31 && ages[i] >= 30).count();
            assertThat(fewCandidates).as("candidates before the radius").isBetween(1_025L, 20_000L);
            RecommendationQuery nq = s.queryFor("alice", 20, T0.toEpochMilli()).orElseThrow();
            plansBefore = store.radiusPlanCounts();
            store.admitted(nq, p -> true, java.util.Set.of(store.existingDenseId("alice")));
            assertThat(store.radiusPlanCounts()[0] - plansBefore[0]).as("checked for each candidate").isZero();
            List<Integer> narrowWithin = within.stream().filter(i -> ages[i] <= 31 && ages[i] >= 30).toList();
            assertThat(s.admittedCount(nq)).isEqualTo(narrowWithin.size());
            assertThat(s.search(nq).stream().map(Candidate::userId).toList()).containsExactlyElementsOf(narrowWithin.stream()
                    .sorted(java.util.Comparator.comparingDouble((Integer i) -> -Vectors.dot(vectors[i], nq.queryVector())))
                    .limit(20).map(i -> "u" + i).toList());

            // No more candidates than the sample would check (an age with at most 1,024 of them): each is checked,
            // an exact set and count.
            int age = java.util.stream.IntStream.rangeClosed(25, 50)
                    .filter(a -> admittedByGenderAndAge.stream().filter(i -> ages[i] == a).count() <= 1_024).findFirst().orElseThrow();
            var single = profile("alice", Gender.F, List.of(Gender.M), 30, place[0], place[1], age, age, km, T0.plusSeconds(2));
            s.applyAttributes("alice", single, 0, single.getUpdatedAt().toEpochMilli());
            long oneAge = admittedByGenderAndAge.stream().filter(i -> ages[i] == age).count();
            assertThat(oneAge).as("candidates before the radius").isBetween(1L, 1_024L);
            RecommendationQuery sq = s.queryFor("alice", 20, T0.toEpochMilli()).orElseThrow();
            plansBefore = store.radiusPlanCounts();
            var singleFilter = store.admitted(sq, p -> true, java.util.Set.of(store.existingDenseId("alice")));
            assertThat(store.radiusPlanCounts()[0] - plansBefore[0]).as("checked for each candidate").isEqualTo(1);
            assertThat(singleFilter.near()).as("an exact set").isNull();
            List<Integer> singleWithin = within.stream().filter(i -> ages[i] == age).toList();
            assertThat(singleFilter.admittedCount()).isEqualTo(singleWithin.size());
            assertThat(s.search(sq).stream().map(Candidate::userId).toList()).containsExactlyElementsOf(singleWithin.stream()
                    .sorted(java.util.Comparator.comparingDouble((Integer i) -> -Vectors.dot(vectors[i], sq.queryVector())))
                    .limit(20).map(i -> "u" + i).toList());
        }
    }

    /** A random place within {@code degrees} of {@code centre} (lat, lon), uniform over the cap. */
    static double[] nearPlace(java.util.Random r, double[] centre, double degrees) {
        double lat = Math.toRadians(centre[0]);
        double lon = Math.toRadians(centre[1]);
        double d = Math.toRadians(degrees) * Math.sqrt(r.nextDouble());
        double bearing = r.nextDouble() * 2 * Math.PI;
        double lat2 = Math.asin(Math.sin(lat) * Math.cos(d) + Math.cos(lat) * Math.sin(d) * Math.cos(bearing));
        double lon2 = lon + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat), Math.cos(d) - Math.sin(lat) * Math.sin(lat2));
        return new double[] {Math.toDegrees(lat2), Math.toDegrees(Math.IEEEremainder(lon2, 2 * Math.PI))};
    }

    @Test
    void aDeletedProfileDisappearsAndAStaleRecordDoesNotBringItBack() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        user(straight("bob", Gender.M, 0), 1, 0, 0);
        user(straight("carl", Gender.M, 0), 0, 1, 0);
        shard.applyDeletion("bob", T0.plusSeconds(10).toEpochMilli());
        assertThat(ids("alice", 3)).containsExactly("carl");
        assertThat(shard.indexSizes()).containsEntry(V1, 2L);

        // Written before the deletion, read after it: ignored.
        shard.applyEmbedding(embedding("bob", V1, unit(1, 0, 0), T0.plusSeconds(5)));
        shard.applyAttributes("bob", straight("bob", Gender.M, 0), 0, T0.toEpochMilli());
        assertThat(ids("alice", 3)).containsExactly("carl");

        // A tombstone on profile-attributes deletes too.
        shard.applyAttributes("carl", null, 0, T0.plusSeconds(20).toEpochMilli());
        assertThat(ids("alice", 3)).isEmpty();
        assertThat(shard.queryFor("carl", 3, 0)).isEmpty();
    }

    @Test
    void aDeletionAndTheUsersLaterRecordsGiveOneStateInEitherOrder() {
        // bob is deleted at +100 s and comes back at +150 s (new profile and photo); his old swipe and photo are
        // from before. The deletion and the other records travel on different topics: either may be read first.
        long deletion = T0.plusSeconds(100).toEpochMilli();
        var comeback = profile("bob", Gender.M, List.of(Gender.F), 40, 0, 0, 18, 99, 50, T0.plusSeconds(150));
        List<Runnable> before = List.of(
                () -> shard.applyAttributes("bob", straight("bob", Gender.M, 0), 0, T0.toEpochMilli()),
                () -> shard.applyEmbedding(embedding("bob", V1, unit(0, 1, 0), T0)),
                () -> shard.applySwipe(Events.swipe("bob", "alice", SwipeAction.PASS, T0)));
        List<Runnable> after = List.of(
                () -> shard.applyAttributes("bob", comeback, 0, T0.plusSeconds(150).toEpochMilli()),
                () -> shard.applyEmbedding(embedding("bob", V1, unit(1, 0, 0), T0.plusSeconds(150))));
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        before.forEach(Runnable::run);
        after.forEach(Runnable::run);
        shard.applyDeletion("bob", deletion); // read last
        List<Candidate> deletionLast = shard.search(shard.queryFor("alice", 5, 0).orElseThrow());
        RecommendationQuery bobLast = shard.queryFor("bob", 5, 0).orElseThrow();

        Shard other = new Shard(AttributeStore.open(dir.resolve("other")), Map.of(), IndexFactory.forType("exact"), WEIGHTS);
        try (other) {
            Shard mine = shard;
            shard = other;
            user(straight("alice", Gender.F, 0), 1, 0, 0);
            before.forEach(Runnable::run);
            shard.applyDeletion("bob", deletion); // read between
            after.forEach(Runnable::run);
            List<Candidate> deletionBetween = shard.search(shard.queryFor("alice", 5, 0).orElseThrow());
            RecommendationQuery bobBetween = shard.queryFor("bob", 5, 0).orElseThrow();
            shard = mine;

            assertThat(deletionLast).extracting(Candidate::userId).containsExactly("bob");
            assertThat(deletionLast.get(0).similarity()).isEqualTo(deletionBetween.get(0).similarity()).isEqualTo(1f);
            assertThat(bobLast.age()).isEqualTo(bobBetween.age()).isEqualTo(40);
            assertThat(bobLast.excluded()).isEqualTo(bobBetween.excluded()).containsExactly("bob"); // the old pass is gone
        }
    }

    @Test
    void swipedMatchedAndBlockingCandidatesAreExcludedYetKStillComeBack() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        for (int i = 0; i < 8; i++) {
            user(straight("m" + i, Gender.M, 0), 1, i * 0.2f, 0); // m0 is the closest, m7 the farthest
        }
        shard.applySwipe(Events.swipe("alice", "m0", SwipeAction.PASS, T0));
        shard.applySwipe(Events.swipe("alice", "m1", SwipeAction.LIKE, T0));
        shard.applySwipe(Events.swipe("alice", "m2", SwipeAction.BLOCK, T0));
        shard.applyMatch(Events.match("alice", "m3"));
        shard.applySwipe(Events.swipe("m4", "alice", SwipeAction.BLOCK, T0)); // blocked by the candidate
        shard.applySwipe(Events.swipe("m5", "alice", SwipeAction.PASS, T0)); // a pass by the candidate does not hide them
        assertThat(ids("alice", 3)).containsExactly("m5", "m6", "m7");
        assertThat(ids("alice", 10)).containsExactly("m5", "m6", "m7");
        // The blocker does not see alice either (their own swipe).
        assertThat(ids("m4", 10)).isEmpty();
    }

    @Test
    void filtersHoldBothWays() {
        user(profile("alice", Gender.F, List.of(Gender.M, Gender.X), 30, 0, 0, 25, 35, 50, T0), 1, 0, 0);
        user(profile("ok", Gender.M, List.of(Gender.F), 30, 0.1, 0, 18, 99, 5, T0), 1, 0, 0);
        user(profile("x-ok", Gender.X, List.of(Gender.F, Gender.M), 28, 0, 0.1, 25, 40, 50, T0), 1, 0, 0);
        user(profile("wrong-gender", Gender.F, List.of(Gender.F), 30, 0, 0, 18, 99, 50, T0), 1, 0, 0);
        user(profile("seeks-men", Gender.M, List.of(Gender.M), 30, 0, 0, 18, 99, 50, T0), 1, 0, 0);
        user(profile("too-old", Gender.M, List.of(Gender.F), 36, 0, 0, 18, 99, 50, T0), 1, 0, 0);
        user(profile("wants-older", Gender.M, List.of(Gender.F), 30, 0, 0, 31, 99, 50, T0), 1, 0, 0);
        user(profile("wants-younger", Gender.M, List.of(Gender.F), 30, 0, 0, 18, 29, 50, T0), 1, 0, 0);
        user(profile("far", Gender.M, List.of(Gender.F), 30, 0.5, 0, 18, 99, 500, T0), 1, 0, 0); // ~55 km away
        assertThat(ids("alice", 10)).containsExactlyInAnyOrder("ok", "x-ok");
        // "ok" is 11 km from alice and looks only 5 km around: alice's radius decides what she sees, his what he sees.
        assertThat(ids("ok", 10)).isEmpty();
        assertThat(ids("x-ok", 10)).containsExactly("alice");
        assertThat(AttributeStore.haversineKm(0, 0, 0.5, 0)).isBetween(55.0, 56.0);
    }

    @Test
    void theSelectivityEstimateCountsGenderAndAgeAndBoundsTheExactCount() {
        user(profile("alice", Gender.F, List.of(Gender.M), 30, 0, 0, 25, 35, 50, T0), 1, 0, 0);
        for (int i = 0; i < 10; i++) {
            user(profile("m" + i, Gender.M, List.of(Gender.F), 22 + 2 * i, 0, i * 0.1, 18, 99, 50, T0), 1, 0, 0); // ages 22..40
            user(profile("f" + i, Gender.F, List.of(Gender.M), 30, 0, 0, 18, 99, 50, T0), 1, 0, 0);
        }
        RecommendationQuery q = shard.queryFor("alice", 10, 0).orElseThrow();
        // Men aged 25..35: 26, 28, 30, 32, 34. Distance (m5..m9 lie 55..100 km away) only the exact filter sees.
        assertThat(shard.estimateAdmitted(q)).isEqualTo(5);
        assertThat(ids("alice", 10)).containsExactlyInAnyOrder("m2", "m3", "m4");
        assertThat(shard.admittedCount(q)).isEqualTo(3);
        // The exact count drops with an exclusion and with a candidate whose vector is of another model version.
        shard.applySwipe(Events.swipe("alice", "m2", SwipeAction.PASS, T0));
        shard.applyEmbedding(embedding("m3", "v2", unit(1, 0, 0), T0.plusSeconds(1)));
        assertThat(shard.admittedCount(shard.queryFor("alice", 10, 0).orElseThrow())).isEqualTo(1);
    }

    @Test
    void modelVersionsNeverMix() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        user(straight("bob", Gender.M, 0), 1, 0, 0);
        shard.applyAttributes("carl", straight("carl", Gender.M, 0), 0, T0.toEpochMilli());
        shard.applyEmbedding(embedding("carl", "v2", unit(1, 0, 0), T0));
        assertThat(ids("alice", 5)).containsExactly("bob");
        assertThat(shard.queryFor("carl", 5, 0).orElseThrow().modelVersion()).isEqualTo("v2");
        assertThat(ids("carl", 5)).isEmpty();
        // bob moves to v2: he leaves the v1 index.
        shard.applyEmbedding(embedding("bob", "v2", unit(1, 0, 0), T0.plusSeconds(1)));
        assertThat(ids("alice", 5)).isEmpty();
        assertThat(shard.indexSizes()).containsEntry(V1, 1L).containsEntry("v2", 2L);
    }

    @Test
    void theBlendedPreferenceVectorIsTheQueryAndTheCandidatesPreferenceTheReciprocal() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        user(straight("bob", Gender.M, 0), 1, 0, 0);
        user(straight("carl", Gender.M, 0), 0, 1, 0);
        assertThat(ids("alice", 1)).containsExactly("bob");
        shard.applyPreference(Events.preference("alice", V1, unit(0.1f, 1, 0), unit(0, 1, 0), 1, T0));
        assertThat(ids("alice", 1)).containsExactly("carl");
        // An older preference version is ignored.
        shard.applyPreference(Events.preference("alice", V1, unit(1, 0, 0), null, 0, T0));
        assertThat(ids("alice", 1)).containsExactly("carl");

        shard.applyPreference(Events.preference("bob", V1, unit(1, 0, 0), unit(1, 0, 0), 1, T0));
        Candidate bob = shard.search(shard.queryFor("alice", 2, 0).orElseThrow()).stream()
                .filter(c -> c.userId().equals("bob")).findFirst().orElseThrow();
        assertThat(bob.reciprocal()).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f)); // bob's taste vs alice's face
    }

    @Test
    void theCandidatesPreferenceVectorsSurviveARestoreKeepToTheirModelVersionAndLeaveWithADeletion() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        user(straight("bob", Gender.M, 0), 1, 0, 0);
        shard.applyPreference(Events.preference("bob", V1, unit(1, 0, 0), unit(1, 0, 0), 1, T0));
        assertThat(reciprocal(shard, "alice", "bob")).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));

        // Kept in memory, and read back from RocksDB when a snapshot's store opens.
        try (Shard copy = snapshotAndRestore(Map.of()).shard()) {
            assertThat(reciprocal(copy, "alice", "bob")).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
        }

        // A preference vector of another model version is not compared with alice's v1 face.
        shard.applyPreference(Events.preference("bob", "v2", unit(0, 1, 0), unit(0, 1, 0), 2, T0.plusSeconds(1)));
        assertThat(reciprocal(shard, "alice", "bob")).isZero();
        shard.applyPreference(Events.preference("bob", V1, unit(1, 0, 0), unit(1, 0, 0), 3, T0.plusSeconds(2)));
        assertThat(reciprocal(shard, "alice", "bob")).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));

        // Deleted with bob, and not back when he returns without one.
        shard.applyDeletion("bob", T0.plusSeconds(10).toEpochMilli());
        shard.applyAttributes("bob", profile("bob", Gender.M, List.of(Gender.F), 30, 0, 0, 18, 99, 50, T0.plusSeconds(20)), 0,
                T0.plusSeconds(20).toEpochMilli());
        shard.applyEmbedding(embedding("bob", V1, unit(1, 0, 0), T0.plusSeconds(20)));
        assertThat(reciprocal(shard, "alice", "bob")).isZero();
    }

    @Test
    void aRestoredShardKnowsEachProfilesPartition() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        for (int i = 0; i < 4; i++) {
            io.matchstream.events.ProfileAttributes p = straight("m" + i, Gender.M, 0);
            shard.applyAttributes(p.getUserId(), p, i % 2, T0.toEpochMilli());
            shard.applyEmbedding(embedding(p.getUserId(), V1, unit(1, i * 0.1f, 0), T0));
        }
        try (Shard copy = snapshotAndRestore(Map.of()).shard()) {
            copy.ownPartitions(p -> p == 0);
            // alice (partition 0) is served here and sees only the candidates of partition 0; m1 (partition 1) is not served.
            assertThat(copy.search(copy.queryFor("alice", 10, T0.toEpochMilli()).orElseThrow()).stream().map(Candidate::userId).toList())
                    .containsExactlyInAnyOrder("m0", "m2");
            assertThat(copy.queryFor("m1", 10, T0.toEpochMilli())).isEmpty();
        }
    }

    /** Writes a snapshot of {@link #shard} with {@code offsets} and restores it in a fresh snapshot reader. */
    Snapshots.Restored snapshotAndRestore(Map<org.apache.kafka.common.TopicPartition, Long> offsets) {
        Snapshots snapshots = new Snapshots(dir.resolve("service"), 2);
        snapshots.restore(IndexFactory.forType("exact"), WEIGHTS).shard().close();
        snapshots.write(shard, offsets, 1);
        return new Snapshots(dir.resolve("service"), 2).restore(IndexFactory.forType("exact"), WEIGHTS);
    }

    static float reciprocal(Shard on, String user, String candidate) {
        return on.search(on.queryFor(user, 5, T0.toEpochMilli()).orElseThrow()).stream()
                .filter(c -> c.userId().equals(candidate)).findFirst().orElseThrow().reciprocal();
    }

    @Test
    void aBadVectorIsRefusedNotFatal() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> shard.applyEmbedding(embedding("bob", V1, new float[] {0, 0, 0}, T0)))
                .isInstanceOf(RefusedRecord.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> shard.applyEmbedding(embedding("bob", V1, new float[] {1, 0}, T0)))
                .isInstanceOf(RefusedRecord.class).hasMessageContaining("dimensions");
        assertThat(shard.indexSizes()).containsEntry(V1, 1L);
    }

    @Test
    void aSnapshotRestoresTheSameAnswers() {
        user(straight("alice", Gender.F, 0), 1, 0, 0);
        for (int i = 0; i < 20; i++) {
            user(straight("m" + i, Gender.M, 0), 1, i * 0.1f, (i % 3) * 0.3f);
        }
        shard.applySwipe(Events.swipe("alice", "m0", SwipeAction.PASS, T0));
        List<String> before = ids("alice", 10);
        Snapshots snapshots = new Snapshots(dir.resolve("service"), 2);
        snapshots.restore(IndexFactory.forType("exact"), WEIGHTS).shard().close();
        snapshots.write(shard, Map.of(new org.apache.kafka.common.TopicPartition("swipes", 0), 42L), 1);
        shard.applySwipe(Events.swipe("alice", "m1", SwipeAction.PASS, T0)); // after the snapshot: not in it
        Snapshots.Restored restored = new Snapshots(dir.resolve("service"), 2).restore(IndexFactory.forType("exact"), WEIGHTS);
        try (Shard copy = restored.shard()) {
            assertThat(restored.offsets()).containsEntry(new org.apache.kafka.common.TopicPartition("swipes", 0), 42L);
            assertThat(copy.search(copy.queryFor("alice", 10, T0.toEpochMilli()).orElseThrow()).stream().map(Candidate::userId).toList())
                    .isEqualTo(before);
        }
    }
}
