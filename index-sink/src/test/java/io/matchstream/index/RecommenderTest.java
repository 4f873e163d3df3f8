package io.matchstream.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The re-rank on a hand-built pool whose order can be worked out on paper (see the comments). */
class RecommenderTest {
    // relevance = 1 * similarity + 0.5 * reciprocal + 0.2 * recency
    static final Candidate A = new Candidate("a", 0.90f, 0.0f, 1.0, new float[] {1, 0});     // 1.10
    static final Candidate B = new Candidate("b", 0.88f, 0.0f, 1.0, new float[] {1, 0});     // 1.08, A's twin
    static final Candidate C = new Candidate("c", 0.72f, 0.8f, 0.0, new float[] {0, 1});     // 1.12, thanks to reciprocity
    static final Candidate D = new Candidate("d", 0.85f, 0.0f, 0.0, new float[] {0.6f, 0.8f}); // 0.85, inactive

    static Recommender recommender(double lambda) {
        return new Recommender(new RerankWeights(1, 0.5, 0.2, Duration.ofHours(72), lambda));
    }

    static List<String> order(List<Recommendation> rs) {
        return rs.stream().map(Recommendation::userId).toList();
    }

    @Test
    void withoutDiversityTheWeightedSumDecides() {
        List<Recommendation> rs = recommender(1.0).rerank(List.of(A, B, C, D), 4);
        assertThat(order(rs)).containsExactly("c", "a", "b", "d");
        assertThat(rs.get(0).relevance()).isCloseTo(1.12, within(1e-6));
        assertThat(rs.get(0).score()).isCloseTo(1.12, within(1e-6));
    }

    @Test
    void mmrPushesANearDuplicateDown() {
        // lambda 0.3: c first; then a (orthogonal to c); then b costs 0.7 * sim(a, b) = 0.7 and d only
        // 0.7 * sim(c, d) = 0.56, so d (0.255 - 0.56) beats b (0.324 - 0.7).
        List<Recommendation> rs = recommender(0.3).rerank(List.of(A, B, C, D), 4);
        assertThat(order(rs)).containsExactly("c", "a", "d", "b");
        assertThat(rs.get(2).diversityPenalty()).isCloseTo(0.8, within(1e-6));
        assertThat(rs.get(3).diversityPenalty()).isCloseTo(1.0, within(1e-6));
    }

    @Test
    void theLimitCutsAndShardsDuplicatesCollapse() {
        assertThat(order(recommender(1.0).rerank(List.of(A, C, A, B, C), 2))).containsExactly("c", "a");
        assertThat(recommender(1.0).rerank(List.of(A), 5)).hasSize(1);
    }

    @Test
    void recencyHalvesEveryHalfLife() {
        RerankWeights w = new RerankWeights(1, 0.5, 0.2, Duration.ofHours(72), 1);
        long now = 1_000_000_000_000L;
        assertThat(w.recencyScore(now, now)).isEqualTo(1.0);
        assertThat(w.recencyScore(now - Duration.ofHours(72).toMillis(), now)).isCloseTo(0.5, within(1e-9));
        assertThat(w.recencyScore(now - Duration.ofHours(144).toMillis(), now)).isCloseTo(0.25, within(1e-9));
        assertThat(w.recencyScore(0, now)).isEqualTo(0.0);
    }
}
