package io.matchstream.index.vector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.matchstream.index.vector.VectorIndex.Hits;
import io.matchstream.index.vector.VectorIndex.IdFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Faiss binding on small data: writes, training, drift, snapshots, errors and native lifetime. */
class FaissIndexTest {
    static final int D = 64;
    static final int N = 6000;
    static final SyntheticEmbeddings DATA = new SyntheticEmbeddings(D, 40, 3);

    /** IVF16,PQ8x4 trained inline after 3000 vectors; drift measured over windows of 500 adds. */
    static VectorIndexConfig small(boolean background) {
        return VectorIndexConfig.defaults(D).withFactory("IVF16,PQ8x4").withTraining(3000, 3000, background).withDrift(500, 1.3)
                .withSearch(4, 10, 100, 0.0, 0);
    }

    static float[] row(float[] rows, int i) {
        return Arrays.copyOfRange(rows, i * D, (i + 1) * D);
    }

    static long[] range(int from, int n) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = from + i;
        return ids;
    }

    static IdFilter filterOf(long... ids) {
        BitSet bits = new BitSet();
        for (long id : ids) bits.set((int) id);
        return new IdFilter(bits.toLongArray(), bits.cardinality());
    }

    static FaissIndex filled(VectorIndexConfig config, float[] base) {
        FaissIndex index = FaissIndex.create(config);
        index.upsertAll(range(0, base.length / D), base);
        index.awaitTraining();
        return index;
    }

    @Test
    void trainsOnceEnoughVectorsArriveAndServesExactlyBefore() {
        float[] base = DATA.draw(N, 1);
        try (FaissIndex index = FaissIndex.create(small(false))) {
            index.upsertAll(range(0, 2999), Arrays.copyOf(base, 2999 * D));
            assertThat(index.isTrained()).isFalse();
            Hits before = index.search(row(base, 5), 1, null);
            assertThat(before.ids()).containsExactly(5L); // exact search finds the vector itself
            index.upsert(2999, row(base, 2999));
            assertThat(index.isTrained()).isTrue();
            assertThat(index.trainings()).isEqualTo(1);
            assertThat(index.size()).isEqualTo(3000);
            assertThat(index.search(row(base, 5), 1, null).ids()).containsExactly(5L);
        }
    }

    @Test
    void nearConditionIsCheckedForTheIdsASearchVisits() {
        // Points on the unit sphere: even ids near the north pole, odd ids on the equator; the condition admits
        // ids within 10 degrees of the pole. With every id in the bitmap, both plans return only even ids, the
        // same ones a brute force over the admitted ids returns.
        float[] base = DATA.draw(N, 1);
        java.nio.ByteBuffer points = java.nio.ByteBuffer.allocateDirect(24 * N).order(java.nio.ByteOrder.nativeOrder());
        for (int i = 0; i < N; i++) {
            double lat = Math.toRadians(i % 2 == 0 ? 85 : 0);
            double lon = Math.toRadians(i % 360);
            points.putDouble(24 * i, Math.cos(lat) * Math.cos(lon)).putDouble(24 * i + 8, Math.cos(lat) * Math.sin(lon))
                    .putDouble(24 * i + 16, Math.sin(lat));
        }
        VectorIndex.Near near = new VectorIndex.Near(points, 0, 0, 1, Math.cos(Math.toRadians(10)));
        BitSet all = new BitSet();
        all.set(0, N);
        IdFilter filter = new IdFilter(all.toLongArray(), N / 2, near);
        try (FaissIndex index = filled(small(false), base)) {
            for (int q = 0; q < 20; q++) {
                float[] query = row(base, q * 31);
                Hits exact = index.searchExact(query, 10, filter);
                Hits indexed = index.searchIndexed(query, 10, filter, 16, 50);
                long[] expected = bruteForce(base, query, 10, id -> id % 2 == 0);
                assertThat(exact.ids()).containsExactly(expected);
                assertThat(Arrays.stream(indexed.ids()).boxed().toList()).hasSize(10).allMatch(id -> id % 2 == 0);
                assertThat(Arrays.stream(indexed.ids()).filter(id -> Arrays.stream(expected).anyMatch(e -> e == id)).count())
                        .isGreaterThanOrEqualTo(9);
            }
            assertThat(filter.admits(4)).isTrue();
            assertThat(filter.admits(5)).isFalse();
            assertThat(filter.admits(N + 10)).isFalse(); // beyond the points: never admitted
        }
        assertThatThrownBy(() -> new VectorIndex.Near(java.nio.ByteBuffer.allocate(24), 0, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theEightBitScanFindsTheTopKAndReturnsExactScores() {
        float[] base = DATA.draw(N, 1);
        try (FaissIndex index = filled(small(false), base)) {
            // Upserts and removes after the fill: removal moves the last slot's vector (and its 8-bit copy) into the gap.
            float[] moved = DATA.draw(200, 9);
            for (int i = 0; i < 200; i++) {
                index.remove(i * 7L);
            }
            for (int i = 0; i < 200; i++) {
                index.upsert(i * 11L + 1, row(moved, i));
                System.arraycopy(moved, i * D, base, (i * 11 + 1) * D, D);
            }
            java.util.function.LongPredicate present = id -> !(id % 7 == 0 && id < 1400) || id % 11 == 1 && (id - 1) / 11 < 200;
            BitSet half = new BitSet();
            for (int i = 0; i < N; i += 2) half.set(i);
            IdFilter many = new IdFilter(half.toLongArray(), half.cardinality());
            int same = 0;
            int queries = 50;
            for (int q = 0; q < queries; q++) {
                float[] query = DATA.draw(1, 100 + q);
                Hits scanned = index.searchQuantized(query, 10, many, 40);
                long[] expected = bruteForce(base, query, 10, id -> id % 2 == 0 && present.test(id));
                same += (int) Arrays.stream(scanned.ids()).filter(id -> Arrays.stream(expected).anyMatch(e -> e == id)).count();
                for (int i = 0; i < scanned.size(); i++) {
                    // the scores are the float vectors' (re-scored), not the 8-bit estimates
                    assertThat((double) scanned.scores()[i]).isCloseTo(dot(row(base, (int) scanned.ids()[i]), query), org.assertj.core.data.Offset.offset(1e-5));
                }
                // no more admitted ids than the shortlist: every one is re-scored, so the answer is the exact one
                IdFilter few = filterOf(java.util.stream.LongStream.range(0, 300).filter(id -> id % 3 == 0 && present.test(id)).toArray());
                assertThat(few.admittedCount()).isLessThanOrEqualTo(100);
                assertThat(index.searchQuantized(query, 10, few, 100).ids())
                        .containsExactly(bruteForce(base, query, 10, id -> id < 300 && id % 3 == 0 && present.test(id)));
            }
            assertThat(same / (10.0 * queries)).as("recall@10 of the 8-bit scan with a x4 shortlist").isGreaterThanOrEqualTo(0.99);
            assertThatThrownBy(() -> index.searchQuantized(row(base, 0), 10, many, 5)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    static long[] bruteForce(float[] base, float[] query, int k, java.util.function.LongPredicate admitted) {
        return java.util.stream.IntStream.range(0, base.length / D).filter(i -> admitted.test(i)).boxed()
                .sorted((a, b) -> Double.compare(dot(row(base, b), query), dot(row(base, a), query)))
                .limit(k).mapToLong(Integer::longValue).toArray();
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void upsertReplacesTheVectorAndRemoveDeletesIt() {
        float[] base = DATA.draw(N, 1);
        for (boolean trained : new boolean[] {false, true}) {
            try (FaissIndex index = FaissIndex.create(small(false))) {
                int n = trained ? N : 1000;
                index.upsertAll(range(0, n), Arrays.copyOf(base, n * D));
                assertThat(index.isTrained()).isEqualTo(trained);
                float[] other = row(base, 900);
                index.upsert(7, other); // 7 now holds 900's vector
                assertThat(index.size()).isEqualTo(n);
                Hits h = index.search(other, 2, null);
                assertThat(h.ids()).containsExactlyInAnyOrder(7L, 900L);
                assertThat(h.scores()[0]).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-4f));
                assertThat(index.search(row(base, 7), 1, null).ids()).doesNotContain(7L).hasSize(1);

                assertThat(index.remove(900)).isTrue();
                assertThat(index.remove(900)).isFalse();
                assertThat(index.size()).isEqualTo(n - 1);
                assertThat(index.search(other, 1, null).ids()).containsExactly(7L);
                assertThat(index.searchExact(other, 5, null).ids()).doesNotContain(900L);
                assertThat(index.search(other, 1, filterOf(900)).size()).isZero();

                // The stored vectors, as upserted: 7's replaced one, the last id's (moved into 900's freed slot), none
                // for the removed id or one never added.
                float[][] stored = index.vectors(new long[] {7, n - 1, 900, n + 5, 3});
                assertThat(stored[0]).containsExactly(other);
                assertThat(stored[1]).containsExactly(row(base, n - 1));
                assertThat(stored[2]).isNull();
                assertThat(stored[3]).isNull();
                assertThat(stored[4]).containsExactly(row(base, 3));
            }
        }
    }

    @Test
    void plannerReturnsKHitsWheneverKAreAdmitted() {
        float[] base = DATA.draw(N, 1);
        // exactMaxAdmitted 0, exactBelow 0, no cost comparison, nprobe 1 unboosted: the IVF pass runs first and misses most
        try (FilterAwareIndex planned = new FilterAwareIndex(filled(small(false).withSearch(1, 10, 0, 0.0, 0).withIvfVisitCost(0), base))) {
            assertThat(planned.faiss().isTrained()).isTrue();
            long[] admitted = {3, 77, 1500, 2222, 4001, 4002, 4500, 5100, 5555, 5999};
            float[] query = DATA.draw(1, 99);
            Hits hits = planned.search(query, 10, filterOf(admitted));
            assertThat(hits.ids()).containsExactlyInAnyOrder(admitted);
            Hits fewer = planned.search(query, 10, filterOf(3, 77, 1500));
            assertThat(fewer.ids()).containsExactlyInAnyOrder(3L, 77L, 1500L);
            // scores best first, and equal to the exact inner products
            for (int i = 0; i < hits.size(); i++) {
                assertThat(hits.scores()[i]).isCloseTo(ExactIndex.dot(query, base, (int) hits.ids()[i] * D, D), org.assertj.core.data.Offset.offset(1e-4f));
                if (i > 0) assertThat(hits.scores()[i]).isLessThanOrEqualTo(hits.scores()[i - 1]);
            }
            assertThat(planned.planCounts()[2]).as("the IVF pass came back short and fell back to exact").isPositive();

            // A radius left to the index: the count is a sample's estimate (1 here) under the truth (10). The IVF
            // pass (one list) finds some of the query's 5 nearest, not the 5 far ones: fewer than k, so the scan runs.
            long[] nearest = bruteForce(base, query, 5, id -> true);
            long[] inside = java.util.stream.LongStream.concat(Arrays.stream(nearest),
                    java.util.stream.LongStream.of(11, 1999, 3003, 4444, 5888).filter(id -> Arrays.stream(nearest).noneMatch(n -> n == id)))
                    .toArray();
            java.nio.ByteBuffer points = java.nio.ByteBuffer.allocateDirect(24 * N).order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < N; i++) {
                points.putDouble(24 * i, 1); // on the equator
            }
            for (long id : inside) {
                points.putDouble(24 * (int) id, 0).putDouble(24 * (int) id + 16, 1); // at the pole
            }
            BitSet all = new BitSet();
            all.set(0, N);
            long fallbacks = planned.planCounts()[2];
            Hits lazy = planned.search(query, 10, new IdFilter(all.toLongArray(), 1, new VectorIndex.Near(points, 0, 0, 1, 0.5)));
            assertThat(lazy.ids()).containsExactlyInAnyOrder(inside);
            assertThat(planned.planCounts()[2]).isEqualTo(fallbacks + 1);
        }
    }

    @Test
    void plannerScansExactlyWhenFewAreAdmitted() {
        float[] base = DATA.draw(N, 1);
        VectorIndexConfig config = small(false).withSearch(4, 10, 100, 0.01, 100);
        try (FilterAwareIndex planned = new FilterAwareIndex(filled(config, base))) {
            assertThat(planned.plan(50, N)).isEqualTo(FilterAwareIndex.Plan.EXACT);
            assertThat(planned.plan(N / 2, N)).isEqualTo(FilterAwareIndex.Plan.INDEX);
            // Above both floors (100 admitted, 1% = 60), the costs decide: 120 admitted against the 14 lists' 5,250
            // entries the IVF pass would visit, weighed 1/32 (164): exact; 150 against 11 lists' 4,125 (129): index.
            assertThat(planned.plan(120, N)).isEqualTo(FilterAwareIndex.Plan.EXACT);
            assertThat(planned.plan(150, N)).isEqualTo(FilterAwareIndex.Plan.INDEX);
            assertThat(planned.nprobe(N / 100, N)).isGreaterThan(config.nprobe());
            planned.search(DATA.draw(1, 5), 10, filterOf(range(100, 50)));
            assertThat(planned.planCounts()[0]).isEqualTo(1);
        }
    }

    @Test
    void saveAndLoadGiveTheSameAnswers(@TempDir Path dir) {
        float[] base = DATA.draw(N, 1);
        float[] queries = DATA.draw(20, 8);
        for (int n : new int[] {1000, N}) { // untrained and trained
            Path file = dir.resolve("index-" + n);
            try (FaissIndex index = filled(small(false), Arrays.copyOf(base, n * D))) {
                index.remove(3);
                index.save(file);
                try (FaissIndex loaded = FaissIndex.load(file, small(false))) {
                    assertThat(loaded.size()).isEqualTo(n - 1);
                    assertThat(loaded.isTrained()).isEqualTo(index.isTrained());
                    assertThat(loaded.description()).isEqualTo("IVF16,PQ8x4");
                    for (int q = 0; q < 20; q++) {
                        Hits a = index.search(row(queries, q), 10, null);
                        Hits b = loaded.search(row(queries, q), 10, null);
                        assertThat(b.ids()).containsExactly(a.ids());
                    }
                    loaded.upsert(3, row(base, 3)); // still writable after load (direct map restored)
                    assertThat(loaded.search(row(base, 3), 1, null).ids()).containsExactly(3L);
                }
            }
        }
    }

    @Test
    void retrainsWhenTheDataDriftsAndNotOtherwise() {
        float[] base = DATA.draw(4000, 1);
        try (FaissIndex index = filled(small(false), base)) {
            assertThat(index.trainings()).isEqualTo(1);
            index.upsertAll(range(4000, 1000), DATA.draw(1000, 2)); // same distribution: two windows
            System.out.printf("drift ratio, same distribution: %.3f%n", index.driftRatio());
            assertThat(index.driftRatio()).isLessThan(1.3);
            assertThat(index.trainings()).isEqualTo(1);
            // a new model version's (or market's) neighbourhoods: different cluster centres
            SyntheticEmbeddings elsewhere = new SyntheticEmbeddings(D, 40, 1234);
            float[] moved = elsewhere.draw(1000, 3);
            index.upsertAll(range(5000, 1000), moved);
            assertThat(index.trainings()).isEqualTo(2);
            float[] more = elsewhere.draw(500, 4);
            index.upsertAll(range(6000, 500), more);
            assertThat(index.trainings()).as("no second retrain within 10%% growth").isEqualTo(2);
            assertThat(index.search(row(moved, 10), 1, null).ids()).containsExactly(5010L);
            // the retrained centroids fit the new population better than centroids trained without it
            try (FaissIndex stale = filled(small(false).withDrift(500, 1e9), base)) { // measures, never retrains
                stale.upsertAll(range(6000, 500), more);
                System.out.printf("drift ratio of new data: stale centroids %.3f, retrained %.3f%n", stale.driftRatio(), index.driftRatio());
                assertThat(stale.driftRatio()).isGreaterThan(1.3);
                assertThat(index.driftRatio()).isLessThan(stale.driftRatio());
            }
        }
    }

    @Test
    void backgroundTrainingKeepsSearchesAndWritesGoing() throws Exception {
        float[] base = DATA.draw(N, 1);
        try (FaissIndex index = FaissIndex.create(small(true))) {
            index.upsertAll(range(0, 3000), Arrays.copyOf(base, 3000 * D)); // starts training in the background
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger searches = new AtomicInteger();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    assertThat(index.search(row(base, 11), 10, null).size()).isEqualTo(10);
                    searches.incrementAndGet();
                }
            });
            reader.start();
            // written while training runs: replayed into the new index when it is swapped in
            for (int i = 3000; i < N; i++) index.upsert(i, row(base, i));
            index.remove(12);
            index.upsert(13, row(base, 5000));
            index.awaitTraining();
            stop.set(true);
            reader.join();
            assertThat(searches.get()).isPositive();
            assertThat(index.isTrained()).isTrue();
            assertThat(index.size()).isEqualTo(N - 1);
            assertThat(index.search(row(base, 5999), 1, null).ids()).containsExactly(5999L);
            assertThat(index.search(row(base, 12), 10, null).ids()).doesNotContain(12L);
            assertThat(index.search(row(base, 5000), 2, null).ids()).containsExactlyInAnyOrder(13L, 5000L);
        }
    }

    @Test
    void faissErrorsBecomeJavaExceptions(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> FaissIndex.create(small(false).withFactory("IVF16,Nonsense"))).isInstanceOf(VectorIndexException.class)
                .hasMessageContaining("faiss");
        assertThatThrownBy(() -> FaissIndex.create(small(false).withFactory("IVF16,PQ8x4fs"))).isInstanceOf(VectorIndexException.class)
                .hasMessageContaining("cannot filter");
        assertThatThrownBy(() -> FaissIndex.create(small(false).withFactory("HNSW32"))).isInstanceOf(VectorIndexException.class);
        try (FaissIndex index = FaissIndex.create(small(false))) {
            assertThatThrownBy(() -> index.upsert(1, new float[D + 1])).isInstanceOf(VectorIndexException.class).hasMessageContaining("dimensions");
            assertThatThrownBy(() -> index.search(new float[D - 1], 3, null)).isInstanceOf(VectorIndexException.class).hasMessageContaining("dimensions");
            assertThatThrownBy(() -> index.upsert(-5, new float[D])).isInstanceOf(VectorIndexException.class).hasMessageContaining("outside");
            assertThat(index.size()).isZero();
        }
        Path junk = Files.writeString(dir.resolve("junk"), "not an index");
        assertThatThrownBy(() -> FaissIndex.load(junk, small(false))).isInstanceOf(VectorIndexException.class);
        assertThatThrownBy(() -> FaissIndex.load(dir.resolve("missing"), small(false))).isInstanceOf(VectorIndexException.class);
    }

    @Test
    void closeFreesOnceAndASecondCloseIsHarmless() {
        FaissIndex index = filled(small(false), DATA.draw(N, 1));
        index.close();
        index.close();
        assertThatThrownBy(() -> index.search(new float[D], 1, null)).isInstanceOf(VectorIndexException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> index.upsert(1, new float[D])).isInstanceOf(VectorIndexException.class).hasMessageContaining("closed");
    }
}
