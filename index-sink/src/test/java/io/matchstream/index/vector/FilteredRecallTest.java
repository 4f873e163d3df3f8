package io.matchstream.index.vector;

import static org.assertj.core.api.Assertions.assertThat;

import io.matchstream.index.vector.VectorIndex.Hits;
import io.matchstream.index.vector.VectorIndex.IdFilter;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Recall@10 of the default planner against exact filtered brute force (pure Java), by selectivity. */
class FilteredRecallTest {
    static final int N = 100_000;
    static final int D = 512;
    static final int K = 10;
    static final int QUERIES = 100;

    static FilterAwareIndex planned;
    static ExactIndex truth;
    static float[] queries;

    @BeforeAll
    static void build() {
        SyntheticEmbeddings data = new SyntheticEmbeddings(D, 1000, 7);
        float[] base = data.draw(N, 1);
        queries = data.draw(QUERIES, 2);
        long[] ids = new long[N];
        truth = new ExactIndex(D);
        for (int i = 0; i < N; i++) {
            ids[i] = i;
            truth.upsert(i, java.util.Arrays.copyOfRange(base, i * D, (i + 1) * D));
        }
        // the shipped defaults, except that training runs inline so the test measures the trained index
        VectorIndexConfig d = VectorIndexConfig.defaults(D);
        planned = VectorIndexes.open(d.withTraining(d.minTrainVectors(), d.maxTrainVectors(), false));
        long t0 = System.nanoTime();
        planned.faiss().upsertAll(ids, base);
        System.out.printf("built %s over %d x %d in %.1f s%n", planned.description(), N, D, (System.nanoTime() - t0) / 1e9);
        assertThat(planned.faiss().isTrained()).isTrue();
    }

    @AfterAll
    static void close() {
        planned.close();
    }

    @Test
    void recallAtEverySelectivityIsAtLeast95Percent() {
        System.out.println("selectivity  admitted  recall@10  plan");
        for (double selectivity : new double[] {1.0, 0.1, 0.01, 0.001}) {
            IdFilter filter = selectivity == 1.0 ? null : randomFilter(selectivity, 11 + (long) (selectivity * 1e4));
            long admitted = filter == null ? N : filter.admittedCount();
            double recall = plannedRecalls(filter, K, K)[0];
            System.out.printf("%10.1f%%  %8d  %9.4f  %s%n", selectivity * 100, admitted, recall, planned.plan(admitted, N));
            assertThat(recall).as("recall@10 at %.1f%% admitted", selectivity * 100).isGreaterThanOrEqualTo(0.95);
        }
    }

    @Test
    void theServicesDeeperSearchKeepsMostOfItsTopTen() {
        // The query service asks each shard for limit x overfetch candidates (50 for an answer of 10) and
        // re-ranks them, so its answer draws on the best of them. At 2-5% of 100k the planner takes the IVF pass
        // (its scan only up to about 1,250 admitted at this size), whose probed lists hold about minScanned (500)
        // admitted ids: their top 10 is 0.93-0.96 of the true top 10 (minScanned 1000: 0.97-0.99, but more at p99
        // at 1M than the 5 ms target affords; README, "Vector index"). `bench index` measures the same at 1M:
        // 0.93-1.00 from 0.3% to 5% admitted. The floor guards that trade-off against regressions.
        int k = 50;
        System.out.println("selectivity  admitted  recall@50  top-10 of the 50 vs true top 10  plan");
        for (double selectivity : new double[] {0.2, 0.05, 0.03, 0.02, 0.01}) {
            IdFilter filter = randomFilter(selectivity, 23 + (long) (selectivity * 1e4));
            double[] recalls = plannedRecalls(filter, k, k, K);
            System.out.printf("%10.1f%%  %8d  %9.4f  %9.4f  %s%n", selectivity * 100, filter.admittedCount(), recalls[0],
                    recalls[1], planned.plan(filter.admittedCount(), N));
            assertThat(recalls[1]).as("top 10 of %d at %.1f%% admitted", k, selectivity * 100).isGreaterThanOrEqualTo(0.90);
        }
    }

    @Test
    void approximatePassAloneStillFindsTheNeighboursAtTenPercent() {
        // The index path (not the exact fallback) carries the 10% case: check it directly.
        IdFilter filter = randomFilter(0.1, 99);
        double recall = 0;
        for (int q = 0; q < QUERIES; q++) {
            float[] query = query(q);
            Hits got = planned.faiss().searchIndexed(query, K, filter, planned.nprobe(filter.admittedCount(), N), 10);
            recall += recall(got, truth.search(query, K, filter), K);
        }
        assertThat(recall / QUERIES).isGreaterThanOrEqualTo(0.95);
    }

    static float[] query(int q) {
        return java.util.Arrays.copyOfRange(queries, q * D, (q + 1) * D);
    }

    /**
     * The planner's k hits for every query, each checked to hold k ids that the filter admits, and their mean
     * recall against the exact search's at each of {@code depths} (the first n of each).
     */
    static double[] plannedRecalls(IdFilter filter, int k, int... depths) {
        double[] recalls = new double[depths.length];
        for (int q = 0; q < QUERIES; q++) {
            float[] query = query(q);
            Hits expected = truth.search(query, k, filter);
            Hits got = planned.search(query, k, filter);
            assertThat(got.size()).isEqualTo(k);
            for (long id : got.ids()) {
                assertThat(filter == null || filter.admits(id)).isTrue();
            }
            for (int d = 0; d < depths.length; d++) {
                recalls[d] += recall(got, expected, depths[d]) / QUERIES;
            }
        }
        return recalls;
    }

    /** The share of {@code expected}'s first n ids among {@code got}'s first n. */
    static double recall(Hits got, Hits expected, int n) {
        Set<Long> want = new HashSet<>();
        for (int i = 0; i < n; i++) {
            want.add(expected.ids()[i]);
        }
        return java.util.Arrays.stream(got.ids()).limit(n).filter(want::contains).count() / (double) n;
    }

    static IdFilter randomFilter(double selectivity, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        BitSet bits = new BitSet(N);
        for (int i = 0; i < N; i++) {
            if (random.nextDouble() < selectivity) bits.set(i);
        }
        return new IdFilter(bits.toLongArray(), bits.cardinality());
    }
}
