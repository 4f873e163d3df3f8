package io.matchstream.index;

/**
 * One recommended profile as the API returns it: the final score and its parts (no photo, no vector).
 * {@code score = mmrLambda * relevance - (1 - mmrLambda) * diversityPenalty}, where relevance is the weighted
 * sum of similarity, reciprocal and recency (see {@link RerankWeights}).
 */
public record Recommendation(String userId, double score, double relevance, double similarity, double reciprocal,
        double recency, double diversityPenalty) {}
