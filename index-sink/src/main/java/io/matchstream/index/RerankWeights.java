package io.matchstream.index;

import java.time.Duration;

/**
 * How a candidate's final score is made (README "Re-rank"):
 * {@code relevance = preference * similarity + reciprocal * reciprocalScore + recency * 0.5^(idle / halfLife)},
 * then MMR picks the next candidate maximising {@code mmrLambda * relevance - (1 - mmrLambda) * maxSimilarityToPicked}.
 * {@code mmrLambda = 1} turns diversity off.
 */
public record RerankWeights(double preference, double reciprocal, double recency, Duration recencyHalfLife, double mmrLambda) {
    public RerankWeights {
        if (mmrLambda < 0 || mmrLambda > 1) {
            throw new IllegalArgumentException("mmr-lambda must lie in [0, 1], got " + mmrLambda);
        }
        if (recencyHalfLife.isNegative() || recencyHalfLife.isZero()) {
            throw new IllegalArgumentException("recency half-life must be positive");
        }
    }

    /** 1 for activity now, 0.5 one half-life ago; activity "in the future" (clock skew) counts as now. */
    public double recencyScore(long lastActiveMillis, long nowMillis) {
        if (lastActiveMillis <= 0) {
            return 0;
        }
        double idle = Math.max(0, nowMillis - lastActiveMillis);
        return Math.pow(0.5, idle / recencyHalfLife.toMillis());
    }
}
