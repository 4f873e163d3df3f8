package io.matchstream.index;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The re-rank: merges candidates from every shard, scores each, and picks the top K by maximal marginal
 * relevance so that K near-identical faces do not fill the list. Deterministic: ties go to the smaller user id.
 */
public final class Recommender {
    private final RerankWeights weights;

    public Recommender(RerankWeights weights) {
        this.weights = weights;
    }

    public double relevance(Candidate c) {
        return weights.preference() * c.similarity() + weights.reciprocal() * c.reciprocal() + weights.recency() * c.recency();
    }

    /** The best {@code limit} of {@code candidates} (duplicates across shards collapse to one), best first. */
    public List<Recommendation> rerank(List<Candidate> candidates, int limit) {
        Map<String, Candidate> unique = new LinkedHashMap<>();
        for (Candidate c : candidates) {
            unique.putIfAbsent(c.userId(), c);
        }
        List<Candidate> pool = new ArrayList<>(unique.values());
        pool.sort(Comparator.comparing(Candidate::userId));
        int n = pool.size();
        double[] relevance = new double[n];
        double[] penalty = new double[n]; // max similarity to anything picked so far
        boolean[] picked = new boolean[n];
        for (int i = 0; i < n; i++) {
            relevance[i] = relevance(pool.get(i));
        }
        double lambda = weights.mmrLambda();
        int picks = Math.min(limit, n);
        List<Recommendation> out = new ArrayList<>(picks);
        while (out.size() < picks) {
            int best = -1;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                if (picked[i]) {
                    continue;
                }
                double score = lambda * relevance[i] - (1 - lambda) * penalty[i];
                if (score > bestScore) { // strict: the earlier (smaller) user id wins a tie
                    best = i;
                    bestScore = score;
                }
            }
            picked[best] = true;
            Candidate c = pool.get(best);
            out.add(new Recommendation(c.userId(), bestScore, relevance[best], c.similarity(), c.reciprocal(), c.recency(), penalty[best]));
            if (out.size() == picks) {
                break; // no pick left for the penalties to steer (they cost one dot product per candidate)
            }
            for (int i = 0; i < n; i++) {
                if (!picked[i]) {
                    penalty[i] = Math.max(penalty[i], Vectors.dot(pool.get(i).embedding(), c.embedding()));
                }
            }
        }
        return out;
    }
}
